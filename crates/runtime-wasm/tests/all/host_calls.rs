//! The async host-call protocol through the public API, with Rust host
//! functions: settling later from any thread, deadlines, dropped and
//! panicking host functions, which thread runs them, and nested sync calls.
use crate::common::*;
use runtime_wasm::{
    Arg, Error, ErrorCode, HostCall, HostFunc, Import, Imports, Instance, InstanceConfig, Limits,
    ModuleId, Runtime, Value, WasiConfig,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock, Weak};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Only a guard against a hang, never the measure of a test: everything
/// here finishes in well under a second when it works.
const HANG: Duration = Duration::from_secs(30);

/// The guest calls `host.wait(x)` and returns its answer plus the i32 the
/// host left at offset 16 meanwhile; "ping" sits at offset 0.
const WAIT: &[u8] = br#"(module
    (import "host" "wait" (func $wait (param i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "ping")
    (func (export "run") (param i32) (result i32)
        (i32.add (call $wait (local.get 0)) (i32.load (i32.const 16)))))"#;

/// A host function that hands every call, unsettled, to a channel.
struct Forward(mpsc::Sender<HostCall>);

impl HostFunc for Forward {
    fn call(&self, call: HostCall) {
        self.0.send(call).unwrap();
    }
}

/// A host function that drops every call without settling it.
struct DropUnsettled;

impl HostFunc for DropUnsettled {
    fn call(&self, _call: HostCall) {}
}

/// `WAIT` with `func` as `host.wait`, under `limits`.
fn wait_instance(rt: &Runtime, func: Import, limits: Limits) -> Arc<Instance> {
    let mut imports = Imports::default();
    imports.add("host", "wait", func);
    let m = rt.compile(WAIT).unwrap();
    rt.instantiate(
        m,
        &InstanceConfig {
            imports,
            limits,
            ..Default::default()
        },
    )
    .unwrap()
}

/// Starts an async call of `name` (`Instance::spawn`); the receiver gets
/// its result.
fn spawn_call(
    inst: &Arc<Instance>,
    name: &'static str,
    args: Vec<Arg>,
) -> mpsc::Receiver<runtime_wasm::Result<Vec<Value>>> {
    let (tx, rx) = mpsc::channel();
    inst.spawn(
        move |l| Box::pin(async move { l.call_async(name, &args).await }),
        move |r| tx.send(r).unwrap(),
    );
    rx
}

fn finished<T>(rx: &mpsc::Receiver<T>) -> T {
    rx.recv_timeout(HANG).expect("the call finished")
}

/// Runs `f` (a sync call) on a thread of its own, guarding against a hang.
fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    finished(&rx)
}

fn i32_arg(call: &HostCall) -> i32 {
    match call.args() {
        [Value::I32(x)] => *x,
        other => panic!("unexpected arguments {other:?}"),
    }
}

/// Reads "ping" from the waiting guest and leaves 1000 at offset 16.
fn touch_memory(call: &HostCall) {
    let mut mem = call
        .memory(None)
        .expect("memory is reachable while the guest waits");
    assert_eq!(mem.read_string(0, 4).unwrap(), "ping");
    assert_eq!(mem.size(), 1);
    mem.write(16, &1000i32.to_le_bytes()).unwrap();
}

fn assert_stale(call: &HostCall) {
    let err = call
        .memory(None)
        .err()
        .expect("a finished call has no memory");
    assert_eq!(err.code(), ErrorCode::InvalidInstanceHandle, "{err}");
    assert!(err.to_string().contains("finished host call"), "{err}");
}

fn assert_timeout(err: &Error) {
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert_eq!(err.code().number(), 5012);
}

#[test]
fn a_host_call_settled_later_from_another_thread_resumes_the_async_call() {
    let rt = runtime();
    let (calls_tx, calls) = mpsc::channel();
    let inst = wait_instance(
        &rt,
        Import::Func(Arc::new(Forward(calls_tx))),
        Limits::default(),
    );
    let result = spawn_call(&inst, "run", vec![n(3.0)]);

    let call = calls.recv_timeout(HANG).expect("the guest called out");
    assert_eq!(i32_arg(&call), 3);
    assert!(!call.is_settled());
    assert_eq!(call.deadline(), None, "no timeout, no deadline");
    touch_memory(&call);
    // The guest still waits: nothing resumes it but the settle.
    assert!(result.try_recv().is_err());
    call.settle(Ok(n(7.0)));
    call.settle(Ok(n(99.0))); // only the first answer counts
    assert!(call.is_settled());

    // 7 from the reply plus the 1000 written while the guest waited.
    assert_eq!(finished(&result).unwrap(), vec![Value::I32(1007)]);
    assert_stale(&call);
    drop(call); // already settled: dropping changes nothing
    assert_eq!(
        inst.run_sync(|l| l.memory(None)?.read(16, 4)).unwrap(),
        1000i32.to_le_bytes()
    );
}

