//! Calling guest functions: exports and table entries become numbered
//! handles once, called either with loosely typed arguments converted by the
//! signature, or, for all-number signatures, without allocating at all.

use crate::block_on::block_on;
use crate::convert::{check_arity, convert_args, from_number};
use crate::error::{Error, HostFailure, Result};
use crate::func::{Callee, FuncRef, MAX_NUMBERS};
use crate::instance::{Entry, Live};
use crate::store::StoreData;
use crate::value::{Arg, Value};
use std::sync::Arc;
use wasmtime::{AsContextMut, RootScope, StoreContextMut, Val, ValRaw, ValType};

impl Live<'_> {
    /// Registers `func` as a new handle; `label` names it in errors.
    fn add_func(&mut self, func: wasmtime::Func, label: String) -> Result<u32> {
        let id = u32::try_from(self.member().funcs.len())
            .map_err(|_| Error::LimitExceeded("too many function handles".into()))?;
        let callee = Callee::of(func, &self.store, label);
        self.member().funcs.push(callee);
        Ok(id)
    }

    /// The handle of export `name`, made once per instance; 5003 when there
    /// is no such function.
    fn export_id(&mut self, name: &str) -> Result<u32> {
        if let Some(&id) = self.member().exported.get(name) {
            return Ok(id);
        }
        let func = self.export(name, "function", wasmtime::Extern::into_func)?;
        // One handle per function: the same one as when it is found in a
        // table, so an embedder can keep one object per function.
        let key = func.to_raw(&mut self.store) as usize;
        let id = match self.member().from_tables.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.add_func(func, name.to_string())?;
                self.member().from_tables.insert(key, id);
                id
            }
        };
        self.member().exported.insert(name.to_string(), id);
        Ok(id)
    }

    /// The handle of a function found in a table: one per function, however
    /// often it is looked up (and the export's, when it is exported).
    pub(crate) fn table_func(&mut self, func: wasmtime::Func) -> Result<FuncRef> {
        let key = func.to_raw(&mut self.store) as usize;
        let id = match self.member().from_tables.get(&key) {
            Some(&id) => id,
            None => {
                let label = format!("table function {}", self.member().funcs.len());
                let id = self.add_func(func, label)?;
                self.member().from_tables.insert(key, id);
                id
            }
        };
        Ok(self.member().funcs[id as usize].describe(id))
    }

    /// Export `name` as a handle with its signature, for repeated calls.
    pub fn export_func(&mut self, name: &str) -> Result<FuncRef> {
        let id = self.export_id(name)?;
        Ok(self.member().funcs[id as usize].describe(id))
    }

    fn callee(&self, id: u32) -> Result<&Callee> {
        self.store.data().members[self.current]
            .funcs
            .get(id as usize)
            .ok_or_else(|| Error::ExportNotFound(format!("no function handle {id}")))
    }

    /// Calls export `name`, converting `args` by its signature.
    pub async fn call_async(&mut self, name: &str, args: &[Arg]) -> Result<Vec<Value>> {
        let id = self.export_id(name)?;
        self.call_ref_async(id, args).await
    }

    /// Calls export `name` once per argument list, converting each by its
    /// signature; the first failure ends the batch (earlier calls stand).
    pub async fn call_many_async(
        &mut self,
        name: &str,
        batches: &[Vec<Arg>],
    ) -> Result<Vec<Vec<Value>>> {
        let id = self.export_id(name)?;
        let mut out = Vec::with_capacity(batches.len());
        for args in batches {
            out.push(self.call_ref_async(id, args).await?);
        }
        Ok(out)
    }

    /// Calls handle `id` (from `export_func` or `table_get`).
    pub async fn call_ref_async(&mut self, id: u32, args: &[Arg]) -> Result<Vec<Value>> {
        let callee = self.callee(id)?;
        let (func, results) = (callee.func, callee.results.len());
        if callee.refs {
            let entry = WithRefs {
                func,
                params: callee.params.clone(),
                label: callee.label.clone(),
            };
            check_arity(&entry.params, args.len(), &entry.label)?;
            let ins: Vec<Crossing> = args.iter().cloned().map(Crossing::In).collect();
            let mut outs = vec![Crossing::Out(Value::Null); results];
            self.enter(entry, &ins, &mut outs).await?;
            return Ok(outs.into_iter().filter_map(Crossing::into_value).collect());
        }
        let vals = convert_args(&callee.params, args, &callee.label)?;
        let mut out = vec![Val::I32(0); results];
        self.enter(func, &vals, &mut out).await?;
        out.iter().map(Value::from_val).collect()
    }

    /// `call_async` on the calling thread.
    pub fn call(&mut self, name: &str, args: &[Arg]) -> Result<Vec<Value>> {
        block_on(&self.gate(), self.call_async(name, args))
    }

    /// `call_many_async` on the calling thread.
    pub fn call_many(&mut self, name: &str, batches: &[Vec<Arg>]) -> Result<Vec<Vec<Value>>> {
        block_on(&self.gate(), self.call_many_async(name, batches))
    }

    /// `call_ref_async` on the calling thread.
    pub fn call_ref(&mut self, id: u32, args: &[Arg]) -> Result<Vec<Value>> {
        block_on(&self.gate(), self.call_ref_async(id, args))
    }

    /// Calls handle `id`, whose parameters and result (if any) are all
    /// number types, with plain numbers converted exactly as `Arg::Number`
    /// would be, allocating nothing (stores with async host functions take
    /// `call_ref`'s path). A bad argument gets `call_ref`'s error.
    pub fn call_numbers(&mut self, id: u32, args: &[f64]) -> Result<Option<Value>> {
        let mut out = None;
        self.numbers_each(id, args.len(), args, |v| out = Some(v))?;
        Ok(out)
    }

    /// `call_numbers` once per `arity` numbers of `args`: one result per
    /// call (none for a function without results). The first failure ends
    /// the batch.
    pub fn call_numbers_many(&mut self, id: u32, arity: usize, args: &[f64]) -> Result<Vec<Value>> {
        if arity == 0 || !args.len().is_multiple_of(arity) {
            return Err(Error::Type(format!(
                "{} numbers do not split into calls of {arity}",
                args.len()
            )));
        }
        let mut out = Vec::with_capacity(args.len() / arity);
        self.numbers_each(id, arity, args, |v| out.push(v))?;
        Ok(out)
    }

    /// Calls `id` once per `arity` numbers of `args` (once when `arity` is
    /// 0), handing each result to `each`.
    fn numbers_each(
        &mut self,
        id: u32,
        arity: usize,
        args: &[f64],
        mut each: impl FnMut(Value),
    ) -> Result<()> {
        let callee = self.callee(id)?;
        if !callee.numeric {
            return Err(Error::Type(format!(
                "`{}` does not take and return only numbers",
                callee.label
            )));
        }
        let (func, params) = (callee.func, callee.params.clone());
        let result = callee.results.first().cloned();
        let len = params.len().max(result.iter().len());
        let mut raw = [ValRaw::i32(0); MAX_NUMBERS];
        let calls = args.len().checked_div(arity).unwrap_or(1);
        for chunk in (0..calls).map(|i| &args[i * arity..(i + 1) * arity]) {
            if self.needs_async() || !lower(&params, chunk, &mut raw) {
                let args: Vec<Arg> = chunk.iter().map(|&n| Arg::Number(n)).collect();
                self.call_ref(id, &args)?.into_iter().for_each(&mut each);
                continue;
            }
            // SAFETY: `lower` wrote one value of each parameter's type, and
            // the buffer holds the single result too; no references here.
            self.enter_direct(|store| unsafe { func.call_unchecked(store, &mut raw[..len]) })?;
            if let Some(ty) = &result {
                each(lift(raw[0], ty));
            }
        }
        Ok(())
    }
}

