//! runtime-wasm's own worker threads: guests never run on the embedder's
//! thread pool, and the pool grows whenever every worker is busy, so guests
//! blocked on a host never starve the others.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long an idle worker waits for work before it exits.
const IDLE_EXIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    idle: usize,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

/// A thread pool that never makes a job wait for another job to finish.
#[derive(Clone, Default)]
pub(crate) struct Executor {
    shared: Arc<Shared>,
}

impl Executor {
    /// Runs `job` on a worker thread: an idle one if any, else a new one.
    pub(crate) fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        state.jobs.push_back(Box::new(job));
        if state.jobs.len() > state.idle {
            let shared = self.shared.clone();
            // If the OS refuses a thread, the job stays queued and runs as
            // soon as a worker frees up.
            let _ = std::thread::Builder::new()
                .name("runtime-wasm".into())
                .spawn(move || worker(&shared));
        } else {
            self.shared.wake.notify_one();
        }
    }
}

fn worker(shared: &Shared) {
    let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(job) = state.jobs.pop_front() {
            drop(state);
            // A panicking job must not take the worker (and its queue) down.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            continue;
        }
        state.idle += 1;
        let (next, timeout) = shared
            .wake
            .wait_timeout(state, IDLE_EXIT)
            .unwrap_or_else(|e| e.into_inner());
        state = next;
        state.idle -= 1;
        if timeout.timed_out() && state.jobs.is_empty() {
            return;
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
        exec.spawn(move || {
            let _ = release_rx.recv();
        });
        exec.spawn(move || done_tx.send(42).unwrap());
        assert_eq!(done_rx.recv_timeout(Duration::from_secs(10)), Ok(42));
        release_tx.send(()).unwrap();
    }
}
