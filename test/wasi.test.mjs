import test from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as wasm from "../lib/index.js";
import { fixturePath, fixtureText, tempDir, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const text = (bytes) => new TextDecoder().decode(bytes);
const hello = wasm.compileSync(fixtureText("wasi_hello.wat"));
const files = wasm.compileFileSync(fixturePath("c/files.wasm"));

test("run returns the exit code and captured output", async () => {
  const inst = await wasm.instantiate(hello, { captureStdout: true, captureStderr: true });
  const out = await inst.run();
  assert.equal(out.exitCode, 0);
  assert.equal(text(out.stdout), "hello from wasi\n");
  assert.equal(text(out.stderr), "to stderr\n");
  const sync = wasm.instantiateSync(hello, { captureStdout: true }).runSync();
  assert.equal(text(sync.stdout), "hello from wasi\n");
  assert.equal(sync.stderr, undefined, "stderr was not captured");
});

test("captureLimit bounds what each captured stream keeps", async () => {
  const out = await (await wasm.instantiate(hello, { captureStdout: true, captureStderr: true, captureLimit: 5 })).run();
  assert.equal(out.exitCode, 0);
  assert.equal(text(out.stdout), "hello");
  assert.equal(text(out.stderr), "to st");
});

test("proc_exit(n) in run is exit code n; stdin comes from a string or bytes", async () => {
  const fromBytes = await wasm.instantiate(hello, { stdin: new Uint8Array([42]) });
  assert.equal((await fromBytes.run()).exitCode, 42);
  const fromString = await wasm.instantiate(hello, { stdin: "\u0007" });
  assert.equal((await fromString.run()).exitCode, 7);
});

test("takeStdout drains what reactor-style calls printed", async () => {
  const inst = await wasm.instantiate(hello, { captureStdout: true });
  assert.deepEqual(await inst.call("say"), []);
  assert.deepEqual(inst.callSync("say"), []);
  assert.equal(text(inst.takeStdout()), "hello from wasi\nhello from wasi\n");
  assert.equal(inst.takeStdout().length, 0);
  assert.equal(inst.takeStderr().length, 0);
});

test("proc_exit inside call rejects with 5010 and exitCode, 0 included", async () => {
  const inst = await wasm.instantiate(hello);
  const zero = await code(() => inst.call("quit", 0), E.WasiError);
  assert.equal(zero.exitCode, 0);
  const three = await code(() => inst.callSync("quit", 3), E.WasiError);
  assert.equal(three.exitCode, 3);
});

function filesConfig(input, output, readonlyOut) {
  return {
    preopens: { "/in": { path: input, readonly: true }, "/out": readonlyOut ? { path: output, readonly: true } : output },
    env: { GREETING: "hey" },
    args: ["files", "/in/data.txt", "/out/copy.txt"],
    captureStdout: true,
    captureStderr: true,
  };
}

test("a C program reads from one preopen and writes to another", async () => {
  const input = tempDir("in");
  const output = tempDir("out");
  writeFileSync(`${input}/data.txt`, "abc xyz\n");
  const inst = await wasm.instantiate(files, filesConfig(input, output, false));
  const out = await inst.run();
  assert.equal(out.exitCode, 8, text(out.stderr));
  assert.equal(text(out.stdout), "hey: copied 8 bytes\n");
  assert.equal(readFileSync(`${output}/copy.txt`, "utf8"), "ABC XYZ\n");
});

test("a read-only preopen refuses the guest's writes", async () => {
  const input = tempDir("ro-in");
  const output = tempDir("ro-out");
  writeFileSync(`${input}/data.txt`, "abc");
  const out = await (await wasm.instantiate(files, filesConfig(input, output, true))).run();
  assert.equal(out.exitCode, 4, "fopen for writing failed in the guest");
  assert.equal(existsSync(`${output}/copy.txt`), false);
  // The input preopen is read-only too: writing there fails the same way.
  const cfg = filesConfig(input, output, false);
  cfg.args = ["files", "/in/data.txt", "/in/copy.txt"];
  assert.equal((await (await wasm.instantiate(files, cfg)).run()).exitCode, 4);
  assert.equal(existsSync(`${input}/copy.txt`), false);
});

test("bad WASI config is 5010; preopening / is 5009", async () => {
  await code(() => wasm.instantiate(hello, { preopens: { "/x": "/definitely/not/here" } }), E.WasiError);
  await code(() => wasm.instantiate(hello, { preopens: { "/x": fixturePath("add.wat") } }), E.WasiError);
  await code(() => wasm.instantiate(hello, { captureStdout: true, inheritStdout: true }), E.WasiError);
  await code(() => wasm.instantiate(hello, { stdin: "x", inheritStdin: true }), E.WasiError);
  await code(() => wasm.instantiateSync(hello, { env: { "A=B": "c" } }), E.WasiError);
  await code(() => wasm.instantiate(hello, { preopens: { "/": "/" } }), E.PermissionDenied);
  await code(() => wasm.instantiate(hello, { env: { A: 1 } }), E.TypeError);
  await code(() => wasm.instantiate(hello, { args: "nope" }), E.TypeError);
  await code(() => wasm.instantiate(hello, "nope"), E.TypeError);
});
