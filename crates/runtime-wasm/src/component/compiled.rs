//! A compiled component: optimized code for the plain engine, made once per
//! content (through the disk cache), shared by every handle compiled from
//! the same bytes.

use super::info::ComponentInfo;
use super::names::{self, ComponentFunction};
use crate::cache::DiskCache;
use crate::engine::{Engines, Flavor, Variant};
use crate::error::{Error, Result};
use crate::module::compile_error;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::component::Component;
use wasmtime::Engine;

/// A component's code and what it imports and exports.
pub(crate) struct CompiledComponent {
    binary: Vec<u8>,
    /// Its content hash and the disk cache, for its metered builds.
    key: [u8; 32],
    disk: Option<DiskCache>,
    /// Code for the plain engine (no metering).
    pub(crate) component: Component,
    /// The engine the code is for.
    engine: Engine,
    /// Code with fuel, deadline checks or both, built when first needed.
    metered: [OnceLock<Component>; 3],
    /// Built when first asked for (decoding the WIT world reads the whole
    /// binary again).
    info: OnceLock<ComponentInfo>,
    /// Its exported functions, listed when first called.
    functions: OnceLock<Vec<ComponentFunction>>,
    /// The functions `call` found so far, by the name it was given.
    found: Mutex<HashMap<String, Found>>,
}

/// An exported function as `call` finds it: by its full name, and the
/// interface it is in, if any.
#[derive(Clone)]
pub(crate) struct Found {
    pub(crate) name: Arc<str>,
    pub(crate) interface: Option<Arc<str>>,
    pub(crate) func: Arc<str>,
}

impl CompiledComponent {
    /// Compiles `binary` (optimized: components are not tiered), or takes
    /// the code given (`prebuilt`, a precompiled artifact's); errors are
    /// 5000 with the validator's byte offset when it finds one.
    pub(crate) fn new(
        engines: &Engines,
        binary: Vec<u8>,
        key: &[u8; 32],
        disk: Option<&DiskCache>,
        prebuilt: Option<Component>,
    ) -> Result<Arc<CompiledComponent>> {
        let plain = engines.on_demand(Flavor::PLAIN)?;
        let component = match prebuilt {
            Some(c) => c,
            None => build(&plain.engine, &binary, key, disk)?,
        };
        Ok(Arc::new(CompiledComponent {
            binary,
            key: *key,
            disk: disk.cloned(),
            component,
            engine: plain.engine.clone(),
            metered: Default::default(),
            info: OnceLock::new(),
            functions: OnceLock::new(),
            found: Mutex::default(),
        }))
    }

    /// The exported function `name` names (see `names::resolve`); 5003
    /// when none does.
    pub(crate) fn find(&self, name: &str) -> Result<Found> {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = found.get(name) {
            return Ok(f.clone());
        }
        let f = names::resolve(self.functions(), name).map_err(Error::ExportNotFound)?;
        let f = match f.name.split_once('#') {
            Some((interface, func)) => Found {
                name: f.name.as_str().into(),
                interface: Some(interface.into()),
                func: func.into(),
            },
            None => Found {
                name: f.name.as_str().into(),
                interface: None,
                func: f.name.as_str().into(),
            },
        };
        // Only names that resolve are kept: a few per function.
        found.insert(name.to_string(), f.clone());
        Ok(f)
    }

    /// Its code for `flavor`'s engine (on demand, with that flavor's
    /// metering), compiled when first needed, through the disk cache.
    pub(crate) fn code(
        &self,
        engines: &Engines,
        flavor: Flavor,
    ) -> Result<(Component, Arc<Variant>)> {
        let variant = engines.on_demand(flavor)?;
        let slot = match (flavor.fuel, flavor.epochs) {
            (false, false) => return Ok((self.component.clone(), variant)),
            (true, false) => &self.metered[0],
            (false, true) => &self.metered[1],
            (true, true) => &self.metered[2],
        };
        if let Some(c) = slot.get() {
            return Ok((c.clone(), variant));
        }
        let c = build(&variant.engine, &self.binary, &self.key, self.disk.as_ref())?;
        Ok((slot.get_or_init(|| c).clone(), variant))
    }

    /// Its exported functions.
    pub(crate) fn functions(&self) -> &[ComponentFunction] {
        self.functions
            .get_or_init(|| names::functions(&self.component, &self.engine))
    }

    /// Its world and its imports and exports.
    pub(crate) fn info(&self) -> &ComponentInfo {
        self.info
            .get_or_init(|| ComponentInfo::of(&self.component, &self.engine, &self.binary))
    }
}

/// Compiles `binary` for `engine`, through the disk cache when there is one.
fn build(
    engine: &Engine,
    binary: &[u8],
    key: &[u8; 32],
    disk: Option<&DiskCache>,
) -> Result<Component> {
    if let Some(component) = disk.and_then(|d| d.load_component(engine, key)) {
        return Ok(component);
    }
    let component =
        Component::from_binary(engine, binary).map_err(|e| compile_error(binary, &e))?;
    if let Some(d) = disk {
        if let Ok(code) = component.serialize() {
            d.store_code(engine, key, code);
        }
    }
    Ok(component)
}
