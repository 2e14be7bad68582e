//! Host functions that call back in: while a guest waits on a host function,
//! the host function's calls into the guest's own store are nested in the
//! waiting call (sync ones on the store it lends, async ones run by the call
//! itself), under its fuel and deadline, as deep as the native stack allows;
//! what cannot be nested is refused at once, never deadlocked.
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

/// An instance of `GUEST` with host functions `cb` and `grow` (made for it:
/// they reach it through `Me`), `spin` calling its `spin`, and `limits`.
fn guest_of(
    cb: impl FnOnce(Me) -> Arc<dyn HostFunc>,
    grow: impl FnOnce(Me) -> Arc<dyn HostFunc>,
    limits: Limits,
) -> Arc<Instance> {
    let rt = runtime();
    let me: Me = Arc::default();
    let mut imports = Imports::default();
    imports.add("host", "cb", Import::Func(cb(me.clone())));
    imports.add("host", "grow", Import::Func(grow(me.clone())));
    imports.add("host", "spin", Import::Func(Arc::new(Spin(me.clone()))));
    let m = rt.compile(GUEST).unwrap();
    let config = InstanceConfig {
        imports,
        limits,
        ..Default::default()
    };
    let inst = rt.instantiate(m, &config).unwrap();
    me.set(inst.clone()).unwrap();
    inst
}

/// `GUEST` calling back in through `cb` (`Down`) and growing its memory
/// through `grow`, which sends what the host call sees.
fn guest(limits: Limits) -> (Arc<Instance>, mpsc::Receiver<u64>) {
    let (tx, seen) = mpsc::channel();
    let inst = guest_of(|me| Arc::new(Down(me)), |me| Arc::new(Grow(me, tx)), limits);
    (inst, seen)
}