#[test]
fn a_sync_call_waits_for_a_host_call_settled_on_another_thread() {
    let rt = runtime();
    let (calls_tx, calls) = mpsc::channel::<HostCall>();
    let inst = wait_instance(
        &rt,
        Import::Func(Arc::new(Forward(calls_tx))),
        Limits::default(),
    );
    let (stale_tx, stale) = mpsc::channel();
    std::thread::spawn(move || {
        let call = calls.recv_timeout(HANG).expect("the guest called out");
        touch_memory(&call);
        call.settle(Ok(n(f64::from(i32_arg(&call)) * 2.0)));
        stale_tx.send(call).unwrap();
    });
    let inst2 = inst.clone();
    let got = off_thread(move || inst2.run_sync(|l| l.call("run", &[n(21.0)])));
    assert_eq!(got.unwrap(), vec![Value::I32(1042)]);
    assert_stale(&finished(&stale));
}

/// `host.wait(0)` is never settled (the call is kept in `parked`); any
/// other argument is answered at once with twice its value.
struct ParkZero {
    parked: Mutex<Vec<HostCall>>,
    arrived: Mutex<mpsc::Sender<()>>,
}

impl HostFunc for ParkZero {
    fn call(&self, call: HostCall) {
        let x = i32_arg(&call);
        if x != 0 {
            return call.settle(Ok(n(f64::from(x) * 2.0)));
        }
        self.parked.lock().unwrap().push(call);
        self.arrived.lock().unwrap().send(()).unwrap();
    }
}

