// Instance: an import object read as the JS API reads it (ordinary property
// access, prototype chain included), checked, and linked; exports given the
// JS API's shape (an import passed on is the very object imported).
import { bufferSource, converter, describe, branded, resultConverter } from "./convert.js";
import { jsError, LinkError, mapped } from "./errors.js";
import { exportedFunction, hostFunction, remember, wasmFunctions } from "./functions.js";
import { suspendingFunction, suspendingHost } from "./jspi.js";
import { compileBytes, Module, moduleId, moduleInfo } from "./module.js";
import { coreOf, globalType, Memory, Table, wrapGlobal, wrapMemory, wrapTable } from "./objects.js";
import { INTERNAL, instanceConfig, rt } from "./runtime.js";
import { Tag, tagImport, wrapTag } from "./tag.js";
import { internals } from "../internals.js";

/** Reads the import object as the JS API does (ordinary property access, prototype chain included). */
function readImports(module, importObject) {
  const wanted = moduleInfo(module).imports;
  if (importObject !== undefined && (importObject === null || typeof importObject !== "object")) {
    throw new TypeError(`WebAssembly.Instance: the import object must be an object, got ${describe(importObject)}`);
  }
  if (wanted.length > 0 && importObject === undefined) {
    throw new TypeError("WebAssembly.Instance: the module has imports, but no import object was given");
  }
  const imports = Object.create(null);
  const given = [];
  for (const imp of wanted) {
    const { module: m, name: n } = imp;
    const ns = importObject[m];
    if (ns === null || (typeof ns !== "object" && typeof ns !== "function")) {
      throw new TypeError(`WebAssembly.Instance: import module "${m}" must be an object, got ${describe(ns)}`);
    }
    const value = ns[n];
    (imports[m] ??= Object.create(null))[n] = importValue(imp, value, `import ${m}.${n}`);
    given.push(value);
  }
  importsGiven.set(imports, given);
  return imports;
}

/** The JS values each import object read by `readImports` held, in the module's import order. */
const importsGiven = new WeakMap();

/** What runtime-wasm is given for one import, checked as the JS API checks it. */
function importValue(imp, value, label) {
  switch (imp.kind) {
    case "func": {
      const suspending = suspendingFunction(value);
      if (suspending !== undefined) return suspendingHost(suspending, resultConverter(imp.results));
      if (typeof value !== "function") throw new LinkError(`${label} must be a function, got ${describe(value)}`);
      // A wasm function exported by another instance: runtime-wasm links it
      // directly when this instance joins its store, else calls it.
      const exported = wasmFunctions.get(value);
      return exported ?? hostFunction(value, resultConverter(imp.results));
    }
    case "global": {
      const type = imp.type;
      const described = globalType(value);
      if (described !== undefined) {
        const { type: given, mutable } = described;
        if (given !== type) throw new LinkError(`${label}: expected a global of type ${type}, got ${given}`);
        if (mutable !== imp.mutable) throw new LinkError(`${label}: expected a${imp.mutable ? " mutable" : "n immutable"} global`);
        // A mutable one is shared (the instance joins its store); an immutable one's value is all there is.
        return mutable ? coreOf(value) : converter(type)(value.value);
      }
      if (imp.mutable) throw new LinkError(`${label} is a mutable global: it needs a WebAssembly.Global, got ${describe(value)}`);
      // Any value is an externref.
      if (type === "externref") return converter(type)(value);
      if (type === "i64" ? typeof value !== "bigint" : typeof value !== "number" || type === "v128") {
        throw new LinkError(`${label} is a global of type ${type}, got ${describe(value)}`);
      }
      if (type !== "i32" && type !== "i64" && type !== "f32" && type !== "f64") {
        throw new LinkError(`${label}: importing a ${type} global is not supported yet by runtime-wasm/webassembly`);
      }
      return value;
    }
    case "memory":
    case "table": {
      const core = coreOf(value);
      const want = imp.kind === "memory" ? Memory : Table;
      if (core === undefined || !(value instanceof want)) {
        throw new LinkError(`${label} must be a WebAssembly.${want.name}, got ${describe(value)}`);
      }
      // The instance joins the store the memory or table lives in.
      return core;
    }
    case "tag":
      if (!(value instanceof Tag)) throw new LinkError(`${label} must be a WebAssembly.Tag, got ${describe(value)}`);
      return tagImport(value);
    default:
      throw new LinkError(`${label}: importing a ${imp.kind} is not supported yet by runtime-wasm/webassembly`);
  }
}

let adoptInstance;

export class Instance {
  #exports;
  /** Kept so the module's code (freed when it is collected) outlives its instances. */
  #module;
  constructor(module, importObject = undefined) {
    if (module === INTERNAL) return;
    const id = moduleId(module);
    const imports = readImports(module, importObject);
    const inst = mapped(() => rt.instantiateSync(id, instanceConfig(imports)));
    [this.#exports, this.#module] = [wrapExports(inst, module, importsGiven.get(imports)), module];
  }
  static {
    adoptInstance = (inst, module, given) => {
      const i = new Instance(INTERNAL);
      [i.#exports, i.#module] = [wrapExports(inst, module, given), module];
      return i;
    };
  }
  get exports() {
    branded(this !== null && typeof this === "object" && #exports in this, "WebAssembly.Instance.exports");
    return this.#exports;
  }
}

/** The exports object: functions map errors to the JS API's classes; memories, tables, globals wrap. */
function wrapExports(inst, module, given = []) {
  const out = Object.create(null);
  const raw = inst.exports;
  for (const info of moduleInfo(module).exports) {
    const value = raw[info.name];
    // An import passed on is the very object imported, when it is one of ours.
    const original = info.reexport === undefined ? undefined : given[info.reexport];
    if (original !== undefined && (wasmFunctions.has(original) || coreOf(original) !== undefined || original instanceof Tag)) {
      out[info.name] = original;
      continue;
    }
    if (info.kind === "func") {
      out[info.name] = exportedFunction(value, String(info.index), info.params, info.results);
      wasmFunctions.set(out[info.name], value);
      remember(internals.exportKey(value), out[info.name]);
    }
    else if (info.kind === "memory") out[info.name] = wrapMemory(value, inst, info.memory64);
    else if (info.kind === "table") out[info.name] = wrapTable(value, inst, info.table64, info.element);
    else if (info.kind === "global") out[info.name] = wrapGlobal(value, inst, info);
    else if (info.kind === "tag") out[info.name] = wrapTag(value);
  }
  return Object.freeze(out);
}


export async function instantiateModule(module, importObject) {
  const id = moduleId(module);
  const imports = readImports(module, importObject);
  try {
    return adoptInstance(await rt.instantiate(id, instanceConfig(imports)), module, importsGiven.get(imports));
  } catch (e) {
    throw jsError(e);
  }
}


export async function instantiate(source, importObject = undefined) {
  if (source instanceof Module) return instantiateModule(source, importObject);
  const module = await compileBytes(bufferSource(source, "WebAssembly.instantiate"));
  return { module, instance: await instantiateModule(module, importObject) };
}
