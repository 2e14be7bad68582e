//! Deadlines (`timeoutMs`): the epoch ticker that stops guest code, arming
//! a call (the store's epoch deadline and its wall-clock end), and bounding
//! a wait (a host reply, blocking WASI, instantiation) by the same end.

use crate::error::{Error, Result};
use crate::store::StoreData;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use wasmtime::{AsContextMut, Engine};

/// How often the ticker advances engine epochs while a deadline is armed.
const TICK: Duration = Duration::from_millis(2);

/// Epoch ticks that cover `timeout`, plus one for the tick in progress.
fn ticks(timeout: Duration) -> u64 {
    (timeout.as_nanos() / TICK.as_nanos()) as u64 + 2
}

#[derive(Default)]
struct TickerState {
    engines: Vec<Engine>,
    /// Calls currently running under a deadline.
    armed: usize,
    thread: bool,
}

/// Advances the epoch of deadline-enabled engines every `TICK`, only while
/// some call runs under a deadline.
#[derive(Clone, Default)]
pub(crate) struct Ticker {
    shared: Arc<(Mutex<TickerState>, Condvar)>,
}

/// Keeps the ticker running for as long as it lives.
pub(crate) struct Armed(Ticker);

impl Drop for Armed {
    fn drop(&mut self) {
        self.0.lock().armed -= 1;
    }
}

impl Ticker {
    fn lock(&self) -> std::sync::MutexGuard<'_, TickerState> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn watch(&self, engine: &Engine) {
        self.lock().engines.push(engine.clone());
    }

    /// Marks a deadline-bearing call as running until the guard drops.
    pub(crate) fn arm(&self) -> Result<Armed> {
        let mut state = self.lock();
        state.armed += 1;
        if !state.thread {
            let me = self.clone();
            std::thread::Builder::new()
                .name("runtime-wasm-ticker".into())
                .spawn(move || me.run())
                .map_err(|e| {
                    state.armed -= 1;
                    Error::LimitExceeded(format!("cannot start the deadline ticker: {e}"))
                })?;
            state.thread = true;
        }
        self.shared.1.notify_all();
        Ok(Armed(self.clone()))
    }

    fn run(&self) {
        loop {
            let mut state = self.lock();
            while state.armed == 0 {
                state = self.shared.1.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            let engines = state.engines.clone();
            drop(state);
            std::thread::sleep(TICK);
            for engine in &engines {
                engine.increment_epoch();
            }
        }
    }
}

/// Runs `future` until `deadline`, if there is one; past it the future is
/// dropped (a waiting guest is unwound) and the call fails with 5012.
pub(crate) async fn within<F: std::future::Future>(
    deadline: Option<std::time::Instant>,
    future: F,
) -> Result<F::Output> {
    match deadline {
        None => Ok(future.await),
        Some(at) => tokio::time::timeout_at(at.into(), future)
            .await
            .map_err(|_| Error::Timeout { trap: None }),
    }
}

/// The deadline every call of one store runs under: its budget and the
/// ticker of its engines.
#[derive(Clone)]
pub(crate) struct Deadline {
    /// How long each call may run; `None` for no deadline.
    pub(crate) timeout: Option<Duration>,
    ticker: Ticker,
}

impl Deadline {
    pub(crate) fn new(timeout: Option<Duration>, ticker: &Ticker) -> Deadline {
        Deadline {
            timeout,
            ticker: ticker.clone(),
        }
    }

    /// Starts a call's clock: sets the store's epoch deadline and its
    /// wall-clock end (`StoreData::deadline`), and keeps the ticker running
    /// until the guard drops.
    pub(crate) fn arm(
        &self,
        mut store: impl AsContextMut<Data = StoreData>,
    ) -> Result<Option<Armed>> {
        let mut store = store.as_context_mut();
        match self.timeout {
            Some(t) => {
                store.set_epoch_deadline(ticks(t));
                store.data_mut().deadline = Some(Instant::now() + t);
                self.ticker.arm().map(Some)
            }
            None => Ok(None),
        }
    }
}