#[test]
fn a_never_settled_host_call_times_out_in_both_forms_and_the_instance_stays_usable() {
    let rt = runtime();
    let (arrived_tx, arrived) = mpsc::channel();
    let park = Arc::new(ParkZero {
        parked: Mutex::default(),
        arrived: Mutex::new(arrived_tx),
    });
    let limits = Limits {
        timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let inst = wait_instance(&rt, Import::Func(park.clone()), limits);
    let take = || park.parked.lock().unwrap().pop().expect("a parked call");

    // Async form.
    let result = spawn_call(&inst, "run", vec![n(0.0)]);
    arrived.recv_timeout(HANG).expect("the guest called out");
    assert_timeout(&finished(&result).unwrap_err());
    let abandoned = take();
    assert!(abandoned.deadline().is_some());
    assert_stale(&abandoned);
    // A late answer to an abandoned call goes nowhere and breaks nothing.
    abandoned.settle(Ok(n(1.0)));
    assert_eq!(
        finished(&spawn_call(&inst, "run", vec![n(5.0)])).unwrap(),
        vec![Value::I32(10)]
    );

    // Sync form (the host function runs on the calling thread and returns;
    // the guest then waits until the deadline).
    let inst2 = inst.clone();
    let err = off_thread(move || inst2.run_sync(|l| l.call("run", &[n(0.0)]))).unwrap_err();
    assert_timeout(&err);
    arrived.try_recv().expect("the host function ran");
    let abandoned = take();
    let deadline = abandoned.deadline().expect("a deadline");
    assert!(Instant::now() >= deadline, "the call did not end early");
    assert_stale(&abandoned);
    drop(abandoned);
    assert_eq!(
        inst.run_sync(|l| l.call("run", &[n(6.0)])).unwrap(),
        vec![Value::I32(12)]
    );
    assert_eq!(
        finished(&spawn_call(&inst, "run", vec![n(7.0)])).unwrap(),
        vec![Value::I32(14)]
    );
}

#[test]
fn a_dropped_host_call_fails_the_call_instead_of_hanging() {
    let rt = runtime();
    let inst = wait_instance(
        &rt,
        Import::Func(Arc::new(DropUnsettled)),
        Limits::default(),
    );
    let check = |err: Error| {
        assert_eq!(err.code(), ErrorCode::CallError, "{err}");
        assert!(
            err.to_string().contains("dropped without settling"),
            "{err}"
        );
    };
    check(finished(&spawn_call(&inst, "run", vec![n(1.0)])).unwrap_err());
    let inst2 = inst.clone();
    check(off_thread(move || inst2.run_sync(|l| l.call("run", &[n(1.0)]))).unwrap_err());
    // Each failure was that call's alone.
    check(finished(&spawn_call(&inst, "run", vec![n(1.0)])).unwrap_err());
}

#[test]
fn sync_host_calls_run_on_the_calling_thread_and_async_ones_do_not() {
    let rt = runtime();
    let seen: Arc<Mutex<Vec<ThreadId>>> = Arc::default();
    let sink = seen.clone();
    let inst = wait_instance(
        &rt,
        host(move |_| {
            sink.lock().unwrap().push(std::thread::current().id());
            Ok(n(1.0))
        }),
        Limits::default(),
    );
    let me = std::thread::current().id();
    assert_eq!(
        inst.run_sync(|l| l.call("run", &[n(0.0)])).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(*seen.lock().unwrap(), vec![me]);
    finished(&spawn_call(&inst, "run", vec![n(0.0)])).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_ne!(
        seen[1], me,
        "an async call's host function runs on a worker"
    );
}

#[test]
fn a_wasi_sleep_is_cut_short_by_the_deadline_in_both_forms() {
    let rt = runtime();
    let m = module(&rt, "wasi_sleep.wat");
    let inst = rt
        .instantiate(
            m,
            &InstanceConfig {
                wasi: WasiConfig::default(),
                limits: Limits {
                    timeout: Some(Duration::from_millis(300)),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .unwrap();
    let inst2 = inst.clone();
    assert_timeout(&off_thread(move || inst2.run_sync(|l| l.call("sleep", &[]))).unwrap_err());
    assert_timeout(&finished(&spawn_call(&inst, "sleep", vec![])).unwrap_err());
    let inst2 = inst.clone();
    assert_timeout(&off_thread(move || inst2.run_sync(|l| l.run())).unwrap_err());
    // A short sleep still works, in both forms: poll_oneoff's errno 0.
    assert_eq!(
        inst.run_sync(|l| l.call("nap", &[n(1_000_000.0)])).unwrap(),
        vec![Value::I32(0)]
    );
    assert_eq!(
        finished(&spawn_call(&inst, "nap", vec![n(1_000_000.0)])).unwrap(),
        vec![Value::I32(0)]
    );
}

/// The guest calls `host.down(depth)`, which calls `down(depth + 1)` on a
/// fresh instance synchronously until `limit` (or the stack) runs out.
const DOWN: &[u8] = br#"(module
    (import "host" "down" (func $down (param i32) (result i32)))
    (func (export "down") (param i32) (result i32) (call $down (local.get 0))))"#;

struct Nest {
    rt: Runtime,
    module: ModuleId,
    config: OnceLock<InstanceConfig>,
    /// One instance per depth, made when first needed.
    instances: Mutex<Vec<Arc<Instance>>>,
    limit: AtomicUsize,
    deepest: AtomicUsize,
}

impl Nest {
    fn instance(&self, depth: usize) -> runtime_wasm::Result<Arc<Instance>> {
        let mut list = self.instances.lock().unwrap();
        while list.len() <= depth {
            list.push(
                self.rt
                    .instantiate(self.module, self.config.get().unwrap())?,
            );
        }
        Ok(list[depth].clone())
    }

    /// Calls `down(depth)` on instance `depth`, synchronously.
    fn down(&self, depth: usize) -> runtime_wasm::Result<Vec<Value>> {
        // The lock is released before the call: deeper levels take it too.
        let inst = self.instance(depth)?;
        inst.run_sync(|l| l.call("down", &[n(depth as f64)]))
    }
}

/// `host.down`: holds the nest weakly (the nest's config holds this).
struct Down(Weak<Nest>);

impl HostFunc for Down {
    fn call(&self, call: HostCall) {
        let nest = self.0.upgrade().expect("the test holds the nest");
        let depth = i32_arg(&call) as usize;
        nest.deepest.fetch_max(depth, Ordering::SeqCst);
        if depth >= nest.limit.load(Ordering::SeqCst) {
            return call.settle(Ok(n(depth as f64)));
        }
        let outcome = nest.down(depth + 1).map(|v| match v[..] {
            [Value::I32(x)] => n(f64::from(x)),
            _ => panic!("unexpected result {v:?}"),
        });
        call.settle(outcome);
    }
}

#[test]
fn unbounded_nested_sync_calls_stop_with_a_stack_overflow_trap() {
    let rt = runtime();
    let module = rt.compile(DOWN).unwrap();
    let nest = Arc::new(Nest {
        rt: rt.clone(),
        module,
        config: OnceLock::new(),
        instances: Mutex::default(),
        limit: AtomicUsize::new(usize::MAX),
        deepest: AtomicUsize::new(0),
    });
    let mut imports = Imports::default();
    imports.add(
        "host",
        "down",
        Import::Func(Arc::new(Down(Arc::downgrade(&nest)))),
    );
    let _ = nest.config.set(InstanceConfig {
        imports,
        ..Default::default()
    });
    // A thread with a known stack: the nesting must stop inside it.
    let on_big_stack = |nest: Arc<Nest>| {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || tx.send(nest.down(0)).unwrap())
            .unwrap();
        finished(&rx)
    };

    let err = on_big_stack(nest.clone()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError, "{err}");
    assert_eq!(err.code().number(), 5002);
    assert_eq!(
        err.trap().map(|t| t.kind.as_str()),
        Some("stack overflow"),
        "{err}"
    );
    let deepest = nest.deepest.load(Ordering::SeqCst);
    assert!(deepest >= 10, "the calls really nested (deepest {deepest})");

    // Every level is still usable: a bounded nesting through the same
    // instances answers.
    nest.limit.store(5, Ordering::SeqCst);
    assert_eq!(on_big_stack(nest.clone()).unwrap(), vec![Value::I32(5)]);
    nest.instances.lock().unwrap().clear();
}

/// An instance whose `run(x)` host function panics for 0 and returns `x` otherwise.
fn panicking_instance(rt: &Runtime) -> Arc<Instance> {
    wait_instance(
        rt,
        host(|call| match i32_arg(call) {
            0 => panic!("a host function panicking on purpose"),
            x => Ok(n(f64::from(x))),
        }),
        Limits::default(),
    )
}

#[test]
fn a_panicking_host_function_fails_its_async_call_and_the_instance_goes_on() {
    let rt = runtime();
    let inst = panicking_instance(&rt);
    let err = finished(&spawn_call(&inst, "run", vec![n(0.0)])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError, "{err}");
    assert!(err.to_string().contains("panicked"), "{err}");
    assert_eq!(
        finished(&spawn_call(&inst, "run", vec![n(4.0)])).unwrap(),
        vec![Value::I32(4)]
    );
    assert_eq!(
        inst.run_sync(|l| l.call("run", &[n(5.0)])).unwrap(),
        vec![Value::I32(5)]
    );
}

#[test]
fn a_panicking_host_function_in_a_sync_call_panics_its_caller_and_the_instance_goes_on() {
    let rt = runtime();
    let inst = panicking_instance(&rt);
    // In a sync call the host function runs on the calling thread, outside
    // any guest: its panic unwinds to the caller of `run_sync`, no hang.
    let inst2 = inst.clone();
    let caught = off_thread(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            inst2.run_sync(|l| l.call("run", &[n(0.0)]))
        }))
        .map_err(|p| p.downcast_ref::<&str>().map(|s| s.to_string()))
    });
    assert_eq!(
        caught.err(),
        Some(Some("a host function panicking on purpose".to_string()))
    );
    // The guest was unwound with the panic: the instance goes on, in both
    // forms, as after a panic in an async call.
    assert_eq!(
        inst.run_sync(|l| l.call("run", &[n(5.0)])).unwrap(),
        vec![Value::I32(5)]
    );
    let (tx, rx) = std::sync::mpsc::channel();
    inst.run_async(|l| l.call("run", &[n(6.0)]), move |r| tx.send(r).unwrap());
    assert_eq!(
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .unwrap()
            .unwrap(),
        vec![Value::I32(6)]
    );
    assert!(!inst.is_dropped());
}

