//! runtime-wasm's own worker threads: guests never run on the embedder's
//! thread pool. A waiting guest is a parked future that holds no thread; a
//! few workers poll the ones that compute, and more join while all are stuck.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long an idle worker waits for work before it exits.
const IDLE_EXIT: Duration = Duration::from_secs(30);

/// How often the monitor looks for a queue that no worker is taking from.
const STALL: Duration = Duration::from_millis(2);

/// How long a worker that ran out of work looks for more before it
/// sleeps: a guest whose host function answers within this time resumes
/// without two thread wake-ups (tens of microseconds each here). The
/// worker yields while it looks, so runnable threads are not held up.
const SPIN: Duration = Duration::from_micros(100);

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    idle: usize,
    workers: usize,
    /// Idle workers told to wake that have not yet woken: each will take
    /// a queued job, so a job they cover needs no further wake-up.
    waking: usize,
    /// Workers looking for work before they sleep (see [`SPIN`]).
    spinning: usize,
    /// Jobs taken by workers so far: the monitor's sign of progress.
    started: u64,
    monitor: bool,
    /// The monitor sleeps until work is queued with every worker busy.
    monitor_waiting: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// `jobs.len()`, readable without the lock by spinning workers.
    queued: AtomicUsize,
    wake: Condvar,
    /// Wakes the monitor when work is queued with every worker busy.
    stalled: Condvar,
}

/// A thread pool where a job that runs long never makes the others wait:
/// up to one worker per core starts at once, and while queued work sees no
/// worker free up for [`STALL`], another worker joins.
#[derive(Clone, Default)]
pub(crate) struct Executor {
    shared: Arc<Shared>,
}

/// Workers started without waiting for a stall: one per core. Asked once,
/// since the answer reads cgroup files (several system calls).
fn eager() -> usize {
    static EAGER: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *EAGER.get_or_init(|| std::thread::available_parallelism().map_or(2, |n| n.get().max(2)))
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    shared.state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Executor {
    /// Runs `job` on a worker thread.
    pub(crate) fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        let mut state = lock(&self.shared);
        state.jobs.push_back(Box::new(job));
        self.shared
            .queued
            .store(state.jobs.len(), Ordering::Release);
        // Each wake-up is a system call: none for a job that a worker
        // already on its way, or looking for work, will take.
        if state.jobs.len() <= state.waking + state.spinning {
            return;
        }
        if state.idle > state.waking {
            state.waking += 1;
            self.shared.wake.notify_one();
        } else if state.workers < eager() {
            self.start_worker(&mut state);
        } else if !state.monitor {
            state.monitor = true;
            let me = self.clone();
            // Without a monitor the job still runs once a worker frees up.
            if std::thread::Builder::new()
                .name("runtime-wasm-monitor".into())
                .spawn(move || me.monitor())
                .is_err()
            {
                state.monitor = false;
            }
        } else if state.monitor_waiting {
            state.monitor_waiting = false;
            self.shared.stalled.notify_one();
        }
    }

    fn start_worker(&self, state: &mut State) {
        let shared = self.shared.clone();
        // If the OS refuses a thread, the job stays queued and runs as soon
        // as a worker frees up.
        if std::thread::Builder::new()
            .name("runtime-wasm".into())
            .spawn(move || worker(&shared))
            .is_ok()
        {
            state.workers += 1;
        }
    }

    /// Adds a worker whenever queued work saw no job start for [`STALL`].
    fn monitor(&self) {
        let mut state = lock(&self.shared);
        loop {
            if state.jobs.is_empty() {
                state.monitor_waiting = true;
                state = self
                    .shared
                    .stalled
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner());
                state.monitor_waiting = false;
                continue;
            }
            let seen = state.started;
            // A whole period, however often work is queued meanwhile.
            drop(state);
            std::thread::sleep(STALL);
            state = lock(&self.shared);
            if !state.jobs.is_empty() && state.started == seen && state.idle == 0 {
                self.start_worker(&mut state);
            }
        }
    }

    /// Polls `future` on the workers until it completes; while it waits it
    /// holds no thread, and its waker queues the next poll.
    pub(crate) fn spawn_future(&self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            queued: AtomicBool::new(false),
            executor: self.clone(),
        });
        task.wake();
    }
}