/// Writes the engine's raw form of `args` for `params` into `raw`; false
/// when the count is wrong or an argument does not convert.
fn lower(params: &[ValType], args: &[f64], raw: &mut [ValRaw; MAX_NUMBERS]) -> bool {
    if args.len() != params.len() {
        return false;
    }
    for ((slot, ty), &n) in raw.iter_mut().zip(params).zip(args) {
        *slot = match from_number(n, ty) {
            Some(Val::I32(v)) => ValRaw::i32(v),
            Some(Val::I64(v)) => ValRaw::i64(v),
            Some(Val::F32(bits)) => ValRaw::f32(bits),
            Some(Val::F64(bits)) => ValRaw::f64(bits),
            _ => return false,
        };
    }
    true
}

/// A raw number result as the embedder sees it.
fn lift(raw: ValRaw, ty: &ValType) -> Value {
    match ty {
        ValType::I32 => Value::I32(raw.get_i32()),
        ValType::I64 => Value::I64(raw.get_i64()),
        ValType::F32 => Value::F32(f32::from_bits(raw.get_f32())),
        _ => Value::F64(f64::from_bits(raw.get_f64())),
    }
}

/// A function whose signature has an `externref`: its arguments are
/// converted and its results read inside the call, in a root scope of the
/// call's own, so the references made for it are unrooted when it returns
/// (made outside a scope, a reference would stay rooted for the store's
/// life).
pub(crate) struct WithRefs {
    func: wasmtime::Func,
    params: Arc<[ValType]>,
    label: Arc<str>,
}