/// Answers later from another thread unless the core refuses an answer
/// still to come (`refuse_deferred`); records what `is_blocking` said.
struct Deferring(Mutex<Vec<bool>>);

impl HostFunc for Deferring {
    fn call(&self, call: HostCall) {
        self.0.lock().unwrap().push(call.is_blocking());
        if call.refuse_deferred() {
            return;
        }
        std::thread::spawn(move || call.settle(Ok(Arg::Number(5.0))));
    }
}

/// The core decides what an answer still to come (a JS Promise) means: a
/// sync form blocks the embedder's thread, so it is refused there (5007);
/// an async call waits for it, holding no thread.
#[test]
fn an_answer_still_to_come_is_refused_only_where_the_caller_blocks() {
    let rt = runtime();
    let deferring = Arc::new(Deferring(Mutex::default()));
    let inst = wait_instance(&rt, Import::Func(deferring.clone()), Limits::default());
    let err = inst.run_sync(|l| l.call("run", &[n(1.0)])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError);
    assert!(
        err.to_string()
            .contains("a host function returned a Promise during a synchronous call"),
        "{err}"
    );
    let r = finished(&spawn_call(&inst, "run", vec![n(1.0)]));
    assert_eq!(r.unwrap(), vec![Value::I32(5)]);
    assert_eq!(*deferring.0.lock().unwrap(), [true, false]);
}
