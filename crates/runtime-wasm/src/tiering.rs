//! Tiered compilation: which compiler makes a module's code, and the one
//! background thread that builds optimized code while baseline code runs.

use std::sync::mpsc::{channel, Sender};
use std::sync::Mutex;

/// How a runtime compiles modules (`RuntimeOptions::compiler`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compiler {
    /// Winch's baseline code first, compiled several times faster, so the
    /// first call comes early; Cranelift's optimized code is built in the
    /// background and serves instances made once it is ready. A module
    /// Winch cannot compile (exceptions, GC, tail calls, typed function
    /// references) is compiled optimized at once.
    #[default]
    Tiered,
    /// Cranelift's optimized code only: the slowest compile, the fastest code.
    Optimized,
    /// Winch's code only (Cranelift where Winch cannot compile the module).
    Baseline,
}

impl Compiler {
    /// The option's spelling in the API.
    pub fn name(self) -> &'static str {
        match self {
            Compiler::Tiered => "tiered",
            Compiler::Optimized => "optimized",
            Compiler::Baseline => "baseline",
        }
    }

    /// The compiler named `name` (`"tiered"`, `"optimized"`, `"baseline"`).
    pub fn from_name(name: &str) -> Option<Compiler> {
        [Compiler::Tiered, Compiler::Optimized, Compiler::Baseline]
            .into_iter()
            .find(|c| c.name() == name)
    }
}

/// Which code a module's new instances get now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Baseline,
    Optimized,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Baseline => "baseline",
            Tier::Optimized => "optimized",
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs `job` on the process's tier-up thread, after the jobs before it:
/// one optimized build at a time (Cranelift spreads each over the cores),
/// so background work never takes more than the machine once.
pub(crate) fn in_background(job: Job) {
    static QUEUE: Mutex<Option<Sender<Job>>> = Mutex::new(None);
    let mut queue = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    let job = match queue.as_ref() {
        Some(q) => match q.send(job) {
            Ok(()) => return,
            Err(e) => e.0,
        },
        None => job,
    };
    let (send, jobs) = channel::<Job>();
    let spawned = std::thread::Builder::new()
        .name("runtime-wasm-tier-up".into())
        .spawn(move || {
            for job in jobs {
                // A build that panics loses only itself (its waiters are
                // woken by the job's own guard); the thread goes on.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
        });
    match spawned {
        Ok(_) => {
            let _ = send.send(job);
            *queue = Some(send);
        }
        // No thread to be had: the build is made here, as an optimized
        // compile would be.
        Err(_) => {
            drop(queue);
            job()
        }
    }
}
