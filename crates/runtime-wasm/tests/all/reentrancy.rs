//! Host functions that call back in: while a guest waits on a host function
//! in a sync call, the host function's calls into the guest's own store are
//! nested in the waiting call (on the store it lends), under its fuel and
//! deadline, as deep as the native stack allows; from a host function of an
//! async call they are refused at once, never deadlocked.
use crate::common::*;
use runtime_wasm::{
    Arg, ErrorCode, HostCall, HostFunc, Import, Imports, Instance, InstanceConfig, Limits, Value,
};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

/// Only a guard against a hang, never the measure of a test.
const HANG: Duration = Duration::from_secs(60);

/// `down(n)` is 100 when `n` is 0, else `host.cb(n)`; `grow` grows the
/// memory from the host and answers `memory.size` afterwards; `spin(n)`
/// counts to `n`, and `spin_from_host` has the host call it for ever.
const GUEST: &[u8] = br#"(module
    (import "host" "cb" (func $cb (param i32) (result i32)))
    (import "host" "grow" (func $grow))
    (import "host" "spin" (func $spin))
    (memory (export "memory") 1)
    (func (export "down") (param i32) (result i32)
        local.get 0 i32.eqz
        if (result i32) i32.const 100 else local.get 0 call $cb end)
    (func (export "grow") (result i32) call $grow memory.size)
    (func (export "spin_from_host") call $spin)
    (func (export "spin") (param i64) (result i64)
        (local i64)
        (loop $l (local.set 1 (i64.add (local.get 1) (i64.const 1)))
            (br_if $l (i64.lt_u (local.get 1) (local.get 0))))
        (local.get 1)))"#;

/// The instance the host functions call back into, set once it is made.
type Me = Arc<OnceLock<Arc<Instance>>>;

/// `cb(n)`: `down(n - 1) + 1`, called back into the guest's own instance.
struct Down(Me);

impl HostFunc for Down {
    fn call(&self, call: HostCall) {
        let [Value::I32(n)] = call.args() else {
            panic!("{:?}", call.args())
        };
        let inst = self.0.get().expect("the instance is made");
        let below = inst.run_sync(|l| l.call("down", &[n_arg(n - 1)]));
        call.settle(below.map(|v| match v[..] {
            [Value::I32(x)] => Arg::Number(f64::from(x + 1)),
            _ => panic!("{v:?}"),
        }));
    }
}

/// `grow()`: the guest's memory grows by a page from the host, and the host
/// sees the grown memory through the call.
struct Grow(Me, mpsc::Sender<u64>);

impl HostFunc for Grow {
    fn call(&self, call: HostCall) {
        let inst = self.0.get().expect("the instance is made");
        let grown = inst.run_sync(|l| l.memory(None)?.grow(1));
        let seen = call.memory(None).map(|mut m| m.size());
        self.1.send(seen.unwrap_or(0)).unwrap();
        call.settle(grown.map(|_| Arg::List(vec![])));
    }
}

/// `spin()`: calls the guest's `spin` with no end in sight.
struct Spin(Me);

impl HostFunc for Spin {
    fn call(&self, call: HostCall) {
        let inst = self.0.get().expect("the instance is made");
        let r = inst.run_sync(|l| l.call("spin", &[big(i64::MAX)]));
        call.settle(r.map(|_| Arg::List(vec![])));
    }
}

fn n_arg(n: i32) -> Arg {
    Arg::Number(f64::from(n))
}

fn guest(limits: Limits) -> (Arc<Instance>, mpsc::Receiver<u64>) {
    let rt = runtime();
    let me: Me = Arc::default();
    let (tx, seen) = mpsc::channel();
    let mut imports = Imports::default();
    imports.add("host", "cb", Import::Func(Arc::new(Down(me.clone()))));
    imports.add("host", "grow", Import::Func(Arc::new(Grow(me.clone(), tx))));
    imports.add("host", "spin", Import::Func(Arc::new(Spin(me.clone()))));
    let m = rt.compile(GUEST).unwrap();
    let config = InstanceConfig {
        imports,
        limits,
        ..Default::default()
    };
    let inst = rt.instantiate(m, &config).unwrap();
    me.set(inst.clone()).unwrap();
    (inst, seen)
}

