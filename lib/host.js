// Runs JS host functions for the addon: each call arrives as a native
// HostCall; the function runs with a Caller as `this` and its result (or
// exception) settles the call. In async calls a returned Promise is awaited
// while the guest waits, suspended, holding no thread.
import { sync } from "./errors.js";
import { ComponentError } from "./component.js";
import { runAsHost, whilePending } from "./inside.js";
import { internals } from "./internals.js";

/** Memory access for a host function while its call lasts (`this` inside it). */
export class Caller {
  #hc;
  /** @internal */
  constructor(hostCall) {
    this.#hc = hostCall;
  }
  /** Reads bytes of the calling instance's memory (`memory` export, else the first; or `name`). */
  read(offset, length, name = null) { return sync(() => this.#hc.read(name, offset, length)); }
  write(offset, bytes, name = null) { return sync(() => this.#hc.write(name, offset, bytes)); }
  readString(offset, length, name = null) { return sync(() => this.#hc.readString(name, offset, length)); }
  writeString(offset, text, name = null) { return sync(() => this.#hc.writeString(name, offset, text)); }
  /** Memory size in 64 KiB pages. */
  size(name = null) { return sync(() => this.#hc.size(name)); }
}

/**
 * Settles `hostCall` with what its function threw: a ComponentError from a
 * component function returning `result<T, E>` answers its error `E`; any
 * other value fails the call, unchanged.
 */
function threw(hostCall, e) {
  if (e instanceof ComponentError && hostCall.returnsResult) return hostCall.resolveErr(e.payload);
  // A wasm exception with a tag: its guest may catch it by that tag.
  const tagged = internals.taggedThrow(e);
  if (tagged !== undefined) hostCall.rejectTagged(tagged.tag, tagged.payload, e);
  else hostCall.reject(e);
}

/** Whether the host function running now was called by a guest waiting on a worker. */
let asyncCall = false;

/** Whether the running host function's guest waits on a worker (an async call: a Promise it returns is awaited). */
export function inAsyncHostCall() {
  return asyncCall;
}

/**
 * Called by the addon on the JS thread for every host-function call;
 * `isAsync` when the guest waits on a worker (a returned Promise is then
 * awaited, and the function's code, after its `await`s too, is known as
 * this call's: see inside.js), false in a synchronous call.
 */
export function dispatch(hostCall, fn, args, isAsync) {
  let result;
  const outer = asyncCall;
  asyncCall = isAsync;
  try {
    const caller = new Caller(hostCall);
    result = isAsync
      ? runAsHost(hostCall, () => fn.apply(caller, args))
      : fn.apply(caller, args);
  } catch (e) {
    threw(hostCall, e);
    return;
  } finally {
    asyncCall = outer;
  }
  const thenable = result !== null && typeof result?.then === "function";
  if (thenable && isAsync) {
    whilePending(Promise.resolve(result)).then((v) => hostCall.resolve(v), (e) => threw(hostCall, e));
    return;
  }
  // A Promise in a sync call fails the call (5007); what it settles to later
  // has nobody to go to.
  if (thenable) Promise.resolve(result).catch(() => {});
  hostCall.resolve(result);
}
