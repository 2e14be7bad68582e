//! The execution model: async work on worker threads, serialized per
//! instance in arrival order, parallel across instances, busy sync calls.
use crate::common::*;
use runtime_wasm::{Arg, ErrorCode, HostCall, HostFunc, Import, Imports, InstanceConfig, Value};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const LONG: i64 = 300_000_000;

/// Only a guard against a hang, never the measure of a test.
const HANG: Duration = Duration::from_secs(60);

/// `run` enters the host function `host.gate`, then answers 7.
const GATED: &[u8] = br#"(module
    (import "host" "gate" (func $gate))
    (func (export "run") (result i32) call $gate i32.const 7))"#;

/// Hands each host call it gets to the test, unsettled: its arrival is the
/// event that the guest's call is running.
struct Gate(Mutex<mpsc::Sender<HostCall>>);

impl HostFunc for Gate {
    fn call(&self, call: HostCall) {
        self.0.lock().unwrap().send(call).unwrap();
    }
}

/// An instance of `GATED` and the receiver of its calls into `host.gate`.
fn gated(rt: &runtime_wasm::Runtime) -> (Arc<runtime_wasm::Instance>, mpsc::Receiver<HostCall>) {
    let (tx, entered) = mpsc::channel();
    let mut imports = Imports::default();
    imports.add("host", "gate", Import::Func(Arc::new(Gate(Mutex::new(tx)))));
    let config = InstanceConfig {
        imports,
        ..Default::default()
    };
    let m = rt.compile(GATED).unwrap();
    (rt.instantiate(m, &config).unwrap(), entered)
}

#[test]
fn async_calls_into_one_instance_run_in_arrival_order() {
    let rt = runtime();
    let inst = instance(&rt, "counter.wat");
    let (tx, rx) = mpsc::channel();
    for i in 0..50 {
        let tx = tx.clone();
        inst.run_async(
            move |l| l.call("inc", &[]),
            move |r| tx.send((i, r.unwrap())).unwrap(),
        );
    }
    for expected in 0..50 {
        let (i, r) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(i, expected);
        assert_eq!(r, vec![Value::I32(expected + 1)]);
    }
}

/// Refused while an async call runs (it waits in its host function, so a
/// sync call that queued behind it would never return: answering is proof
/// it did not wait).
#[test]
fn a_sync_call_on_a_busy_instance_fails_at_once() {
    let rt = runtime();
    let (inst, entered) = gated(&rt);
    let (tx, rx) = mpsc::channel();
    inst.run_async(|l| l.call("run", &[]), move |r| tx.send(r).unwrap());
    let gate = entered.recv_timeout(HANG).expect("the async call started");
    let err = inst.run_sync(|l| l.call("run", &[])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError);
    assert!(err.to_string().contains("busy"), "{err}");
    gate.settle(Ok(Arg::List(vec![])));
    assert_eq!(rx.recv_timeout(HANG).unwrap().unwrap(), vec![Value::I32(7)]);
    // Idle again once the async call has settled: this call enters the
    // host function on this thread, answered from another.
    let answer = std::thread::spawn(move || {
        let gate = entered.recv_timeout(HANG).expect("the sync call started");
        gate.settle(Ok(Arg::List(vec![])));
    });
    assert_eq!(
        inst.run_sync(|l| l.call("run", &[])).unwrap(),
        vec![Value::I32(7)]
    );
    answer.join().unwrap();
}

#[test]
fn calls_into_two_instances_overlap() {
    let rt = runtime();
    let m = module(&rt, "traps.wat");
    let a = rt.instantiate(m, &Default::default()).unwrap();
    let b = rt.instantiate(m, &Default::default()).unwrap();
    let (tx, rx) = mpsc::channel();
    for inst in [&a, &b] {
        let tx = tx.clone();
        inst.run_async(
            |l| {
                let start = Instant::now();
                l.call("spin", &[big(LONG)])?;
                Ok((start, Instant::now()))
            },
            move |r| tx.send(r.unwrap()).unwrap(),
        );
    }
    let (s1, e1) = rx.recv().unwrap();
    let (s2, e2) = rx.recv().unwrap();
    assert!(s1 < e2 && s2 < e1, "the two calls ran at the same time");
}

#[test]
fn dropping_during_a_call_lets_it_finish_and_fails_queued_work() {
    let rt = runtime();
    let (inst, entered) = gated(&rt);
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let tx = tx.clone();
        inst.run_async(|l| l.call("run", &[]), move |r| tx.send(r).unwrap());
    }
    let gate = entered.recv_timeout(HANG).expect("the first call started");
    rt.drop_instance(&inst).unwrap();
    gate.settle(Ok(Arg::List(vec![])));
    assert_eq!(rx.recv_timeout(HANG).unwrap().unwrap(), vec![Value::I32(7)]);
    assert_eq!(
        rx.recv_timeout(HANG).unwrap().unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
    assert!(entered.try_recv().is_err(), "the queued call never ran");
    assert!(!inst.is_live());
}

#[test]
fn an_async_drop_runs_after_the_work_queued_before_it() {
    let rt = runtime();
    let inst = instance(&rt, "counter.wat");
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    inst.run_async(
        |l| l.call("inc", &[]),
        move |r| tx.send(r.map(|_| "call")).unwrap(),
    );
    rt.drop_instance_async(&inst, move |r| tx2.send(r.map(|_| "drop")).unwrap());
    assert_eq!(rx.recv().unwrap().unwrap(), "call");
    assert_eq!(rx.recv().unwrap().unwrap(), "drop");
    let (tx, rx) = mpsc::channel();
    inst.run_async(|l| l.call("inc", &[]), move |r| tx.send(r).unwrap());
    assert_eq!(
        rx.recv().unwrap().unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
}
