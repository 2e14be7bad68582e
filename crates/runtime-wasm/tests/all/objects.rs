//! Globals and tables of an instance: typed reads, checked writes, table
//! growth and functions taken out of a table.
use crate::common::*;
use runtime_wasm::{ErrorCode, GlobalValue, Value};

#[test]
fn globals_read_with_their_type_and_write_when_mutable() {
    let rt = runtime();
    let inst = instance(&rt, "objects.wat");
    inst.run_sync(|l| {
        assert_eq!(
            l.global("counter")?,
            GlobalValue {
                ty: "i32".into(),
                mutable: true,
                value: Value::I32(1)
            }
        );
        assert_eq!(
            l.global("version")?,
            GlobalValue {
                ty: "i32".into(),
                mutable: false,
                value: Value::I32(3)
            }
        );
        l.set_global("counter", &n(41.0))?;
        l.set_global("big", &big(i64::MIN))?;
        l.set_global("ratio", &n(2.0))?;
        assert_eq!(l.call("counter_value", &[])?, vec![Value::I32(41)]);
        assert_eq!(l.global("big")?.value, Value::I64(i64::MIN));
        assert_eq!(l.global("ratio")?.value, Value::F64(2.0));
        assert_eq!(
            l.set_global("version", &n(1.0)).unwrap_err().code(),
            ErrorCode::TypeError
        );
        assert_eq!(
            l.set_global("counter", &n(1.5)).unwrap_err().code(),
            ErrorCode::TypeError
        );
        assert_eq!(
            l.global("nope").unwrap_err().code(),
            ErrorCode::ExportNotFound
        );
        assert_eq!(
            l.global("table").unwrap_err().code(),
            ErrorCode::ExportNotFound
        );
        Ok(())
    })
    .unwrap();
}

#[test]
fn tables_grow_and_hand_out_callable_functions() {
    let rt = runtime();
    let inst = instance(&rt, "objects.wat");
    inst.run_sync(|l| {
        assert_eq!(l.table_size("table")?, 3);
        let add = l.table_get("table", 0)?.expect("an entry");
        assert_eq!(
            (add.params.clone(), add.results.clone()),
            (
                vec!["i32".to_string(), "i32".into()],
                vec!["i32".to_string()]
            )
        );
        assert_eq!(l.call_ref(add.id, &[n(2.0), n(3.0)])?, vec![Value::I32(5)]);
        for _ in 0..1000 {
            let again = l.table_get("table", 0)?.unwrap();
            assert_eq!(again.id, add.id, "one handle per function, not per lookup");
        }
        let inc = l.table_get("table", 1)?.unwrap();
        assert_ne!(inc.id, add.id);
        assert_eq!(
            l.call_ref(inc.id, &[])?,
            vec![Value::I32(2)],
            "shares the instance's state"
        );
        assert_eq!(l.table_get("table", 2)?, None);
        assert_eq!(
            l.table_get("table", 3).unwrap_err().code(),
            ErrorCode::MemoryError
        );
        assert_eq!(
            l.call_ref(add.id, &[n(1.0)]).unwrap_err().code(),
            ErrorCode::TypeError
        );
        assert_eq!(
            l.call_ref(99, &[]).unwrap_err().code(),
            ErrorCode::ExportNotFound
        );
        assert_eq!(l.table_grow("table", 5)?, 3);
        assert_eq!(l.table_size("table")?, 8);
        assert_eq!(
            l.table_grow("table", 1).unwrap_err().code(),
            ErrorCode::MemoryError
        );
        assert_eq!(
            l.table_size("counter").unwrap_err().code(),
            ErrorCode::ExportNotFound
        );
        Ok(())
    })
    .unwrap();
}
