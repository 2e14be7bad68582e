import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixturePath, tempDir } from "./support.mjs";

const cli = fileURLToPath(new URL("../bin/runtime-wasm.js", import.meta.url));
const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 60_000 });

test("run: a WASI program with --dir, --ro-dir and --env exits with its exit code", () => {
  const input = tempDir("cli-in");
  const output = tempDir("cli-out");
  writeFileSync(join(input, "data.txt"), "cli\n");
  const r = run("run", "--ro-dir", `${input}::/in`, "--dir", `${output}::/out`, "--env", "GREETING=yo",
    fixturePath("c/files.wasm"), "/in/data.txt", "/out/copy.txt");
  assert.equal(r.status, 4, r.stderr); // 4 bytes copied
  assert.equal(r.stdout, "yo: copied 4 bytes\n");
  assert.equal(readFileSync(join(output, "copy.txt"), "utf8"), "CLI\n");
  const denied = run("run", "--ro-dir", `${input}::/in`, "--ro-dir", `${output}::/out`, fixturePath("c/files.wasm"), "/in/data.txt", "/out/x.txt");
  assert.equal(denied.status, 4, "fopen for writing failed under --ro-dir");
  assert.equal(existsSync(join(output, "x.txt")), false);
});

test("run --invoke converts arguments by signature and prints results", () => {
  assert.equal(run("run", "--invoke", "add", fixturePath("add.wat"), "2", "3").stdout, "5\n");
  assert.equal(run("run", "--invoke", "add64", fixturePath("add.wat"), "9007199254740993", "1").stdout, "9007199254740994\n");
  assert.equal(run("run", "--invoke", "swap", fixturePath("add.wat"), "7", "1.5").stdout, "1.5\n7\n");
});

test("limits from the command line stop the guest with a one-line error", () => {
  const fuel = run("run", "--fuel", "1000", "--invoke", "spin", fixturePath("traps.wat"), "100000000");
  assert.equal(fuel.status, 1);
  assert.match(fuel.stderr, /^runtime-wasm: error 5011 FuelExhausted: .*\n$/);
  const timeout = run("run", "--timeout", "50", "--invoke", "forever", fixturePath("traps.wat"));
  assert.equal(timeout.status, 1);
  assert.match(timeout.stderr, /^runtime-wasm: error 5012 Timeout/);
  const memory = run("run", "--max-memory", String(3 * 65536), "--invoke", "grow", fixturePath("memory.wat"), "1");
  assert.equal(memory.stdout, "-1\n");
});

test("inspect prints typed imports and exports", () => {
  const r = run("inspect", fixturePath("host.wat"));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /imports \(6\):\n {2}func {3}env\.log: \(i32, i32\) -> \(\)/);
  assert.match(r.stdout, /func {3}square64: \(i64\) -> \(i64\)/);
  assert.match(r.stdout, /memory memory: pages 1\.\./);
});

test("validate answers with the exit status and a one-line reason", () => {
  assert.equal(run("validate", fixturePath("add.wat")).status, 0);
  const bad = join(tempDir("cli-bad"), "bad.wasm");
  writeFileSync(bad, new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 9]));
  const r = run("validate", bad);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^runtime-wasm: error 5000 CompileError: .*offset.*\n$/);
  assert.match(run("validate", "/nope.wasm").stderr, /error 5008 IoError/);
});

test("--help, and usage errors exit 2", () => {
  const help = run("--help");
  assert.equal(help.status, 0);
  for (const word of ["run", "inspect", "validate", "--dir", "--ro-dir", "--env", "--fuel", "--timeout", "--max-memory", "--invoke"]) {
    assert.ok(help.stdout.includes(word), word);
  }
  assert.equal(run("run", "--bogus").status, 2);
  assert.equal(run("frobnicate").status, 2);
  assert.equal(run("run", "--fuel", "lots", "x.wasm").status, 2);
  assert.match(run("run", "/nope.wasm").stderr, /error 5008/);
});