thread_local! {
    /// This thread is one of the executor's workers.
    static WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the calling thread is a worker: what blocks here blocks no
/// embedder's thread.
pub(crate) fn on_worker() -> bool {
    WORKER.with(std::cell::Cell::get)
}

fn worker(shared: &Shared) {
    WORKER.with(|w| w.set(true));
    let mut state = lock(shared);
    loop {
        if let Some(job) = state.jobs.pop_front() {
            shared.queued.store(state.jobs.len(), Ordering::Release);
            state.started += 1;
            drop(state);
            // A panicking job must not take the worker (and its queue) down.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            state = lock(shared);
            continue;
        }
        state.spinning += 1;
        drop(state);
        look_for_work(shared);
        state = lock(shared);
        state.spinning -= 1;
        if !state.jobs.is_empty() {
            continue;
        }
        state.idle += 1;
        let (next, timeout) = shared
            .wake
            .wait_timeout(state, IDLE_EXIT)
            .unwrap_or_else(|e| e.into_inner());
        state = next;
        state.idle -= 1;
        // Woken, timed out or spurious: a worker that was told to wake is
        // among the idle ones, so the two counts fall together.
        state.waking = state.waking.saturating_sub(1);
        if timeout.timed_out() && state.jobs.is_empty() {
            state.workers -= 1;
            return;
        }
    }
}

/// Returns once a job is queued or [`SPIN`] has passed.
fn look_for_work(shared: &Shared) {
    let start = Instant::now();
    loop {
        for _ in 0..64 {
            if shared.queued.load(Ordering::Acquire) > 0 {
                return;
            }
            std::hint::spin_loop();
        }
        if start.elapsed() >= SPIN {
            return;
        }
        std::thread::yield_now();
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A future being driven by the executor.
struct Task {
    /// `None` once it completed (or panicked).
    future: Mutex<Option<BoxFuture>>,
    /// A poll is queued and not yet started: wakes until then add nothing.
    queued: AtomicBool,
    executor: Executor,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            let task = self.clone();
            self.executor.spawn(move || task.poll());
        }
    }
}

impl Task {
    fn poll(self: Arc<Self>) {
        self.queued.store(false, Ordering::Release);
        let mut slot = self.future.lock().unwrap_or_else(|e| e.into_inner());
        let Some(future) = slot.as_mut() else {
            return;
        };
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        // WASI's async functions and deadlines need a tokio context.
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| future.as_mut().poll(&mut cx))
        }));
        if !matches!(polled, Ok(Poll::Pending)) {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_blocked_job_never_holds_up_the_next() {
        let exec = Executor::default();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel();
        // More blocked jobs than eager workers: the monitor must add one.
        let mut releases = Vec::new();
        for _ in 0..eager() {
            let (tx, rx) = mpsc::channel::<()>();
            releases.push(tx);
            exec.spawn(move || {
                let _ = rx.recv();
            });
        }
        exec.spawn(move || {
            let _ = release_rx.recv();
        });
        exec.spawn(move || done_tx.send(42).unwrap());
        assert_eq!(done_rx.recv(), Ok(42));
        release_tx.send(()).unwrap();
        releases.into_iter().for_each(|tx| tx.send(()).unwrap());
    }

    /// A future woken from another thread completes without a thread of its
    /// own while it waits.
    #[test]
    fn a_waiting_future_is_polled_again_when_woken() {
        let exec = Executor::default();
        let slot: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
        let (done_tx, done_rx) = mpsc::channel();
        let inner = slot.clone();
        exec.spawn_future(std::future::poll_fn(move |cx| {
            let mut s = inner.lock().unwrap();
            if s.0 {
                done_tx.send(()).unwrap();
                return Poll::Ready(());
            }
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }));
        let waker = loop {
            if let Some(w) = slot.lock().unwrap().1.take() {
                break w;
            }
            std::thread::yield_now();
        };
        slot.lock().unwrap().0 = true;
        waker.wake();
        done_rx.recv().unwrap();
    }
}
