//! The live state of one instance: its store, captured output, function
//! handles, and the entry into guest code under the instance's limits.

use crate::block_on::block_on;
use crate::deadline::{within, Deadline};
use crate::engine::{Flavor, Variant};
use crate::error::{Error, Result};
use crate::func::Callee;
use crate::limits::Limits;
use crate::memory::{self, Exported, Lent, MemoryView};
use crate::native_stack;
use crate::registry::InstanceId;
use crate::store::StoreData;
use crate::wasi::Capture;
use std::collections::HashMap;
use std::sync::Arc;
use wasmtime::{AsContextMut, Store};

use super::RunOutput;

/// A live store and the instances in it (one, or a linked group); only
/// reachable through `Instance`, which guarantees one operation at a time
/// and says which instance the operation is for.
pub struct Live {
    pub(crate) store: Store<StoreData>,
    /// The instances in the store; the first made it.
    pub(crate) members: Vec<Member>,
    /// The member the running operation is for.
    pub(crate) current: usize,
    pub(super) stdout: Option<Capture>,
    pub(super) stderr: Option<Capture>,
    /// The deadline each call runs under.
    pub(super) deadline: Deadline,
    /// The store holds async host functions (JS imports, WASI), so guest
    /// code is entered through a fiber; otherwise directly.
    pub(crate) needs_async: bool,
    /// What an instance joining the store must share.
    pub(super) group: Group,
}

/// The settings a store's instances share: its engine and its limits.
pub(crate) struct Group {
    pub(crate) flavor: Flavor,
    pub(crate) variant: Arc<Variant>,
    pub(crate) limits: Limits,
}

/// One instance in a store, with the handles made for it.
pub(crate) struct Member {
    pub(crate) id: InstanceId,
    pub(crate) instance: wasmtime::Instance,
    /// Function handles (exports and table entries), by id.
    pub(crate) funcs: Vec<Callee>,
    /// Handles of the exports called so far, by name.
    pub(crate) exported: HashMap<String, u32>,
    /// Handles by the engine's reference to the function (from tables and
    /// exports alike).
    pub(crate) from_tables: HashMap<usize, u32>,
    /// Its exported memories and where they are.
    pub(crate) memories: Exported,
}

impl Member {
    pub(crate) fn new(id: InstanceId, instance: wasmtime::Instance, memories: Exported) -> Member {
        Member {
            id,
            instance,
            funcs: Vec::new(),
            exported: HashMap::new(),
            from_tables: HashMap::new(),
            memories,
        }
    }
}

impl Live {
    /// Which code the store runs.
    pub(crate) fn tier(&self) -> crate::module::Tier {
        match self.group.flavor.baseline {
            true => crate::module::Tier::Baseline,
            false => crate::module::Tier::Optimized,
        }
    }

    /// Runs guest code under the instance's deadline, if it has one: guest
    /// code stops at the deadline by an epoch trap, and a wait (a host
    /// function's reply, blocking WASI) is abandoned then. Without async host
    /// functions in the store the call is direct, with no fiber.
    pub(crate) async fn enter(
        &mut self,
        func: wasmtime::Func,
        params: &[wasmtime::Val],
        results: &mut [wasmtime::Val],
    ) -> Result<()> {
        let _armed = self.deadline.arm(&mut self.store)?;
        let done = if self.needs_async {
            let deadline = self.store.data().deadline;
            within(deadline, func.call_async(&mut self.store, params, results)).await?
        } else {
            // No host function can nest another call here; the sync forms'
            // `block_on` checked the stack on the way in.
            func.call(&mut self.store, params, results)
        };
        done.map_err(Error::from_guest)
    }

    /// Records where every member's memories are now, for the embedder's views.
    pub(crate) fn refresh(&self) {
        for m in &self.members {
            if let Some((list, lent)) = m.memories.get() {
                lent.refresh(&self.store, list);
            }
        }
    }

    /// Where member `i`'s memories are recorded.
    pub(crate) fn lent(&self, i: usize) -> Arc<Lent> {
        self.members[i]
            .memories
            .get()
            .map(|(_, lent)| lent.clone())
            .expect("a member's memories are recorded when it is built")
    }

    /// The instance the running operation is for.
    pub(crate) fn instance(&self) -> wasmtime::Instance {
        self.members[self.current].instance
    }

    pub(crate) fn member(&mut self) -> &mut Member {
        &mut self.members[self.current]
    }

    /// Whether guest code is entered through a fiber (see `enter`).
    pub(crate) fn needs_async(&self) -> bool {
        self.needs_async
    }

    /// Runs raw-valued guest code directly under the instance's deadline;
    /// only for stores without async host functions.
    pub(crate) fn enter_direct<R>(
        &mut self,
        f: impl FnOnce(&mut Store<StoreData>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        debug_assert!(!self.needs_async);
        native_stack::check()?;
        let _armed = self.deadline.arm(&mut self.store)?;
        f(&mut self.store).map_err(Error::from_guest)
    }

    /// Fuel left; 5007 when the instance was not given fuel.
    pub fn fuel(&self) -> Result<u64> {
        self.store.get_fuel().map_err(|_| no_fuel())
    }

    /// Refills (or drains) the fuel tank; 5007 without fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.set_fuel(fuel).map_err(|_| no_fuel())
    }

    /// Runs the WASI command entry point `_start`; `proc_exit(n)` is exit code `n`.
    pub async fn run_async(&mut self) -> Result<RunOutput> {
        let func = self.func("_start")?;
        let exit_code = match self.enter(func, &[], &mut []).await {
            Ok(()) => 0,
            Err(Error::Wasi {
                exit_code: Some(code),
                ..
            }) => code,
            Err(e) => return Err(e),
        };
        Ok(RunOutput {
            exit_code,
            stdout: self.stdout.as_mut().map(Capture::take),
            stderr: self.stderr.as_mut().map(Capture::take),
        })
    }

    /// `run_async` on the calling thread.
    pub fn run(&mut self) -> Result<RunOutput> {
        block_on(self.run_async())
    }

    /// Drains captured stdout; empty when stdout is not captured.
    pub fn take_stdout(&mut self) -> Vec<u8> {
        self.stdout.as_mut().map(Capture::take).unwrap_or_default()
    }

    /// Drains captured stderr; empty when stderr is not captured.
    pub fn take_stderr(&mut self) -> Vec<u8> {
        self.stderr.as_mut().map(Capture::take).unwrap_or_default()
    }

    fn func(&mut self, name: &str) -> Result<wasmtime::Func> {
        self.export(name, "function", wasmtime::Extern::into_func)
    }

    /// Export `name` as the kind `pick` accepts; missing or another kind is 5003.
    pub(crate) fn export<T>(
        &mut self,
        name: &str,
        kind: &str,
        pick: impl FnOnce(wasmtime::Extern) -> Option<T>,
    ) -> Result<T> {
        let found = self
            .instance()
            .get_export(&mut self.store, name)
            .ok_or_else(|| Error::ExportNotFound(format!("no export named `{name}`")))?;
        pick(found).ok_or_else(|| Error::ExportNotFound(format!("export `{name}` is not a {kind}")))
    }

    /// The memory named `name`, or with `None` the export `memory`, else the
    /// first exported memory.
    pub fn memory(&mut self, name: Option<&str>) -> Result<MemoryView<'_>> {
        let instance = self.instance();
        memory::locate(self.store.as_context_mut(), instance, name)
    }
}

fn no_fuel() -> Error {
    Error::Type("fuel is not enabled for this instance (set `fuel` when instantiating)".into())
}
