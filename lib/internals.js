// What the package's own modules share and its users do not see: accessors
// that classes of index.js set from their static blocks.
export const internals = {
  /** `instanceId:handle` of a TableFunction: one per function of an instance. */
  functionKey: () => undefined,
  /** The same key for an exported function of `instance.exports`. */
  exportKey: () => undefined,
  /** Sets `len` entries of a Table from `start` to `value`, in one call. */
  tableFill: () => undefined,
  /** Forgets a module handle of a Runtime; its instances live on. */
  forgetModule: () => undefined,
  /** The object standing for a tag name (`{ host, id }`) with parameters `params`: the one living, or a new Tag. */
  tagObject: () => undefined,
  /** The tag name (`{ host, id }`) of a Tag of `instance.exports`. */
  tagRef: () => undefined,
  /** Makes an object the one standing for a tag name, while it lives. */
  rememberTag: () => undefined,
  /** `{ tag, payload }` when a thrown value is a wasm exception of a tag (the namespace's `WebAssembly.Exception`). */
  taggedThrow: () => undefined,
  /** The code new instances of a namespace `WebAssembly.Module` get. */
  namespaceTier: () => undefined,
};
