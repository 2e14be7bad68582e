//! An instance: the handle embedders hold (`Instance`, here), how it is
//! built (`build`), its live store (`live`), and the queue that serializes
//! calls into it in arrival order (`queue`).

mod build;
mod component;
mod live;
mod queue;

use crate::component::{CompiledComponent, ComponentFunction};
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::imports::{ExportRef, Imports};
use crate::limits::Limits;
use crate::memory::{self, Extent, Lent, Watcher};
use crate::module::{Compiled, ExportInfo, Tier};
use crate::registry::{InstanceId, ModuleId};
use crate::wasi::WasiConfig;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use live::Live;
pub(crate) use live::{Entry, LiveStore};
pub use queue::Op;
use queue::Owned;

/// How an instance is set up; everything is denied unless granted.
#[derive(Debug, Clone, Default)]
pub struct InstanceConfig {
    pub wasi: WasiConfig,
    pub limits: Limits,
    pub imports: Imports,
}

/// The result of running a WASI command to completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    pub exit_code: i32,
    /// Captured output, when capture was requested.
    pub stdout: Option<Vec<u8>>,
    pub stderr: Option<Vec<u8>>,
}

/// What an instance runs: a module's code or a component's.
#[derive(Clone)]
pub(crate) enum Code {
    Module(Arc<Compiled>),
    Component(Arc<CompiledComponent>),
}

/// A handle on one instance; calls into it run one at a time in arrival
/// order, sync ones on the caller's thread and async ones on worker threads.
///
/// The first instance of a store owns it (its queue, its `Live`); an
/// instance linked to another's exports lives in that store too and sends
/// its work through the owner, so a linked group is one store with one set
/// of limits and one queue.
pub struct Instance {
    id: InstanceId,
    module_id: ModuleId,
    code: Code,
    executor: Executor,
    /// The owner of the store, for an instance linked into it.
    owner: Option<Arc<Instance>>,
    /// Its place among the store's instances.
    member: usize,
    /// No new work is accepted: the instance was dropped.
    closing: AtomicBool,
    /// Work still queued for it fails: it was freed.
    freed: AtomicBool,
    /// Where its memories are, for the embedder's views of them.
    lent: Arc<Lent>,
    /// Which code its store runs (fixed for the store's life).
    tier: Tier,
    /// The store, when this instance owns it.
    store: Option<Owned>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("id", &self.id)
            .field("module_id", &self.module_id)
            .field("member", &self.member)
            .field("closing", &self.closing.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Instance {
    /// Whether the instance runs baseline or optimized code.
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// The instance that owns the store this one lives in.
    pub(crate) fn owner(&self) -> &Instance {
        self.owner.as_deref().unwrap_or(self)
    }

    /// The owner of the store, as a handle.
    pub(crate) fn owner_arc(self: &Arc<Self>) -> Arc<Instance> {
        self.owner.clone().unwrap_or_else(|| self.clone())
    }

    pub fn id(&self) -> InstanceId {
        self.id
    }

    /// The id of the instance that owns the store this one lives in: the
    /// same for every instance of a linked group.
    pub fn store_id(&self) -> InstanceId {
        self.owner().id
    }

    pub fn module_id(&self) -> ModuleId {
        self.module_id
    }

    /// The module's exports (none for a component: see
    /// [`ComponentInfo`](crate::ComponentInfo)); needs no access to the store.
    pub fn exports(&self) -> &[ExportInfo] {
        match &self.code {
            Code::Module(m) => &m.info().exports,
            Code::Component(_) => &[],
        }
    }

    /// Whether the instance is a component's.
    pub fn is_component(&self) -> bool {
        matches!(self.code, Code::Component(_))
    }

    /// A component's code (`None` for a module's), for the view an
    /// operation works through.
    pub(crate) fn component_code(&self) -> Option<Arc<CompiledComponent>> {
        match &self.code {
            Code::Module(_) => None,
            Code::Component(c) => Some(c.clone()),
        }
    }

    /// A component's exported functions (empty for a module's).
    pub fn functions(&self) -> &[ComponentFunction] {
        match &self.code {
            Code::Module(_) => &[],
            Code::Component(c) => c.functions(),
        }
    }

    /// Names export `name`, for another instance to import (it then joins
    /// this instance's store).
    pub fn export_ref(&self, name: &str) -> ExportRef {
        ExportRef {
            instance: self.id,
            name: name.to_string(),
        }
    }

    fn gone(&self) -> Error {
        Error::InvalidInstanceHandle(self.id.to_string())
    }

    /// Sets who hears that views of a memory went stale (see [`Watcher`]);
    /// only the first call takes effect.
    pub fn watch_memories(&self, watcher: Watcher) {
        self.lent.watch(watcher);
    }

    /// Names memory `name`, or with `None` the default memory
    /// (`default_memory`), for another instance to import; 5006 when the
    /// instance exports no such memory.
    pub fn memory_ref(&self, name: Option<&str>) -> Result<ExportRef> {
        let index = self
            .lent
            .index(name)
            .ok_or_else(|| memory::missing(name.unwrap_or("memory")))?;
        Ok(self.export_ref(self.lent.name(index)))
    }

    /// The index of memory `name` (or of the default memory, as
    /// `Live::memory`) for `memory_extent`; shared memories are refused.
    pub fn memory_index(&self, name: Option<&str>) -> Result<usize> {
        let label = name.unwrap_or("memory");
        let index = self
            .lent
            .index(name)
            .ok_or_else(|| memory::missing(label))?;
        if self.lent.is_shared(index) {
            return Err(memory::shared(label));
        }
        Ok(index)
    }

    /// Where memory `index` was when the embedder last could run (after an
    /// operation, or when the guest called out), read without the store, so
    /// it works while the guest runs or waits; `None` once the instance is
    /// gone. The bytes stay mapped there while a [`Lease`](crate::Lease) is held.
    pub fn memory_extent(&self, index: usize) -> Option<Extent> {
        (!self.lent.is_gone()).then(|| self.lent.extent(index))
    }

    /// True once dropped (by `drop`, its module's drop or its runtime's
    /// close), whether or not the store is freed yet.
    pub fn is_dropped(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }
}
