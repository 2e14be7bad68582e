// Module: compiled bytes with what they import and export (the core's module
// info, read once per module: kinds, types, function indices, the imports
// an export passes on), compile and validate.
import { internals } from "../internals.js";
import { bufferSource, describe } from "./convert.js";
import { CompileError, jsError, mapped } from "./errors.js";
import { INTERNAL, rt } from "./runtime.js";

/** Only binaries: runtime-wasm's own API also takes WAT text, the JS API does not. */
export const isBinary = (b) => b.length >= 4 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;

export function notBinary() {
  return new CompileError("not a WebAssembly binary (it does not start with \\0asm)");
}

/** A component's header (layer 1): the JS API compiles core modules only. */
const isComponent = (b) => b.length >= 8 && b[6] === 1 && b[7] === 0;

/** Refuses bytes that are not a core module's binary, as the JS API does. */
function coreBinary(b) {
  if (!isBinary(b)) throw notBinary();
  if (isComponent(b)) throw new CompileError("a WebAssembly component, not a module: WebAssembly.Module takes core modules (compile components with runtime-wasm's own API)");
  return b;
}

/**
 * Lets go of a module's handle once its `Module` is collected; instances of
 * it (an exported function may outlive both) keep the compiled code until
 * they are gone too.
 */
const modules = new FinalizationRegistry((id) => {
  try {
    internals.forgetModule(rt, id);
  } catch {
    // already gone (runtime closed)
  }
});


export let adoptModule, moduleId, moduleInfo;

export class Module {
  #id;
  /** What the core says it imports and exports, read when first needed. */
  #info;
  constructor(bytes) {
    if (bytes === INTERNAL) return;
    const b = coreBinary(bufferSource(bytes, "WebAssembly.Module"));
    Module.#adopt(this, mapped(() => rt.compileSync(b)));
  }
  static #adopt(m, id) {
    m.#id = id;
    modules.register(m, id);
    return m;
  }
  static {
    adoptModule = (id) => Module.#adopt(new Module(INTERNAL), id);
    moduleId = (m) => {
      if (m === null || typeof m !== "object" || !(#id in m) || m.#id === undefined) {
        throw new TypeError(`expected a WebAssembly.Module, got ${describe(m)}`);
      }
      return m.#id;
    };
    moduleInfo = (m) => (m.#info ??= rt.moduleInfo(moduleId(m)));
    internals.namespaceTier = (m) => rt.tier(moduleId(m));
  }
  static exports(m) {
    return moduleInfo(m).exports.map(({ name, kind }) => ({ name, kind: kindName(kind) }));
  }
  static imports(m) {
    return moduleInfo(m).imports.map(({ module, name, kind }) => ({ module, name, kind: kindName(kind) }));
  }
  static customSections(m, sectionName) {
    const id = moduleId(m);
    if (sectionName === undefined) throw new TypeError("WebAssembly.Module.customSections: a section name is required");
    const name = String(sectionName);
    // A name with a lone surrogate equals no section's (UTF-8) name; passed
    // on, it would be encoded with U+FFFD and match that one.
    if (!name.isWellFormed()) return [];
    return rt.customSections(id, name).map((b) => b.slice().buffer);
  }
}

const kindName = (kind) => (kind === "func" ? "function" : kind);

/** A Module of bytes already copied. */
export async function compileBytes(b) {
  coreBinary(b);
  try {
    return adoptModule(await rt.compile(b));
  } catch (e) {
    throw jsError(e);
  }
}

export function validate(bytes) {
  const b = bufferSource(bytes, "WebAssembly.validate");
  return isBinary(b) && !isComponent(b) && rt.validate(b);
}

export async function compile(bytes) {
  return compileBytes(bufferSource(bytes, "WebAssembly.compile"));
}