#[test]
fn a_host_function_calls_its_own_instance_nested_in_a_sync_call() {
    let (inst, _) = guest(Limits::default());
    // host -> down -> host -> down ... five levels deep, and back.
    let r = inst.run_sync(|l| l.call("down", &[n_arg(5)])).unwrap();
    assert_eq!(r, vec![Value::I32(105)]);
    // The instance is idle again, its state intact.
    assert_eq!(
        inst.run_sync(|l| l.call("down", &[n_arg(0)])).unwrap(),
        vec![Value::I32(100)]
    );
}

#[test]
fn a_host_function_grows_the_memory_of_the_guest_waiting_on_it() {
    let (inst, seen) = guest(Limits::default());
    let index = inst.memory_index(None).unwrap();
    let before = inst.memory_extent(index).unwrap();
    let r = inst.run_sync(|l| l.call("grow", &[])).unwrap();
    assert_eq!(r, vec![Value::I32(2)], "the guest sees the grown memory");
    assert_eq!(
        seen.recv_timeout(HANG).unwrap(),
        2,
        "and so does the host call"
    );
    assert_eq!(inst.memory_extent(index).unwrap().len, before.len + 65536);
}

#[test]
fn nesting_ends_in_a_stack_overflow_trap_never_a_crash() {
    let (inst, _) = guest(Limits::default());
    let err = inst
        .run_sync(|l| l.call("down", &[n_arg(1_000_000)]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError, "{err}");
    assert_eq!(
        err.trap().map(|t| t.kind.as_str()),
        Some("stack overflow"),
        "{err}"
    );
    assert_eq!(
        inst.run_sync(|l| l.call("down", &[n_arg(3)])).unwrap(),
        vec![Value::I32(103)],
        "the instance stays usable"
    );
}

#[test]
fn nested_calls_burn_the_outer_calls_fuel_and_share_its_deadline() {
    // Fuel: what the nested spins burn is gone from the store.
    let (inst, _) = guest(Limits {
        fuel: Some(u64::MAX / 2),
        ..Default::default()
    });
    let burned = |inst: &Arc<Instance>, n: i32| {
        let before = inst.run_sync(|l| l.fuel()).unwrap();
        inst.run_sync(|l| l.call("down", &[n_arg(n)])).unwrap();
        before - inst.run_sync(|l| l.fuel()).unwrap()
    };
    let (shallow, deep) = (burned(&inst, 1), burned(&inst, 4));
    assert!(
        deep > shallow,
        "{deep} > {shallow}: nested levels burn fuel too"
    );
    // Running out inside a nested call ends the outer call with 5011.
    let (inst, _) = guest(Limits {
        fuel: Some(1_000_000),
        ..Default::default()
    });
    let err = inst
        .run_sync(|l| l.call("spin_from_host", &[]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FuelExhausted, "{err}");
    // The outer call's deadline stops a nested call: 5012.
    let (inst, _) = guest(Limits {
        timeout: Some(Duration::from_millis(50)),
        ..Default::default()
    });
    let err = inst
        .run_sync(|l| l.call("spin_from_host", &[]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
}

/// `cb(n)` answered from another thread, which calls back in meanwhile, as
/// an embedder whose functions run on a thread of their own (a JS thread).
struct Elsewhere(Me);

impl HostFunc for Elsewhere {
    fn call(&self, call: HostCall) {
        let me = self.0.clone();
        std::thread::spawn(move || {
            let [Value::I32(n)] = call.args() else {
                panic!("{:?}", call.args())
            };
            let n = *n;
            let inst = me.get().expect("the instance is made").clone();
            // Marked as inside the host function, as an embedder marks the
            // thread it runs host functions on.
            let below = call.run_inside(|| inst.run_sync(|l| l.call("down", &[n_arg(n - 1)])));
            call.settle(below.map(|v| match v[..] {
                [Value::I32(x)] => Arg::Number(f64::from(x + 1)),
                _ => panic!("{v:?}"),
            }));
        });
    }
}

/// In an async call the guest waits on a worker; a host function answering
/// from a thread of its own calls back in there, nested: the worker lends
/// the store to that thread and polls nothing until it is given back.
#[test]
fn in_an_async_call_a_host_function_on_another_thread_calls_back_in_nested() {
    let rt = runtime();
    let me: Me = Arc::default();
    let mut imports = Imports::default();
    imports.add("host", "cb", Import::Func(Arc::new(Elsewhere(me.clone()))));
    imports.add("host", "grow", Import::Func(Arc::new(Spin(me.clone()))));
    imports.add("host", "spin", Import::Func(Arc::new(Spin(me.clone()))));
    let m = rt.compile(GUEST).unwrap();
    let config = InstanceConfig {
        imports,
        limits: Limits {
            timeout: Some(Duration::from_secs(60)),
            ..Default::default()
        },
        ..Default::default()
    };
    let inst = rt.instantiate(m, &config).unwrap();
    me.set(inst.clone()).unwrap();
    for depth in [1, 4] {
        let (tx, rx) = mpsc::channel();
        inst.spawn(
            move |l| Box::pin(async move { l.call_async("down", &[n_arg(depth)]).await }),
            move |r| tx.send(r).unwrap(),
        );
        let r = rx.recv_timeout(HANG).expect("not deadlocked").unwrap();
        assert_eq!(r, vec![Value::I32(100 + depth)]);
    }
}

#[test]
fn a_call_back_in_from_a_host_function_of_an_async_call_is_refused_at_once() {
    let (inst, _) = guest(Limits::default());
    let (tx, rx) = mpsc::channel();
    inst.spawn(
        |l| Box::pin(async move { l.call_async("down", &[n_arg(2)]).await }),
        move |r| tx.send(r).unwrap(),
    );
    let err = rx.recv_timeout(HANG).expect("not deadlocked").unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError);
    assert!(
        err.to_string()
            .contains("waiting on one of its host functions"),
        "{err}"
    );
    // A sync closure queued by `run_async` is a sync form on a worker: the
    // worker waits for the host function there, so its calls nest.
    let (tx, rx) = mpsc::channel();
    inst.run_async(
        |l| l.call("down", &[n_arg(2)]),
        move |r| tx.send(r).unwrap(),
    );
    assert_eq!(
        rx.recv_timeout(HANG).unwrap().unwrap(),
        vec![Value::I32(102)]
    );
}

/// `cb(n)`: a nested operation that panics; the host function catches it
/// and fails its call.
struct Panics(Me);

impl HostFunc for Panics {
    fn call(&self, call: HostCall) {
        let inst = self.0.get().expect("the instance is made").clone();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            inst.run_sync(|_| -> runtime_wasm::Result<()> { panic!("inside the loan") })
        }));
        assert!(caught.is_err(), "the panic reached the host function");
        call.settle(Err(runtime_wasm::Error::Call {
            message: "the nested operation panicked".into(),
            trap: None,
        }));
    }
}

