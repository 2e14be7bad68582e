//! The live state of one store: `LiveStore`, which owns it with its captured
//! output and the deadline its calls run under, and `Live`, the view an
//! operation works through — on the owner's store, or (nested) on the
//! `Caller` of a host call the guest waits on.

use crate::block_on::block_on;
use crate::component::CompiledComponent;
use crate::deadline::{within, Deadline};
use crate::engine::{Flavor, Variant};
use crate::error::{Error, Result};
use crate::exception::{call_over, uncaught};
use crate::limits::Limits;
use crate::memory::{self, Lent, MemoryView};
use crate::module::Tier;
use crate::native_stack;
use crate::store::{refresh_views, Guest, Member, StoreData};
use crate::wasi::Capture;
use std::future::Future;
use std::sync::Arc;
use wasmtime::{AsContextMut, Store, StoreContextMut};

use super::RunOutput;

/// A live store and the instances in it (one, or a linked group); only
/// reachable through `Instance`, which guarantees one operation at a time
/// and says which instance the operation is for.
pub(crate) struct LiveStore {
    pub(crate) store: Store<StoreData>,
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

impl LiveStore {
    /// Which code the store runs.
    pub(crate) fn tier(&self) -> Tier {
        match self.group.flavor.baseline {
            true => Tier::Baseline,
            false => Tier::Optimized,
        }
    }

    /// The view an operation for member `current` (of component `code`,
    /// for a component's) works through.
    pub(crate) fn live(
        &mut self,
        current: usize,
        code: Option<Arc<CompiledComponent>>,
    ) -> Live<'_> {
        Live {
            code,
            store: self.store.as_context_mut(),
            current,
            outer: Some(Outer {
                deadline: &self.deadline,
                needs_async: &mut self.needs_async,
                stdout: &mut self.stdout,
                stderr: &mut self.stderr,
            }),
        }
    }

    /// Records where every member's memories are now, for the embedder's views.
    pub(crate) fn refresh(&self) {
        refresh_views(&self.store);
    }

    /// Where member `i`'s memories are recorded.
    pub(crate) fn lent(&self, i: usize) -> Arc<Lent> {
        self.store.data().members[i]
            .memories
            .get()
            .map(|(_, lent)| lent.clone())
            .expect("a member's memories are recorded when it is built")
    }
}

/// A guest function `Live::enter` runs: a module's or a component's.
pub(crate) trait Entry {
    type Val: Send + Sync;

    fn call(
        self,
        store: &mut StoreContextMut<'_, StoreData>,
        params: &[Self::Val],
        results: &mut [Self::Val],
    ) -> wasmtime::Result<()>;

    fn call_async<'a>(
        self,
        store: StoreContextMut<'a, StoreData>,
        params: &'a [Self::Val],
        results: &'a mut [Self::Val],
    ) -> impl Future<Output = wasmtime::Result<()>> + Send + 'a;

    /// The call's error, classified.
    fn error(err: wasmtime::Error) -> Error;
}

/// `Entry` for a function type whose `call` and `call_async` take values of
/// type `$val`, its errors classified by `$error`.
macro_rules! entry {
    ($func:ty, $val:ty, $error:path) => {
        impl Entry for $func {
            type Val = $val;

            fn call(
                self,
                store: &mut StoreContextMut<'_, StoreData>,
                params: &[Self::Val],
                results: &mut [Self::Val],
            ) -> wasmtime::Result<()> {
                <$func>::call(&self, store, params, results)
            }

            async fn call_async<'a>(
                self,
                store: StoreContextMut<'a, StoreData>,
                params: &'a [Self::Val],
                results: &'a mut [Self::Val],
            ) -> wasmtime::Result<()> {
                <$func>::call_async(&self, store, params, results).await
            }

            fn error(err: wasmtime::Error) -> Error {
                $error(err)
            }
        }
    };
}

entry!(wasmtime::Func, wasmtime::Val, Error::from_guest);
entry!(
    wasmtime::component::Func,
    wasmtime::component::Val,
    Error::from_component
);

