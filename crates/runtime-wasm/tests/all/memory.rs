//! Host access to linear memory: bounds, strings, grow, named memories.
use crate::common::*;
use runtime_wasm::{ErrorCode, Value};

#[test]
fn read_write_and_strings_round_trip() {
    let rt = runtime();
    let inst = instance(&rt, "memory.wat");
    inst.run_sync(|l| {
        let mut m = l.memory(None)?;
        assert_eq!(m.read_string(0, 13)?, "hello, memory");
        m.write(100, &[1, 2, 3])?;
        assert_eq!(m.read(100, 3)?, vec![1, 2, 3]);
        assert_eq!(m.write_string(200, "héllo")?, 6);
        assert_eq!(m.read_string(200, 6)?, "héllo");
        // The last byte of memory is reachable, one past it is not.
        m.write(65535, &[9])?;
        assert_eq!(m.read(65536, 0)?, Vec::<u8>::new());
        Ok(())
    })
    .unwrap();
    // The guest sees what the host wrote.
    assert_eq!(
        inst.run_sync(|l| l.call("load", &[n(101.0)])).unwrap(),
        vec![Value::I32(2)]
    );
}

#[test]
fn bad_offsets_and_lengths_are_rejected_with_codes() {
    let rt = runtime();
    let inst = instance(&rt, "memory.wat");
    let code = |off: u64, len: u64| {
        inst.run_sync(|l| l.memory(None)?.read(off, len))
            .unwrap_err()
            .code()
    };
    // (Negative, fractional and unsafe JS numbers are the binding's to
    // refuse; test/memory.test.mjs covers them.)
    assert_eq!(code(65536, 1), ErrorCode::MemoryError);
    assert_eq!(code(65535, 2), ErrorCode::MemoryError);
    assert_eq!(code(0, u64::MAX), ErrorCode::MemoryError);
    assert_eq!(
        code(u64::MAX, u64::MAX),
        ErrorCode::MemoryError,
        "no overflow"
    );
    let err = inst
        .run_sync(|l| l.memory(None)?.write(65535, &[1, 2]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MemoryError);
    // Nothing was written by the refused write.
    assert_eq!(
        inst.run_sync(|l| l.memory(None)?.read(65535, 1)).unwrap(),
        vec![0]
    );
}

#[test]
fn grow_returns_previous_size_and_respects_the_maximum() {
    let rt = runtime();
    let inst = instance(&rt, "memory.wat");
    inst.run_sync(|l| {
        let mut m = l.memory(None)?;
        assert_eq!(m.size(), 1);
        assert_eq!(m.grow(2)?, 1);
        assert_eq!(m.size(), 3);
        assert_eq!(m.grow(2).unwrap_err().code(), ErrorCode::MemoryError);
        assert_eq!(m.grow(u64::MAX).unwrap_err().code(), ErrorCode::MemoryError);
        assert_eq!(m.size(), 3);
        Ok(())
    })
    .unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("size", &[])).unwrap(),
        vec![Value::I32(3)]
    );
}

#[test]
fn named_memories_and_missing_memories() {
    let rt = runtime();
    let inst = instance(&rt, "memory.wat");
    assert_eq!(
        inst.run_sync(|l| Ok(l.memory(Some("scratch"))?.size()))
            .unwrap(),
        2
    );
    let missing = inst
        .run_sync(|l| l.memory(Some("nope")).map(|_| ()))
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::MemoryError);
    let not_memory = inst
        .run_sync(|l| l.memory(Some("load")).map(|_| ()))
        .unwrap_err();
    assert_eq!(not_memory.code(), ErrorCode::MemoryError);
    let bare = rt.compile(b"(module)").unwrap();
    let bare = rt.instantiate(bare, &Default::default()).unwrap();
    let none = bare.run_sync(|l| l.memory(None).map(|_| ())).unwrap_err();
    assert_eq!(none.code(), ErrorCode::MemoryError);
}

