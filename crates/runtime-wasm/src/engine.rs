//! Engine configuration: one engine per combination of metering features,
//! so an instance pays for fuel or deadlines only when it uses them, of
//! allocation (a pool of ready slots, or mapped on demand) and of compiler
//! (Cranelift's optimized code, or Winch's baseline code, compiled fast);
//! what fits a pool slot, and the fallback from the pool to on demand.

use crate::deadline::Ticker;
use crate::error::{describe, Error, Result};
use crate::limits::Limits;
use crate::store::StoreData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wasmparser::Payload;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, Linker, PoolingAllocationConfig};

/// Which metering an engine compiles into guest code, whether its
/// instances come from the pool, and which compiler makes its code.
/// Baseline engines are never pooled: their code serves a module until its
/// optimized build is ready, and a pool reserves address space per engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Flavor {
    pub(crate) fuel: bool,
    pub(crate) epochs: bool,
    pub(crate) pooled: bool,
    pub(crate) baseline: bool,
}

impl Flavor {
    /// No metering, pooled, optimized: what modules are compiled for first.
    pub(crate) const PLAIN: Flavor = Flavor {
        fuel: false,
        epochs: false,
        pooled: true,
        baseline: false,
    };
    pub(crate) const COUNT: usize = 16;

    /// The optimized flavor with `limits`' metering.
    pub(crate) fn of(limits: &Limits, pooled: bool) -> Flavor {
        Flavor {
            fuel: limits.fuel.is_some(),
            epochs: limits.timeout.is_some(),
            pooled,
            baseline: false,
        }
    }

    /// The same metering compiled by Winch (never pooled).
    pub(crate) fn baseline(self) -> Flavor {
        Flavor {
            pooled: false,
            baseline: true,
            ..self
        }
    }

    /// The same metering, optimized and pooled when `pooled`.
    pub(crate) fn optimized(self, pooled: bool) -> Flavor {
        Flavor {
            pooled,
            baseline: false,
            ..self
        }
    }

    /// The same metering, allocated on demand.
    pub(crate) fn unpooled(self) -> Flavor {
        Flavor {
            pooled: false,
            ..self
        }
    }

    pub(crate) fn index(self) -> usize {
        usize::from(self.fuel)
            | usize::from(self.epochs) << 1
            | usize::from(self.pooled) << 2
            | usize::from(self.baseline) << 3
    }
}

/// Elements a pooled table may hold, at its start and as it grows.
pub(crate) const POOL_TABLE_ELEMENTS: u64 = 100_000;
/// Bytes a pooled memory may hold, at its start and as it grows.
pub(crate) const POOL_MEMORY_BYTES: u64 = 4 << 30;

/// Whether the module's own memories and tables fit a pool slot, judged
/// from their sections so that most modules that do not are never compiled
/// for the pool (the engine has the last word).
pub(crate) fn fits_pool(binary: &[u8]) -> bool {
    let (mut memories, mut tables) = (0, 0);
    for payload in wasmparser::Parser::new(0).parse_all(binary) {
        match payload {
            Ok(Payload::MemorySection(section)) => {
                for memory in section {
                    let Ok(memory) = memory else { return false };
                    let page = 1u64 << memory.page_size_log2.unwrap_or(16);
                    if memory.initial.saturating_mul(page) > POOL_MEMORY_BYTES {
                        return false;
                    }
                    memories += 1;
                }
            }
            Ok(Payload::TableSection(section)) => {
                for table in section {
                    let Ok(table) = table else { return false };
                    if table.ty.initial > POOL_TABLE_ELEMENTS {
                        return false;
                    }
                    tables += 1;
                }
            }
            // Memories and tables come before the code.
            Ok(Payload::CodeSectionStart { .. }) | Err(_) => break,
            _ => {}
        }
    }
    memories <= 1 && tables <= 1
}

/// An engine and the linker (WASI preview1, async: a guest blocked in
/// WASI is a suspended future) built for it.
pub(crate) struct Variant {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<StoreData>,
}

/// Engines built on first use, and the ticker that drives deadlines on the
/// ones with epochs.
pub(crate) struct Engines {
    variants: Mutex<[Option<Arc<Variant>>; Flavor::COUNT]>,
    pub(crate) ticker: Ticker,
    /// Slots in each pooled engine's pool; 0 turns pooling off.
    pool: u32,
    /// Set when a pooled engine could not be built (its address space
    /// reservation refused, say): instances are then allocated on demand.
    pool_failed: AtomicBool,
}

impl Engines {
    /// The engines for `pool`, shared by every runtime of the process that
    /// asks for the same pool size, so each pool and ticker exists once.
    pub(crate) fn shared(pool: u32) -> Arc<Engines> {
        static ALL: Mutex<Vec<Arc<Engines>>> = Mutex::new(Vec::new());
        let mut all = ALL.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(engines) = all.iter().find(|e| e.pool == pool) {
            return engines.clone();
        }
        let engines = Arc::new(Engines {
            variants: Mutex::default(),
            ticker: Ticker::default(),
            pool,
            pool_failed: AtomicBool::new(false),
        });
        all.push(engines.clone());
        engines
    }