/// What an operation on the owner's store has that a nested one does not:
/// the deadline to arm, how guest code is entered, the captured output.
struct Outer<'s> {
    deadline: &'s Deadline,
    needs_async: &'s mut bool,
    stdout: &'s mut Option<Capture>,
    stderr: &'s mut Option<Capture>,
}

/// A store as one operation sees it, for the instance the operation is for:
/// the owner's store (the operation arms the deadline and enters guest code
/// itself), or the store of a guest waiting on a host call (nested: it runs
/// inside that call, under its deadline and fuel).
pub struct Live<'s> {
    pub(crate) store: StoreContextMut<'s, StoreData>,
    /// The member the operation is for.
    pub(crate) current: usize,
    /// `None` for a nested operation.
    outer: Option<Outer<'s>>,
    /// The component's code, when the member is a component (to find its
    /// functions by name).
    code: Option<Arc<CompiledComponent>>,
}

impl<'s> Live<'s> {
    /// The view of an operation nested in a host call of the store: it runs
    /// inside that call, on its `Caller`'s store.
    pub(crate) fn nested(
        store: StoreContextMut<'s, StoreData>,
        current: usize,
        code: Option<Arc<CompiledComponent>>,
    ) -> Live<'s> {
        Live {
            store,
            current,
            outer: None,
            code,
        }
    }
}

