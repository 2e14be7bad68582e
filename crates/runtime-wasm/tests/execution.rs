//! The execution model: async work on worker threads, serialized per
//! instance in arrival order, parallel across instances, busy sync calls.
mod common;
use common::*;
use runtime_wasm::{ErrorCode, Value};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const LONG: i64 = 300_000_000;

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

#[test]
fn a_sync_call_on_a_busy_instance_fails_at_once() {
    let rt = runtime();
    let inst = instance(&rt, "traps.wat");
    let (tx, rx) = mpsc::channel();
    inst.run_async(
        |l| l.call("spin", &[big(LONG)]),
        move |r| tx.send(r).unwrap(),
    );
    std::thread::sleep(Duration::from_millis(20));
    let started = Instant::now();
    let err = inst.run_sync(|l| l.call("spin", &[big(1)])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError);
    assert!(err.to_string().contains("busy"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1), "did not block");
    assert_eq!(rx.recv().unwrap().unwrap(), vec![Value::I64(LONG)]);
    // Idle again once the async call has settled.
    assert_eq!(
        inst.run_sync(|l| l.call("spin", &[big(1)])).unwrap(),
        vec![Value::I64(1)]
    );
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
    let inst = instance(&rt, "traps.wat");
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let tx = tx.clone();
        inst.run_async(
            |l| l.call("spin", &[big(50_000_000)]),
            move |r| tx.send(r).unwrap(),
        );
    }
    std::thread::sleep(Duration::from_millis(10));
    rt.drop_instance(&inst).unwrap();
    assert_eq!(rx.recv().unwrap().unwrap(), vec![Value::I64(50_000_000)]);
    assert_eq!(
        rx.recv().unwrap().unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
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
