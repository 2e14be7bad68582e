// Which async host functions the running JS code descends from, through its
// `await`s too (an AsyncLocalStorage context): operations it starts on the
// store of one of them run inside that host call while its guest still
// waits on it, where they would otherwise wait for that very call.
import { AsyncLocalStorage } from "node:async_hooks";

/** `{ hostCall, up }`: the native call whose function runs, and the one around it. */
const inside = new AsyncLocalStorage();

/**
 * Async host functions whose Promise has not settled: while there is none,
 * no host call waits on code after an `await`, and operations need no mark
 * (the common case, a number's check).
 */
let pending = 0;

/** Runs `fn`, the async host function of the native `hostCall`. */
export function runAsHost(hostCall, fn) {
  return inside.run({ hostCall, up: inside.getStore() }, fn);
}

/** Counts `promise`, an async host function's answer, as pending until it settles. */
export function whilePending(promise) {
  pending++;
  const settled = () => {
    pending--;
  };
  promise.then(settled, settled);
  return promise;
}

/** Whether the running code needs no mark (the common case, checked first). */
export function outsideHost() {
  return pending === 0 || inside.getStore() === undefined;
}

/** Runs `fn`, a native operation, marked as the code of the host calls it descends from. */
export function asHostCode(fn) {
  return pending === 0 ? fn() : within(inside.getStore(), fn);
}

function within(c, fn) {
  if (c === undefined) return fn();
  // Outermost first, so the innermost call is the one found first.
  return within(c.up, () => c.hostCall.runInside(fn));
}
