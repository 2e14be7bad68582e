//! Components (the Component Model): compiled once for the plain engine
//! (`compiled`), described by their WIT world and their imports and exports
//! (`info`, `dts`), their functions named (`names`), their values converted
//! in jco's shapes (`value`), their imports linked to host functions (`link`).

mod compiled;
mod dts;
mod info;
mod link;
mod names;
pub(crate) mod value;

pub(crate) use compiled::CompiledComponent;
pub use info::{ComponentInfo, ComponentItemInfo};
pub(crate) use link::link;
pub use names::ComponentFunction;
pub use value::{Answer, MAX_VALUE_DEPTH};