    /// Whether instances come from a pool first.
    pub(crate) fn pooling(&self) -> bool {
        self.pool > 0 && !self.pool_failed.load(Ordering::Relaxed)
    }

    /// The engine for `flavor`, built on first use; `None` when `flavor` is
    /// pooled and there is no pool (pooling is off, or its address space
    /// reservation was refused), so the caller goes on demand.
    pub(crate) fn get(&self, flavor: Flavor) -> Result<Option<Arc<Variant>>> {
        let mut variants = self.variants.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = &variants[flavor.index()] {
            return Ok(Some(v.clone()));
        }
        if flavor.pooled && !self.pooling() {
            return Ok(None);
        }
        let v = match build(flavor, self.pool) {
            Ok(v) => Arc::new(v),
            Err(_) if flavor.pooled => {
                self.pool_failed.store(true, Ordering::Relaxed);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if flavor.epochs {
            self.ticker.watch(&v.engine);
        }
        variants[flavor.index()] = Some(v.clone());
        Ok(Some(v))
    }

    /// `flavor`'s engine as far as there is a pool: the pooled one when
    /// `flavor` is pooled and there is a pool, else the on-demand one; with
    /// the flavor it is.
    pub(crate) fn pooled_or_on_demand(&self, flavor: Flavor) -> Result<(Flavor, Arc<Variant>)> {
        if flavor.pooled {
            if let Some(v) = self.get(flavor)? {
                return Ok((flavor, v));
            }
        }
        let flavor = flavor.unpooled();
        Ok((flavor, self.on_demand(flavor)?))
    }

    /// The pooled -> on-demand fallback, for compiling and instantiating
    /// alike: `attempt` on `flavor`'s pooled engine (when `flavor` is pooled
    /// and there is a pool), and where there is none or the pool refused
    /// (`attempt` gave `None`: the module does not fit a slot, or no slot is
    /// free), again on the on-demand engine of the same metering.
    pub(crate) fn with_fallback<T>(
        &self,
        flavor: Flavor,
        mut attempt: impl FnMut(Flavor, &Arc<Variant>) -> Result<Option<T>>,
    ) -> Result<Option<(Flavor, T)>> {
        let (first, variant) = self.pooled_or_on_demand(flavor)?;
        if let Some(made) = attempt(first, &variant)? {
            return Ok(Some((first, made)));
        }
        if !first.pooled {
            return Ok(None);
        }
        let flavor = flavor.unpooled();
        Ok(attempt(flavor, &self.on_demand(flavor)?)?.map(|made| (flavor, made)))
    }

    /// The on-demand engine with `flavor`'s metering.
    pub(crate) fn on_demand(&self, flavor: Flavor) -> Result<Arc<Variant>> {
        self.get(flavor.unpooled())?
            .ok_or_else(|| Error::Engine("an on-demand engine is always available".into()))
    }
}

fn build(flavor: Flavor, pool: u32) -> Result<Variant> {
    let invalid =
        |e: wasmtime::Error| Error::Engine(format!("cannot set up the engine: {}", describe(&e)));
    let mut config = Config::new();
    // Wasm backtraces are on by default: frames in trap errors are part of
    // the public error shape.
    config.consume_fuel(flavor.fuel);
    config.epoch_interruption(flavor.epochs);
    // A memory grows in place, inside its reservation, so the embedder's
    // views of it (`memory.buffer`) never point at unmapped bytes; growth
    // beyond the reservation (4 GiB) is refused instead.
    config.memory_may_move(false);
    if flavor.baseline {
        config.strategy(wasmtime::Strategy::Winch);
    }
    if flavor.pooled {
        // Ready slots: instantiating takes one instead of mapping memory,
        // and dropping resets it instead of unmapping. Modules that do not
        // fit a slot, and instances beyond the pool, go to the on-demand
        // engine of the same flavor.
        let mut pooling = PoolingAllocationConfig::new();
        pooling
            .total_core_instances(pool)
            .total_memories(pool)
            .total_tables(pool)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .table_elements(POOL_TABLE_ELEMENTS as usize)
            // Only a check, nothing is reserved: modules with very many
            // functions or globals still fit.
            .max_core_instance_size(1 << 28)
            .max_memory_size(POOL_MEMORY_BYTES as usize)
            // One fiber stack per slot: an instance runs one call at a time.
            .total_stacks(pool);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    } else {
        // A fiber stack per waiting guest: from shared mappings, reused.
        #[cfg(target_os = "linux")]
        config.with_host_stack(crate::fiber_stacks::shared());
    }
    let engine = Engine::new(&config).map_err(invalid)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, wasi_ctx).map_err(invalid)?;
    crate::wasi::cap_path_open(&mut linker, wasi_ctx).map_err(invalid)?;
    Ok(Variant { engine, linker })
}

fn wasi_ctx(d: &mut StoreData) -> &mut wasmtime_wasi::p1::WasiP1Ctx {
    d.wasi
        .as_mut()
        .expect("a module importing WASI always gets a WASI context")
}
