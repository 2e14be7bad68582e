// Host functions: a guest calls JavaScript. Strings cross through guest
// memory with the guest's own allocator, the guest prints through `js_log`,
// and calls JS callbacks through a table index. Run: node examples/host-functions.mjs
import { readFileSync } from "node:fs";
import * as wasm from "../lib/index.js";

const source = readFileSync(new URL("../fixtures/host.wat", import.meta.url), "utf8");
const inst = await wasm.instantiate(await wasm.compile(source), {
  imports: {
    env: {
      // `this` is the caller: the guest's memory while the call lasts.
      log(ptr, len) { console.log(`guest says: ${this.readString(ptr, len)}`); },
      mul64: (a, b) => BigInt.asIntN(64, a * b), // i64 arrives and leaves as bigint
      pair: (x) => [Math.floor(x), x * 2], // several results: an array
      now: () => performance.now(),
      double: (x) => x * 2, // table entry 0
      negate: (x) => -x, // table entry 1
    },
  },
});

// A string into guest memory through the guest's allocator, changed in place.
const text = new TextEncoder().encode("hello from javascript");
const [ptr] = await inst.call("alloc", text.length); // results come as an array
await inst.memory.write(ptr, text);
await inst.call("shout", ptr, text.length);
console.log(`back in JS: ${await inst.memory.readString(ptr, text.length)}`);
await inst.call("dealloc", ptr, text.length);

const [square] = await inst.call("square64", 3_000_000_000n);
console.log("square64(3e9)       =", square);
console.log("pair(2.5)           =", await inst.call("pair", 2.5)); // two results
const [viaTable] = await inst.call("callback", 0, 21);
console.log("callback #0 with 21 =", viaTable);
console.log("callback #1 with 21 =", inst.exports.callback(1, 21)); // one result, bare

// An async host function: the guest waits on its worker thread.
const slow = await wasm.instantiate(await wasm.compile(source), {
  imports: {
    env: {
      async log(ptr, len) {
        await new Promise((r) => setTimeout(r, 10));
        console.log(`guest says, after an await: ${this.readString(ptr, len)}`);
      },
      mul64: () => 0n, pair: () => [0, 0], now: () => 0, double: (x) => x, negate: (x) => x,
    },
  },
});
const msg = new TextEncoder().encode("patience");
const [p2] = await slow.call("alloc", msg.length);
await slow.memory.write(p2, msg);
await slow.call("shout", p2, msg.length);