/// A panic inside a nested operation still ends the loan: the guest's call
/// goes on (and fails as its host function says), and the instance works.
#[test]
fn a_panic_inside_a_nested_operation_gives_the_store_back() {
    let rt = runtime();
    let me: Me = Arc::default();
    let mut imports = Imports::default();
    imports.add("host", "cb", Import::Func(Arc::new(Panics(me.clone()))));
    imports.add("host", "grow", Import::Func(Arc::new(Spin(me.clone()))));
    imports.add("host", "spin", Import::Func(Arc::new(Spin(me.clone()))));
    let m = rt.compile(GUEST).unwrap();
    let config = InstanceConfig {
        imports,
        ..Default::default()
    };
    let inst = rt.instantiate(m, &config).unwrap();
    me.set(inst.clone()).unwrap();
    // On a thread of its own: a loan never ended would hang this call.
    let (tx, rx) = mpsc::channel();
    let outer = inst.clone();
    std::thread::spawn(move || tx.send(outer.run_sync(|l| l.call("down", &[n_arg(1)]))));
    let err = rx
        .recv_timeout(HANG)
        .expect("the call went on")
        .unwrap_err();
    assert!(
        err.to_string().contains("the nested operation panicked"),
        "{err}"
    );
    assert_eq!(
        inst.run_sync(|l| l.call("down", &[n_arg(0)])).unwrap(),
        vec![Value::I32(100)]
    );
}