#[test]
fn read_into_fills_a_caller_buffer() {
    let rt = runtime();
    let inst = instance(&rt, "memory.wat");
    let mut buf = [0u8; 5];
    assert_eq!(
        inst.run_sync(|l| l.memory(None)?.read_into(0, &mut buf))
            .unwrap(),
        5
    );
    assert_eq!(&buf, b"hello");
    let mut big = vec![0u8; 2];
    let err = inst
        .run_sync(|l| l.memory(None)?.read_into(65535, &mut big))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MemoryError);
    assert_eq!(big, vec![0, 0], "untouched on failure");
}

/// The embedder's view of a memory (`memory_extent`) is read without the
/// store, follows growth, and is announced stale to the watcher; a lease
/// keeps the bytes mapped past the instance's drop.
#[test]
fn extents_follow_growth_and_leases_keep_the_bytes() {
    use std::sync::{Arc, Mutex};
    for pool in [runtime_wasm::DEFAULT_POOL, 0] {
        let rt = runtime_wasm::Runtime::new(runtime_wasm::RuntimeOptions {
            pool: Some(pool),
            ..Default::default()
        })
        .unwrap();
        let inst = instance(&rt, "memory.wat");
        let told = Arc::new(Mutex::new(Vec::new()));
        let t = told.clone();
        inst.watch_memories(Arc::new(move |i| t.lock().unwrap().push(i)));
        let index = inst.memory_index(None).unwrap();
        let first = inst.memory_extent(index).unwrap();
        assert_eq!(first.len, 65536);
        assert!(told.lock().unwrap().is_empty(), "nothing stale yet");
        inst.run_sync(|l| l.memory(None)?.grow(2)).unwrap();
        let grown = inst.memory_extent(index).unwrap();
        assert_eq!(grown.len, 3 * 65536);
        assert_eq!(grown.base, first.base, "a memory grows in place");
        assert_eq!(*told.lock().unwrap(), vec![index]);
        // The guest's write lands in the lent bytes.
        inst.run_sync(|l| l.call("store", &[n(7.0), n(99.0)]))
            .unwrap();
        let lease = inst.lease().unwrap();
        // SAFETY: the extent is mapped while `lease` is held; nothing else
        // uses the instance meanwhile.
        let byte = |at: usize| unsafe { *grown.base.add(at) };
        assert_eq!(byte(7), 99);
        rt.drop_instance(&inst).unwrap();
        let told = told.lock().unwrap().clone();
        assert!(
            told[1..].contains(&index),
            "dropping makes every view stale: {told:?}"
        );
        assert!(inst.memory_extent(index).is_none());
        assert_eq!(
            inst.lease().unwrap_err().code(),
            ErrorCode::InvalidInstanceHandle
        );
        assert_eq!(byte(7), 99, "the store is kept for the lease");
        drop(lease);
    }
}

/// One rule names the default memory — the export `memory`, else the first
/// memory — for views, host calls and links alike.
#[test]
fn the_default_memory_is_the_export_memory_else_the_first() {
    let rt = runtime();
    let two = rt
        .compile(br#"(module (memory (export "a") 1) (memory (export "memory") 2) (memory (export "b") 3))"#)
        .unwrap();
    let other = rt
        .compile(br#"(module (memory (export "first") 1) (memory (export "second") 2))"#)
        .unwrap();
    let none = rt.compile(b"(module)").unwrap();
    let make = |m| rt.instantiate(m, &Default::default()).unwrap();
    let (two, other, none) = (make(two), make(other), make(none));
    assert_eq!(two.memory_ref(None).unwrap(), two.export_ref("memory"));
    assert_eq!(two.run_sync(|l| Ok(l.memory(None)?.size())).unwrap(), 2);
    assert_eq!(other.memory_ref(None).unwrap(), other.export_ref("first"));
    assert_eq!(other.run_sync(|l| Ok(l.memory(None)?.size())).unwrap(), 1);
    assert_eq!(
        other.memory_ref(Some("second")).unwrap(),
        other.export_ref("second")
    );
    let missing = none.memory_ref(None).unwrap_err();
    assert_eq!(missing.code(), ErrorCode::MemoryError);
    assert!(other.memory_ref(Some("third")).is_err());
}
