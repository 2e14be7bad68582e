//! The guest resources a host holds: each owned handle a component function
//! gave it, under a number never reused, checked on its way back in (its
//! instance, whether it is still held, its type).

use crate::registry::InstanceId;
use std::collections::HashMap;
use std::sync::Arc;
use wasmtime::component::{ResourceAny, ResourceType};

/// A resource the host holds, as the embedder names it: opaque, and only
/// good for the instance that gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceRef {
    pub(crate) instance: InstanceId,
    pub(crate) id: u64,
}

/// The resources one component instance gave the host and it still holds.
#[derive(Default)]
pub(crate) struct Resources {
    next: u64,
    held: HashMap<u64, ResourceAny>,
    /// The component's exported resource types with their qualified names
    /// (`"ns:pkg/iface@1.0.0#counter"`), to name the ones it gives.
    pub(crate) types: Vec<(ResourceType, Arc<str>)>,
}

impl Resources {
    /// Holds `any`, giving it a new number.
    pub(crate) fn hold(&mut self, any: ResourceAny) -> u64 {
        self.next += 1;
        self.held.insert(self.next, any);
        self.next
    }

    pub(crate) fn get(&self, id: u64) -> Option<ResourceAny> {
        self.held.get(&id).copied()
    }

    /// Gives up the resource `id` (moved into the guest, or dropped).
    pub(crate) fn take(&mut self, id: u64) -> Option<ResourceAny> {
        self.held.remove(&id)
    }

    /// The qualified name of resource type `ty` (empty when it is not one
    /// the component exports).
    pub(crate) fn name(&self, ty: &ResourceType) -> Arc<str> {
        self.types
            .iter()
            .find(|(t, _)| t == ty)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "".into())
    }
}
