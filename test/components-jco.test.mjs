// Differential: the `types` component (fixtures/components/types) called
// through runtime-wasm and through jco's transpiled output on V8 (transpiled
// here, by @bytecodealliance/jco-transpile from npm, with jco's
// ComponentError wrapping), value by value: edge numbers, NaN, -0, u64
// limits, astral characters, empty lists, every WIT type, a resource.
import test from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as wasm from "../lib/index.js";
import { outcome } from "./reference/stories.mjs";
import { transpile } from "./reference/transpile.mjs";
import { fixturePath } from "./support.mjs";

const file = fixturePath("components/types/types.wasm");

/** jco's module for the component, or why there is none. */
async function transpiled() {
  const out = await transpile(file, "types", { noComponentErrorWrapping: false });
  return out.why ? out : { module: await import(out.module) };
}

const cases = [
  ["echoString", ""], ["echoString", "héllo"], ["echoString", "🎉 \u{10FFFF} 𝄞"], ["echoString", "\0"],
  ["echoString", "\uD800 lone"], ["echoString", "x".repeat(70_000)],
  ["addU64", 2n ** 64n - 1n, 1n], ["addU64", 0n, 0n], ["addU64", 2n ** 63n, 2n ** 63n], ["addU64", 2n ** 53n, 1n],
  ["negS64", -(2n ** 63n)], ["negS64", 0n], ["negS64", 2n ** 63n - 1n],
  ["mix", 255, -128, 65535, -32768, 1.5, -0, "🎉", true],
  ["mix", 0, 127, 0, 32767, NaN, NaN, "a", false],
  ["mix", 1, -1, 2, -2, -0, Infinity, "\u{10FFFF}", true],
  ["mix", 0, 0, 0, 0, 3.4028235e38, -Infinity, "é", false],
  ["mix", 0, 0, 0, 0, 1e-46, Number.MIN_VALUE, "z", true],
  ["mix", 0, 0, 0, 0, 16777217, 2 ** 53 + 1, "z", true],
  ["reverseBytes", new Uint8Array()], ["reverseBytes", new Uint8Array([0, 255, 7])],
  ["sumList", []], ["sumList", [2 ** 31 - 1, 1]], ["sumList", [-5, 5, -(2 ** 31)]],
  ["older", { name: "", age: 0, tags: [] }],
  ["older", { name: "Ann", age: 254, tags: ["a", "", "🎉"], home: { x: -(2 ** 31), y: 2 ** 31 - 1 } }],
  ["area", { tag: "circle", val: 2 }], ["area", { tag: "rect", val: [2.5, -4] }], ["area", { tag: "empty" }],
  ["nextColor", "red"], ["nextColor", "green"], ["nextColor", "blue"],
  ["flip", {}], ["flip", { read: true, write: true, exec: true }], ["flip", { write: true }],
  ["checkedDiv", 7, 2], ["checkedDiv", 1, 0], ["checkedDiv", -(2 ** 31), -1], ["checkedDiv", -7, 2],
  ["first", []], ["first", ["", "x"]], ["first", ["🎉"]],
  ["maybeMaybe", { tag: "none" }], ["maybeMaybe", { tag: "some", val: undefined }], ["maybeMaybe", { tag: "some", val: 0 }],
  ["maybeMaybe", { tag: "some", val: 2 ** 32 - 1 }],
  ["swap", { tag: "ok", val: 5 }], ["swap", { tag: "err", val: "e" }], ["swap", { tag: "err", val: "" }],
  ["repeat", "ab", 3], ["repeat", "", 5], ["repeat", "🎉", 0],
  ["grow", 0],
  ["bump", { id: 2 ** 32 - 1, name: "🎉", score: -0, active: false, balance: -(2n ** 63n), level: 255, email: "", ratio: NaN, tags: [], avatar: new Uint8Array() }],
];

test("the types component gives the same values through runtime-wasm as through jco on V8", async (t) => {
  const jco = await transpiled();
  if (jco.why) return t.skip(jco.why);
  const ours = wasm.instantiateSync(wasm.compileFileSync(file)).exports.api;
  const theirs = jco.module.api;
  for (const [name, ...args] of cases) {
    const label = `${name}(${args.map((a) => inspect(a, { breakLength: Infinity }).slice(0, 60)).join(", ")})`;
    assert.deepEqual(outcome(() => ours[name](...args)), outcome(() => theirs[name](...args)), label);
  }
  // Resources: constructed, called, borrowed, moved into the guest.
  const story = (api) => {
    const c = new api.Counter(5);
    return [c.increment(2), c.get(), api.total(c), c.get(), api.Counter.make(3).get(), api.consume(api.Counter.make(4))];
  };
  assert.deepEqual(story(ours), story(theirs));
  // The same through `call`: an array of the one result.
  assert.deepEqual(await wasm.instantiateSync(wasm.compileFileSync(file)).call("api#add-u64", 2n ** 64n - 1n, 2n), [theirs.addU64(2n ** 64n - 1n, 2n)]);
});