/// `GUEST` whose `cb` is `cb` (its `grow` spins, unused).
fn guest_with(cb: impl FnOnce(Me) -> Arc<dyn HostFunc>, limits: Limits) -> Arc<Instance> {
    guest_of(cb, |me| Arc::new(Spin(me)), limits)
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
    let limits = Limits {
        timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let inst = guest_with(|me| Arc::new(Elsewhere(me)), limits);
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
    let inst = guest_with(|me| Arc::new(Panics(me)), Limits::default());
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

/// `cb(n)`: starts the async `down(n - 1)` and answers with its result + 1
/// once it ends (the answer comes from the operation's callback).
struct AsyncDown(Me);

impl HostFunc for AsyncDown {
    fn call(&self, call: HostCall) {
        let [Value::I32(n)] = call.args() else {
            panic!("{:?}", call.args())
        };
        let n = *n;
        let inst = self.0.get().expect("the instance is made");
        inst.spawn(
            move |l| Box::pin(async move { l.call_async("down", &[n_arg(n - 1)]).await }),
            move |below| {
                call.settle(below.map(|v| match v[..] {
                    [Value::I32(x)] => Arg::Number(f64::from(x + 1)),
                    _ => panic!("{v:?}"),
                }))
            },
        );
    }
}

/// An async operation started from a host function runs inside the call
/// that waits on it (queued, it would wait for that call for ever): in an
/// async call and in a sync one.
#[test]
fn an_async_operation_from_a_host_function_runs_inside_its_call() {
    let inst = guest_with(|me| Arc::new(AsyncDown(me)), Limits::default());
    let (tx, rx) = mpsc::channel();
    inst.spawn(
        |l| Box::pin(async move { l.call_async("down", &[n_arg(4)]).await }),
        move |r| tx.send(r).unwrap(),
    );
    let r = rx.recv_timeout(HANG).expect("not deadlocked").unwrap();
    assert_eq!(r, vec![Value::I32(104)]);
    let r = inst.run_sync(|l| l.call("down", &[n_arg(3)])).unwrap();
    assert_eq!(r, vec![Value::I32(103)]);
}

/// `cb(n)`: hands the call to the test, which answers it later from its own
/// thread (not marked as inside the host function).
struct Hold(mpsc::Sender<HostCall>);

impl HostFunc for Hold {
    fn call(&self, call: HostCall) {
        self.0.send(call).unwrap();
    }
}

/// While a guest waits on an async host call, the host function's code off
/// its call's stack (after an `await`, marked by the embedder with
/// `run_inside`) is nested in that call, sync and async; work from anywhere
/// else is not: sync, the store is busy; async, it queues behind the call.
/// Once the call is answered, its code is anyone's.
#[test]
fn while_a_guest_waits_on_a_host_call_its_code_nests_and_other_work_does_not() {
    let (held, calls) = mpsc::channel();
    let inst = guest_with(move |_| Arc::new(Hold(held)), Limits::default());
    let (tx, done) = mpsc::channel();
    let outer = tx.clone();
    inst.spawn(
        |l| Box::pin(async move { l.call_async("down", &[n_arg(1)]).await }),
        move |r| outer.send(("outer", r)).unwrap(),
    );
    let call = calls.recv_timeout(HANG).expect("the guest called cb");
    // Sync, as the host function's code: nested in the waiting call.
    let r = call.run_inside(|| inst.run_sync(|l| l.call("down", &[n_arg(0)])));
    assert_eq!(r.unwrap(), vec![Value::I32(100)]);
    let grown = call.run_inside(|| inst.run_sync(|l| l.memory(None)?.grow(1)));
    assert_eq!(grown.unwrap(), 1);
    assert_eq!(
        call.memory(None).unwrap().size(),
        2,
        "the call sees the growth"
    );
    // Sync, from elsewhere: busy.
    let busy = inst.run_sync(|l| l.call("down", &[n_arg(0)])).unwrap_err();
    assert!(busy.to_string().contains("busy"), "{busy}");
    // Async, as the host function's code: nested, done before the answer.
    let nested = tx.clone();
    call.run_inside(|| {
        inst.spawn(
            |l| Box::pin(async move { l.call_async("down", &[n_arg(0)]).await }),
            move |r| nested.send(("nested", r)).unwrap(),
        )
    });
    let (who, r) = done.recv_timeout(HANG).expect("not deadlocked");
    assert_eq!((who, r.unwrap()), ("nested", vec![Value::I32(100)]));
    // Async, from elsewhere: queued behind the waiting call.
    let queued = tx.clone();
    inst.spawn(
        |l| Box::pin(async move { l.call_async("down", &[n_arg(0)]).await }),
        move |r| queued.send(("queued", r)).unwrap(),
    );
    call.settle(Ok(Arg::Number(7.0)));
    let order: Vec<_> = (0..2)
        .map(|_| done.recv_timeout(HANG).expect("not deadlocked"))
        .map(|(who, r)| (who, r.unwrap()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("outer", vec![Value::I32(7)]),
            ("queued", vec![Value::I32(100)])
        ]
    );
    // Answered: the code of the call is anyone's, and the instance is idle.
    let after = call.run_inside(|| inst.run_sync(|l| l.call("down", &[n_arg(0)])));
    assert_eq!(after.unwrap(), vec![Value::I32(100)]);
}

/// `cb(n)`: starts the async `spin` with no end in sight, and answers with
/// what it ends with, after sending that to the test.
struct AsyncSpin(Me, mpsc::Sender<(&'static str, ErrorCode)>);

impl HostFunc for AsyncSpin {
    fn call(&self, call: HostCall) {
        let inst = self.0.get().expect("the instance is made");
        let tx = self.1.clone();
        inst.spawn(
            |l| Box::pin(async move { l.call_async("spin", &[big(i64::MAX)]).await }),
            move |r| {
                let code = r.as_ref().map_err(|e| e.code()).unwrap_err();
                tx.send(("nested", code)).unwrap();
                call.settle(r.map(|_| Arg::Number(0.0)));
            },
        );
    }
}

/// The outer call's deadline stops an async operation nested in it (5012),
/// then the outer call (a queued one would end after the outer call).
#[test]
fn an_async_operation_nested_in_a_call_runs_under_its_deadline() {
    let (tx, ended) = mpsc::channel();
    let limits = Limits {
        timeout: Some(Duration::from_millis(50)),
        ..Default::default()
    };
    let nested = tx.clone();
    let inst = guest_with(move |me| Arc::new(AsyncSpin(me, nested)), limits);
    inst.spawn(
        |l| Box::pin(async move { l.call_async("down", &[n_arg(1)]).await }),
        move |r| tx.send(("outer", r.unwrap_err().code())).unwrap(),
    );
    let order: Vec<_> = (0..2)
        .map(|_| ended.recv_timeout(HANG).expect("stopped"))
        .collect();
    assert_eq!(
        order,
        vec![
            ("nested", ErrorCode::Timeout),
            ("outer", ErrorCode::Timeout)
        ]
    );
}

/// `cb(2)` starts the async `down(1)`, whose `cb(1)` is handed to the test
/// and never answered; what `down(1)` ends with goes to the test too.
struct Stuck(Me, mpsc::Sender<HostCall>, mpsc::Sender<ErrorCode>);

impl HostFunc for Stuck {
    fn call(&self, call: HostCall) {
        if call.args() == [Value::I32(1)] {
            return self.1.send(call).unwrap();
        }
        let tx = self.2.clone();
        self.0.get().expect("the instance is made").spawn(
            |l| Box::pin(async move { l.call_async("down", &[n_arg(1)]).await }),
            move |r| {
                tx.send(r.as_ref().map_err(|e| e.code()).unwrap_err())
                    .unwrap();
                call.settle(r.map(|_| Arg::Number(0.0)));
            },
        );
    }
}

/// An async operation nested in a call that is abandoned while it waits
/// (the outer deadline passes) still settles: 5012.
#[test]
fn an_async_operation_abandoned_with_its_call_still_settles() {
    let (held, calls) = mpsc::channel();
    let (tx, nested) = mpsc::channel();
    let limits = Limits {
        timeout: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let inst = guest_with(move |me| Arc::new(Stuck(me, held, tx)), limits);
    let (done, outer) = mpsc::channel();
    inst.spawn(
        |l| Box::pin(async move { l.call_async("down", &[n_arg(2)]).await }),
        move |r| done.send(r).unwrap(),
    );
    let _held = calls
        .recv_timeout(HANG)
        .expect("the nested call reached cb(1)");
    let err = outer.recv_timeout(HANG).expect("stopped").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert_eq!(
        nested.recv_timeout(HANG).expect("settled"),
        ErrorCode::Timeout
    );
}