/// What goes into a `WithRefs` call (arguments) and what comes out.
#[derive(Clone)]
pub(crate) enum Crossing {
    In(Arg),
    Out(Value),
}

impl Crossing {
    fn into_value(self) -> Option<Value> {
        match self {
            Crossing::Out(v) => Some(v),
            Crossing::In(_) => None,
        }
    }
}

impl WithRefs {
    /// The arguments as values, references made in `store`'s scope.
    fn args(&self, mut store: impl AsContextMut, ins: &[Crossing]) -> wasmtime::Result<Vec<Val>> {
        let fail = |e: Error| wasmtime::Error::new(HostFailure(e));
        let mut vals = Vec::with_capacity(ins.len());
        for (i, (ty, c)) in self.params.iter().zip(ins).enumerate() {
            let Crossing::In(arg) = c else {
                continue;
            };
            let what = format!("`{}` argument {i}", self.label);
            vals.push(arg.to_val_in(&mut store, ty, &what).map_err(fail)?);
        }
        Ok(vals)
    }
}

/// The results for the embedder, read while their references are rooted.
fn read(
    store: impl wasmtime::AsContext,
    out: &[Val],
    results: &mut [Crossing],
) -> wasmtime::Result<()> {
    for (slot, val) in results.iter_mut().zip(out) {
        let value =
            Value::from_val_in(&store, val).map_err(|e| wasmtime::Error::new(HostFailure(e)))?;
        *slot = Crossing::Out(value);
    }
    Ok(())
}

impl Entry for WithRefs {
    type Val = Crossing;

    fn call(
        self,
        store: &mut StoreContextMut<'_, StoreData>,
        params: &[Crossing],
        results: &mut [Crossing],
    ) -> wasmtime::Result<()> {
        let mut scope = RootScope::new(store);
        let vals = self.args(&mut scope, params)?;
        let mut out = vec![Val::I32(0); results.len()];
        wasmtime::Func::call(&self.func, &mut scope, &vals, &mut out)?;
        read(&scope, &out, results)
    }

    async fn call_async<'a>(
        self,
        store: StoreContextMut<'a, StoreData>,
        params: &'a [Crossing],
        results: &'a mut [Crossing],
    ) -> wasmtime::Result<()> {
        let mut scope = RootScope::new(store);
        let vals = self.args(&mut scope, params)?;
        let mut out = vec![Val::I32(0); results.len()];
        wasmtime::Func::call_async(&self.func, &mut scope, &vals, &mut out).await?;
        read(&scope, &out, results)
    }

    fn error(err: wasmtime::Error) -> Error {
        Error::from_guest(err)
    }
}
