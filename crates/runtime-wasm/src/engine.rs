//! Engine configuration: one engine per combination of metering features,
//! so an instance pays for fuel or deadlines only when it uses them.

use crate::error::{describe, Error, Result};
use crate::instance::StoreData;
use crate::limits::{Limits, Ticker};
use std::sync::{Arc, Mutex};
use wasmtime::{Config, Engine, Linker};

/// Which metering an engine compiles into guest code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Flavor {
    pub(crate) fuel: bool,
    pub(crate) epochs: bool,
}

impl Flavor {
    pub(crate) const PLAIN: Flavor = Flavor {
        fuel: false,
        epochs: false,
    };
    pub(crate) const COUNT: usize = 4;

    pub(crate) fn of(limits: &Limits) -> Flavor {
        Flavor {
            fuel: limits.fuel.is_some(),
            epochs: limits.timeout.is_some(),
        }
    }

    pub(crate) fn index(self) -> usize {
        usize::from(self.fuel) | usize::from(self.epochs) << 1
    }
}

/// An engine and the linker (WASI preview1) built for it.
pub(crate) struct Variant {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<StoreData>,
}

/// The engines of one runtime, built on first use, and the ticker that
/// drives deadlines on the ones with epochs.
#[derive(Default)]
pub(crate) struct Engines {
    variants: Mutex<[Option<Arc<Variant>>; Flavor::COUNT]>,
    pub(crate) ticker: Ticker,
}

impl Engines {
    pub(crate) fn get(&self, flavor: Flavor) -> Result<Arc<Variant>> {
        let mut variants = self.variants.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = &variants[flavor.index()] {
            return Ok(v.clone());
        }
        let v = Arc::new(build(flavor)?);
        if flavor.epochs {
            self.ticker.watch(&v.engine);
        }
        variants[flavor.index()] = Some(v.clone());
        Ok(v)
    }
}

fn build(flavor: Flavor) -> Result<Variant> {
    let invalid =
        |e: wasmtime::Error| Error::Type(format!("invalid engine settings: {}", describe(&e)));
    let mut config = Config::new();
    // Wasm backtraces are on by default: frames in trap errors are part of
    // the public error shape.
    config.consume_fuel(flavor.fuel);
    config.epoch_interruption(flavor.epochs);
    let engine = Engine::new(&config).map_err(invalid)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |d: &mut StoreData| {
        d.wasi
            .as_mut()
            .expect("a module importing WASI always gets a WASI context")
    })
    .map_err(invalid)?;
    Ok(Variant { engine, linker })
}
