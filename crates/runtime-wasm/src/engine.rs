//! Engine configuration: one place decides which wasm features and engine
//! settings every module of a runtime is compiled with.

use crate::error::{describe, Error, Result};
use wasmtime::{Config, Engine};

/// Builds the engine a `Runtime` compiles and runs everything on.
pub(crate) fn build() -> Result<Engine> {
    // Wasm backtraces are on by default: frames in trap errors are part of
    // the public error shape.
    let config = Config::new();
    Engine::new(&config)
        .map_err(|e| Error::Type(format!("invalid engine settings: {}", describe(&e))))
}
