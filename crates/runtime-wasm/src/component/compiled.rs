//! A compiled component: optimized code for the plain engine, made once per
//! content (through the disk cache), shared by every handle compiled from
//! the same bytes.

use super::info::ComponentInfo;
use crate::cache::DiskCache;
use crate::engine::{Engines, Flavor};
use crate::error::Result;
use crate::module::compile_error;
use std::sync::{Arc, OnceLock};
use wasmtime::component::Component;
use wasmtime::Engine;

/// A component's code and what it imports and exports.
pub(crate) struct CompiledComponent {
    binary: Vec<u8>,
    pub(crate) component: Component,
    /// The engine the code is for.
    engine: Engine,
    /// Built when first asked for (decoding the WIT world reads the whole
    /// binary again).
    info: OnceLock<ComponentInfo>,
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
            component,
            engine: plain.engine.clone(),
            info: OnceLock::new(),
        }))
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
