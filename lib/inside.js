// Which async host functions the running JS code descends from, through its
// `await`s too (an AsyncLocalStorage context): operations it starts on the
// store of one of them run inside that host call while its guest still
// waits on it, where they would otherwise wait for that very call.
import { AsyncLocalStorage } from "node:async_hooks";

/** `{ hostCall, up }`: the native call whose function runs, and the one around it. */
const inside = new AsyncLocalStorage();

/** Runs `fn`, the async host function of the native `hostCall`. */
export function runAsHost(hostCall, fn) {
  return inside.run({ hostCall, up: inside.getStore() }, fn);
}

/** Whether the running code is no async host function's (the common case, checked first). */
export function outsideHost() {
  return inside.getStore() === undefined;
}

/** Runs `fn`, a native operation, marked as the code of the host calls it descends from. */
export function asHostCode(fn) {
  return within(inside.getStore(), fn);
}

function within(c, fn) {
  if (c === undefined) return fn();
  // Outermost first, so the innermost call is the one found first.
  return within(c.up, () => c.hostCall.runInside(fn));
}
