//! Many guests waiting on host calls at once hold no thread each. The count
//! is taken in a process of its own (this binary run again for the one
//! test), so no other test's threads are counted.
use crate::common::*;
use runtime_wasm::{Arg, HostCall, HostFunc, Import, Imports, InstanceConfig, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

const GUESTS: usize = 2000;

/// Only a guard against a hang, never the measure of the test.
const HANG: Duration = Duration::from_secs(60);

/// The guest returns what `host.wait(i)` answers.
const WAIT: &[u8] = br#"(module
    (import "host" "wait" (func $wait (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "run") (param i32) (result i32) (call $wait (local.get 0))))"#;

/// Keeps every call unsettled (but answers the warm-up call, argument -1,
/// at once); signals once all guests have called out.
struct Park {
    parked: Mutex<Vec<HostCall>>,
    arrived: AtomicUsize,
    all_here: Mutex<mpsc::Sender<()>>,
}

impl HostFunc for Park {
    fn call(&self, call: HostCall) {
        if call.args() == [Value::I32(-1)] {
            return call.settle(Ok(Arg::Number(-1.0)));
        }
        self.parked.lock().unwrap().push(call);
        if self.arrived.fetch_add(1, Ordering::SeqCst) + 1 == GUESTS {
            self.all_here.lock().unwrap().send(()).unwrap();
        }
    }
}

/// This process's thread count, from /proc/self/status.
fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .expect("a Threads: line")
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn two_thousand_guests_wait_on_host_calls_without_a_thread_each() {
    // `alone`'s name in the harness: its module path less the crate.
    let name = format!("{}::alone", module_path!().split_once("::").unwrap().1);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--ignored", "--test-threads=1"])
        .output()
        .expect("the test binary runs again");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "the test ran: {text}");
}

/// The test itself, run alone in its own process by the one above.
#[test]
#[ignore = "run in a process of its own by two_thousand_guests_wait_on_host_calls_without_a_thread_each"]
fn alone() {
    let rt = runtime();
    let (all_tx, all_here) = mpsc::channel();
    let park = Arc::new(Park {
        parked: Mutex::default(),
        arrived: AtomicUsize::new(0),
        all_here: Mutex::new(all_tx),
    });
    let mut imports = Imports::default();
    imports.add("host", "wait", Import::Func(park.clone()));
    let config = InstanceConfig {
        imports,
        ..Default::default()
    };
    let m = rt.compile(WAIT).unwrap();
    let instances: Vec<_> = (0..GUESTS)
        .map(|_| rt.instantiate(m, &config).unwrap())
        .collect();

    let (done_tx, done) = mpsc::channel();
    // One async call answered at once, so whatever that path starts lazily
    // (compile threads, wasmtime-wasi's ambient tokio runtime, a first
    // worker) is part of the baseline: what is bounded is what waiting adds.
    let tx = done_tx.clone();
    instances[0].spawn(
        |l| Box::pin(async move { l.call_async("run", &[n(-1.0)]).await }),
        move |r| tx.send((0, r)).unwrap(),
    );
    let (_, warm_up) = done.recv_timeout(HANG).expect("the warm-up call finished");
    assert_eq!(warm_up.unwrap(), vec![Value::I32(-1)]);
    let baseline = threads();

    for (i, inst) in instances.iter().enumerate() {
        let tx = done_tx.clone();
        inst.spawn(
            move |l| Box::pin(async move { l.call_async("run", &[n(i as f64)]).await }),
            move |r| tx.send((i, r)).unwrap(),
        );
    }
    all_here
        .recv_timeout(HANG)
        .expect("every guest reached its host function");
    assert!(done.try_recv().is_err(), "no call finished unsettled");

    // What waiting may add: the executor's eager workers (one per core)
    // and its monitor, plus one worker for every 2 ms in which queued polls
    // saw no job start. The latter happens when the OS preempts the workers
    // during the spawn burst, not because guests wait: on an idle 2-core
    // machine none were added, and with three busy loops beside it up to 8.
    // Hence the generous slack; a thread per waiting guest would be +2,000.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let now = threads();
    let bound = baseline + cores + 64;
    assert!(
        now <= bound,
        "{now} threads with {GUESTS} guests waiting (baseline {baseline}, bound {bound})"
    );

    let parked = std::mem::take(&mut *park.parked.lock().unwrap());
    assert_eq!(parked.len(), GUESTS);
    for call in parked {
        let [Value::I32(i)] = call.args() else {
            panic!("{:?}", call.args())
        };
        call.settle(Ok(Arg::Number(f64::from(*i) * 3.0)));
    }
    let mut seen = vec![false; GUESTS];
    for _ in 0..GUESTS {
        let (i, result) = done.recv_timeout(HANG).expect("every call finished");
        assert_eq!(result.unwrap(), vec![Value::I32(i as i32 * 3)], "guest {i}");
        assert!(!std::mem::replace(&mut seen[i], true), "guest {i} twice");
    }
}