impl Live<'_> {
    /// Runs guest code under the instance's deadline, if it has one: guest
    /// code stops at the deadline by an epoch trap, and a wait (a host
    /// function's reply, blocking WASI) is abandoned then. Without async host
    /// functions in the store the call is direct, with no fiber. A nested
    /// call runs inside the outer one, already armed and bounded.
    pub(crate) async fn enter<E: Entry>(
        &mut self,
        func: E,
        params: &[E::Val],
        results: &mut [E::Val],
    ) -> Result<()> {
        let Some(outer) = &self.outer else {
            // Nested: the outer call armed the deadline; its end bounds the
            // waits of this one too.
            let deadline = self.store.data().deadline;
            let done = within(
                deadline,
                func.call_async(self.store.as_context_mut(), params, results),
            )
            .await?;
            return done.map_err(|e| uncaught(&mut self.store, e).unwrap_or_else(E::error));
        };
        let _armed = outer.deadline.arm(&mut self.store)?;
        let done = if *outer.needs_async {
            let deadline = self.store.data().deadline;
            within(
                deadline,
                func.call_async(self.store.as_context_mut(), params, results),
            )
            .await?
        } else {
            // No host function can nest another call here; the sync forms'
            // `block_on` checked the stack on the way in.
            func.call(&mut self.store, params, results)
        };
        let done = done.map_err(|e| uncaught(&mut self.store, e).unwrap_or_else(E::error));
        // What host functions threw cannot come back now.
        call_over(&mut self.store);
        done
    }

    /// Whether the operation runs inside a host call of the store (nested).
    pub(crate) fn is_nested(&self) -> bool {
        self.outer.is_none()
    }

    /// The store's gate (see `store::Gate`).
    pub(crate) fn gate(&self) -> Arc<crate::store::Gate> {
        self.store.data().gate.clone()
    }

    /// The module instance the operation is for; `None` for a component.
    pub(crate) fn instance(&self) -> Option<wasmtime::Instance> {
        self.store.data().members[self.current].guest.module()
    }

    /// The component instance the operation is for, with its code; 5003
    /// for a module's.
    pub(crate) fn component(
        &self,
    ) -> Result<(wasmtime::component::Instance, Arc<CompiledComponent>)> {
        match (&self.store.data().members[self.current].guest, &self.code) {
            (Guest::Component(c), Some(code)) => Ok((*c, code.clone())),
            _ => Err(Error::ExportNotFound(
                "this instance is a module's; it has no component functions".into(),
            )),
        }
    }

    pub(crate) fn member(&mut self) -> &mut Member {
        &mut self.store.data_mut().members[self.current]
    }

    /// Whether guest code is entered through a fiber (see `enter`): always
    /// for a nested operation, which runs inside one.
    pub(crate) fn needs_async(&self) -> bool {
        self.outer.as_ref().is_none_or(|o| *o.needs_async)
    }

    /// From now on guest code in this store is entered through a fiber: it
    /// holds an async host function (one put in a table, say).
    pub(crate) fn set_needs_async(&mut self) {
        if let Some(o) = &mut self.outer {
            *o.needs_async = true;
        }
    }

    /// Runs raw-valued guest code directly under the instance's deadline;
    /// only for stores without async host functions.
    pub(crate) fn enter_direct<R>(
        &mut self,
        f: impl FnOnce(&mut StoreContextMut<'_, StoreData>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        debug_assert!(!self.needs_async());
        native_stack::check()?;
        let outer = self.outer.as_ref().expect("a nested operation is async");
        let _armed = outer.deadline.arm(&mut self.store)?;
        let done = f(&mut self.store);
        let done = done.map_err(|e| uncaught(&mut self.store, e).unwrap_or_else(Error::from_guest));
        call_over(&mut self.store);
        done
    }

    /// Fuel left; 5007 when the instance was not given fuel.
    pub fn fuel(&self) -> Result<u64> {
        self.store.get_fuel().map_err(|_| no_fuel())
    }

    /// Refills (or drains) the fuel tank; 5007 without fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.set_fuel(fuel).map_err(|_| no_fuel())
    }

    /// Runs the WASI command: a module's `_start` (`proc_exit(n)` is exit
    /// code `n`), a component's `wasi:cli/run` (`run` returning an error,
    /// or `exit(err)`, is exit code 1; `exit-with-code(n)` is `n`).
    pub async fn run_async(&mut self) -> Result<RunOutput> {
        if self.outer.is_none() {
            return Err(Error::Call {
                message:
                    "a WASI command cannot be run from inside one of its instance's host functions"
                        .into(),
                trap: None,
            });
        }
        let ran = match self.code {
            Some(_) => self.run_component().await,
            None => {
                let func = self.func("_start")?;
                self.enter(func, &[], &mut []).await.map(|()| 0)
            }
        };
        let exit_code = match ran {
            Ok(code) => code,
            Err(Error::Wasi {
                exit_code: Some(code),
                ..
            }) => code,
            Err(e) => return Err(e),
        };
        Ok(RunOutput {
            exit_code,
            stdout: self.take(false),
            stderr: self.take(true),
        })
    }

    /// `run_async` on the calling thread.
    pub fn run(&mut self) -> Result<RunOutput> {
        block_on(&self.gate(), self.run_async())
    }

    /// What captured stdout (`err` false) or stderr holds, drained; `None`
    /// when it is not captured.
    fn take(&mut self, err: bool) -> Option<Vec<u8>> {
        let outer = self.outer.as_mut()?;
        let capture = if err {
            &mut *outer.stderr
        } else {
            &mut *outer.stdout
        };
        capture.as_mut().map(Capture::take)
    }

    /// Drains captured stdout; empty when stdout is not captured.
    pub fn take_stdout(&mut self) -> Vec<u8> {
        self.take(false).unwrap_or_default()
    }

    /// Drains captured stderr; empty when stderr is not captured.
    pub fn take_stderr(&mut self) -> Vec<u8> {
        self.take(true).unwrap_or_default()
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
        let instance = self.instance().ok_or_else(|| {
            Error::ExportNotFound(format!(
                "no export named `{name}`: a component instance exports only functions and interfaces"
            ))
        })?;
        let found = instance
            .get_export(&mut self.store, name)
            .ok_or_else(|| Error::ExportNotFound(format!("no export named `{name}`")))?;
        pick(found).ok_or_else(|| Error::ExportNotFound(format!("export `{name}` is not a {kind}")))
    }

    /// The memory named `name`, or with `None` the default memory (the
    /// export `memory`, else the first exported memory).
    pub fn memory(&mut self, name: Option<&str>) -> Result<MemoryView<'_, StoreData>> {
        let instance = self
            .instance()
            .ok_or_else(|| memory::missing(name.unwrap_or("memory")))?;
        memory::locate(self.store.as_context_mut(), instance, name)
    }
}

fn no_fuel() -> Error {
    Error::Type("fuel is not enabled for this instance (set `fuel` when instantiating)".into())
}
