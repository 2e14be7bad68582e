//! Tiered compilation: which compiler makes a module's code, which code a
//! new instance gets, and the one background thread that builds optimized
//! code while baseline code runs.

use super::compiled::{build_for, Compiled};
use crate::engine::{Engines, Flavor};
use crate::error::Result;
use crate::limits::Limits;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

/// Under `Compiler::Tiered`, a module with at most this many bytes of code
/// is compiled optimized at once. Measured on 2 cores, Cranelift takes 0.7
/// to 1.2 ms per KiB of code (the C kernels' 27 KiB: 29 ms; graphviz's 774
/// KiB: 538 ms), so up to here its build costs about what a process start
/// does, while baseline code would slow the instance for its whole life.
pub const OPTIMIZED_AT_ONCE: u64 = 64 << 10;

/// How a runtime compiles modules (`RuntimeOptions::compiler`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compiler {
    /// Winch's baseline code first, compiled several times faster, so the
    /// first call comes early; Cranelift's optimized code is built in the
    /// background and serves instances made once it is ready. A small
    /// module (`OPTIMIZED_AT_ONCE`), and one Winch cannot compile
    /// (exceptions, GC, tail calls, typed function references), is compiled
    /// optimized at once.
    #[default]
    Tiered,
    /// Cranelift's optimized code only: the slowest compile, the fastest code.
    Optimized,
    /// Winch's code only (Cranelift where Winch cannot compile the module).
    Baseline,
}

impl Compiler {
    /// The compiler a module with `code` bytes of code gets under this one:
    /// optimized at once without code (nothing to tier) and, tiered, with
    /// little (`OPTIMIZED_AT_ONCE`).
    pub(crate) fn for_code(self, code: u64) -> Compiler {
        match code {
            0 => Compiler::Optimized,
            n if self == Compiler::Tiered && n <= OPTIMIZED_AT_ONCE => Compiler::Optimized,
            _ => self,
        }
    }

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

/// Clears a pending build's bit and wakes its waiters when dropped.
struct Done<'a>(&'a Compiled, u8);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        *self.0.pending() &= !self.1;
        self.0.built.notify_all();
    }
}

/// The bit of `Compiled::pending` for `flavor`'s metering.
pub(super) fn metering(flavor: Flavor) -> u8 {
    1 << (usize::from(flavor.fuel) | usize::from(flavor.epochs) << 1)
}

impl Compiled {
    /// The flavor a new instance with `limits` gets: optimized code where
    /// it is built (or the compiler builds nothing else), else baseline
    /// code, the optimized build of that metering then starting in the
    /// background when the module tiers.
    pub(crate) fn flavor_for(self: &Arc<Self>, engines: &Arc<Engines>, limits: &Limits) -> Flavor {
        let optimized = Flavor::of(limits, self.poolable.load(Ordering::Relaxed));
        let baseline = optimized.baseline();
        let builds = self.builds();
        let ready = |f: Flavor| builds[f.index()].is_some();
        if ready(optimized) || ready(optimized.unpooled()) {
            return optimized;
        }
        if self.compiler == Compiler::Optimized || self.no_baseline {
            return optimized;
        }
        drop(builds);
        if self.compiler == Compiler::Tiered {
            self.tier_up(engines, baseline);
        }
        baseline
    }

    /// Which code new plain instances get now.
    pub(crate) fn tier(&self) -> Tier {
        let builds = self.builds();
        let plain = [Flavor::PLAIN, Flavor::PLAIN.unpooled()];
        match plain.iter().any(|f| builds[f.index()].is_some()) {
            true => Tier::Optimized,
            false => Tier::Baseline,
        }
    }

    /// Blocks until no optimized build of the module is pending.
    pub(crate) fn wait_optimized(&self) {
        self.wait(u8::MAX);
    }

    /// Blocks until none of the builds in `meterings` is pending.
    pub(super) fn wait(&self, meterings: u8) {
        let mut pending = self.pending();
        while *pending & meterings != 0 {
            pending = self.built.wait(pending).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Queues the optimized build of `flavor`'s metering, unless it is
    /// queued already; instances made once it is done use it.
    pub(super) fn tier_up(self: &Arc<Self>, engines: &Arc<Engines>, flavor: Flavor) {
        let bit = metering(flavor);
        {
            let mut pending = self.pending();
            if *pending & bit != 0 {
                return;
            }
            *pending |= bit;
        }
        let (weak, engines) = (Arc::downgrade(self), engines.clone());
        in_background(Box::new(move || {
            // A module dropped meanwhile needs no better code.
            let Some(this) = weak.upgrade() else { return };
            // Whatever happens to the build (a panic included), waiters wake.
            let _done = Done(&this, bit);
            let optimized = flavor.optimized(this.poolable.load(Ordering::Relaxed));
            let built = this.build_optimized(&engines, optimized);
            if let Ok((flavor, module)) = built {
                this.builds()[flavor.index()] = Some(module);
            }
        }));
    }

    /// The optimized build of `flavor` (pooled first when it is), stored
    /// in the disk cache; the flavor it was built for. A pool that refuses
    /// the module is not asked again.
    fn build_optimized(
        &self,
        engines: &Engines,
        flavor: Flavor,
    ) -> Result<(Flavor, wasmtime::Module)> {
        let built = build_for(engines, flavor, &self.binary, self.disk.as_ref())?;
        if !built.0.pooled {
            self.poolable.store(false, Ordering::Relaxed);
        }
        Ok(built)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiered_modules_with_little_code_are_compiled_optimized_at_once() {
        let t = Compiler::Tiered;
        assert_eq!(t.for_code(0), Compiler::Optimized);
        assert_eq!(t.for_code(OPTIMIZED_AT_ONCE), Compiler::Optimized);
        assert_eq!(t.for_code(OPTIMIZED_AT_ONCE + 1), Compiler::Tiered);
        // The other compilers are what they say, but for modules without code.
        assert_eq!(Compiler::Baseline.for_code(10), Compiler::Baseline);
        assert_eq!(Compiler::Baseline.for_code(0), Compiler::Optimized);
        assert_eq!(Compiler::Optimized.for_code(1 << 30), Compiler::Optimized);
    }
}
