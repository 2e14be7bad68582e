//! Components (the Component Model): compiled once for the plain engine
//! (`compiled`), described by their WIT world and their imports and exports
//! (`info`).

mod compiled;
mod info;

pub(crate) use compiled::CompiledComponent;
pub use info::{ComponentInfo, ComponentItemInfo};
