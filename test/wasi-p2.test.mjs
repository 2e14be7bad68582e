// WASI preview 2 commands: a component importing `wasi:*` gets the same
// instance config as a preview 1 module, `run()` runs its `wasi:cli/run`,
// and the CLI runs it with the same flags. The fixture is C through the
// preview 1 command adapter (fixtures/components/build.sh).
import test from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as wasm from "../lib/index.js";
import { fixturePath, tempDir, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const text = (bytes) => new TextDecoder().decode(bytes);
const cli = fileURLToPath(new URL("../bin/runtime-wasm.js", import.meta.url));
const commandPath = fixturePath("components/command/command.wasm");
const command = wasm.compileFileSync(commandPath);

/** An input dir holding input.txt and an empty output dir. */
function dirs(prefix) {
  const input = tempDir(`${prefix}-in`);
  const output = tempDir(`${prefix}-out`);
  writeFileSync(`${input}/input.txt`, "some text");
  return { input, output };
}

test("a command component sees its args, env, stdin and preopens; run() gives its output", async () => {
  const { input, output } = dirs("p2");
  const inst = await wasm.instantiate(command, {
    args: ["command", "report", "/in/input.txt", "/out/output.txt"],
    env: { B: "2", A: "1" },
    stdin: "from stdin",
    preopens: { "/in": { path: input, readonly: true }, "/out": output },
    captureStdout: true,
    captureStderr: true,
  });
  const out = await inst.run();
  assert.equal(out.exitCode, 0, text(out.stderr));
  assert.equal(
    text(out.stdout),
    "arg 0: command\narg 1: report\narg 2: /in/input.txt\narg 3: /out/output.txt\n" +
      "env: B=2\nenv: A=1\nstdin: 10 bytes: from stdin\nread /in/input.txt: some text\nwrote /out/output.txt\n",
  );
  assert.equal(text(out.stderr), "to stderr\n");
  assert.equal(readFileSync(`${output}/output.txt`, "utf8"), "SOME TEXT");
});

test("a read-only preopen refuses a component's write; a nonzero exit through the adapter is 1", () => {
  const { input, output } = dirs("p2-ro");
  const out = wasm
    .instantiateSync(command, {
      args: ["command", "report", "/in/input.txt", "/in/output.txt"],
      env: { EXIT_CODE: "3" },
      preopens: { "/in": { path: input, readonly: true }, "/out": output },
      captureStdout: true,
      captureStderr: true,
    })
    .runSync();
  assert.equal(out.exitCode, 1);
  assert.equal(text(out.stderr), "cannot write /in/output.txt: Operation not permitted\nto stderr\n");
  assert.equal(existsSync(`${input}/output.txt`), false);
});

test("without preopens or env a component sees none; uncaptured output is not returned", async () => {
  const inst = await wasm.instantiate(command, { args: ["command", "report", "/in/input.txt", "/out/x"], captureStdout: true });
  const out = await inst.run();
  assert.equal(out.exitCode, 1);
  assert.equal(out.stderr, undefined);
  assert.equal(text(out.stdout), "arg 0: command\narg 1: report\narg 2: /in/input.txt\narg 3: /out/x\nstdin: 0 bytes: \n");
});

test("a component's clocks tell the time and its random source is random", async () => {
  const inst = await wasm.instantiate(command, { args: ["command", "clocks"], captureStdout: true });
  assert.equal(text((await inst.run()).stdout), "wall clock after 2023: yes\nmonotonic clock advanced 2 ms: yes\nrandom differs: yes\n");
});

test("exit-with-code gives its code to run()", async () => {
  // A hand-written command calling wasi:cli/exit#exit-with-code(N).
  const exiting = (n) => `(component
    (import "wasi:cli/exit@0.2.12" (instance $exit
      (export "exit-with-code" (func (param "status-code" u8)))))
    (core func $ewc (canon lower (func $exit "exit-with-code")))
    (core module $m
      (import "x" "ewc" (func $ewc (param i32)))
      (func (export "run") (result i32) i32.const ${n} call $ewc i32.const 0))
    (core instance $x (export "ewc" (func $ewc)))
    (core instance $i (instantiate $m (with "x" (instance $x))))
    (type $r (result))
    (func $run (result $r) (canon lift (core func $i "run")))
    (instance $run_i (export "run" (func $run)))
    (export "wasi:cli/run@0.2.12" (instance $run_i)))`;
  for (const n of [0, 42, 255]) {
    assert.equal((await (await wasm.instantiate(await wasm.compile(exiting(n)))).run()).exitCode, n);
    assert.equal(wasm.instantiateSync(wasm.compileSync(exiting(n))).runSync().exitCode, n);
  }
});

test("fuel and timeoutMs stop a spinning command component; timeoutMs one that sleeps", async () => {
  const spin = { args: ["command", "spin"] };
  await code(async () => (await wasm.instantiate(command, { ...spin, fuel: 20_000_000 })).run(), E.FuelExhausted);
  await code(async () => (await wasm.instantiate(command, { ...spin, timeoutMs: 200 })).run(), E.Timeout);
  await code(() => wasm.instantiateSync(command, { ...spin, timeoutMs: 200 }).runSync(), E.Timeout);
  // A guest sleeping an hour waits on a WASI clock: the deadline ends it too.
  const sleep = { args: ["command", "sleep"], timeoutMs: 200 };
  await code(async () => (await wasm.instantiate(command, sleep)).run(), E.Timeout);
  await code(() => wasm.instantiateSync(command, sleep).runSync(), E.Timeout);
});

test("captureLimit bounds what a component's captured output keeps", async () => {
  const inst = await wasm.instantiate(command, { args: ["c", "report"], captureStdout: true, captureStderr: true, captureLimit: 20 });
  const out = await inst.run();
  assert.equal(out.exitCode, 0);
  assert.equal(text(out.stdout), "arg 0: c\narg 1: repo");
});

test("maxOpenFiles caps a component's descriptors, its preopen included", async () => {
  const { input } = dirs("p2-files");
  const open = async (maxOpenFiles) => {
    const inst = await wasm.instantiate(command, {
      args: ["command", "open", "/in/input.txt", "10"],
      preopens: { "/in": { path: input, readonly: true } },
      captureStdout: true,
      ...(maxOpenFiles === undefined ? {} : { maxOpenFiles }),
    });
    return text((await inst.run()).stdout);
  };
  assert.equal(await open(3), "opened 2\nthen: Out of memory\n");
  assert.equal(await open(undefined), "opened 10\n");
});

test("a component's preopens answer to the policy (5009) and must exist (5010)", async () => {
  const allowed = tempDir("p2-policy");
  const rt = new wasm.Runtime({ policy: { preopen: [allowed] } });
  const id = await rt.compileFile(commandPath);
  await code(() => rt.instantiate(id, { preopens: { "/d": tempDir("p2-outside") } }), E.PermissionDenied);
  await code(() => rt.instantiate(id, { preopens: { "/d": `${allowed}/missing` } }), E.WasiError);
  const inst = await rt.instantiate(id, { preopens: { "/d": allowed }, captureStdout: true });
  assert.equal((await inst.run()).exitCode, 0);
});

test("run() on a component that is not a command is 5003; WASI is not the embedder's to replace", async () => {
  const plain = await wasm.instantiate(
    wasm.compileSync(`(component
      (core module $m (func (export "f") (result i32) i32.const 1))
      (core instance $i (instantiate $m))
      (func (export "f") (result u32) (canon lift (core func $i "f"))))`),
  );
  await code(() => plain.run(), E.ExportNotFound);
  await code(
    () => wasm.instantiate(command, { imports: { "wasi:cli/environment": { getEnvironment: () => [] } } }),
    E.InstantiateError,
  );
});

test("a component importing wasi:http is refused naming it", async () => {
  const http = wasm.compileSync(`(component (import "wasi:http/outgoing-handler@0.2.0" (instance)))`);
  const err = await code(() => wasm.instantiate(http), E.InstantiateError);
  assert.match(err.message, /missing import `wasi:http\/outgoing-handler@0\.2\.0`/);
});

/** Runs the CLI in a child process with `input` on its stdin. */
const runCli = (args, input = "") =>
  spawnSync(process.execPath, [cli, "run", ...args], { input, encoding: "utf8", timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: tempDir("p2-cache") } });

test("runtime-wasm run runs a command component with --dir, --ro-dir and --env", () => {
  const { input, output } = dirs("p2-cli");
  const r = runCli(["--ro-dir", `${input}::/in`, "--dir", `${output}::/out`, "--env", "X=1", commandPath, "report", "/in/input.txt", "/out/o.txt"], "piped");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    `arg 0: ${commandPath}\narg 1: report\narg 2: /in/input.txt\narg 3: /out/o.txt\nenv: X=1\nstdin: 5 bytes: piped\nread /in/input.txt: some text\nwrote /out/o.txt\n`,
  );
  assert.equal(r.stderr, "to stderr\n");
  assert.equal(readFileSync(`${output}/o.txt`, "utf8"), "SOME TEXT");
  const ro = runCli(["--ro-dir", `${input}::/in`, "--env", "EXIT_CODE=5", commandPath, "report", "/in/input.txt", "/in/o.txt"]);
  assert.equal(ro.status, 1, ro.stderr);
  assert.match(ro.stderr, /cannot write \/in\/o\.txt: Operation not permitted/);
});

test("runtime-wasm run --invoke on a component is a usage error saying what to do", () => {
  const r = runCli(["--invoke", "test:types/api@0.1.0#echo-string", fixturePath("components/types/types.wasm"), "hi"]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--invoke calls a module's export; .*types\.wasm is a component/);
});

test("runtime-wasm run stops a spinning command component by fuel (5011) and by timeout (5012)", () => {
  const fuel = runCli(["-W", "fuel=20000000", commandPath, "spin"]);
  assert.equal(fuel.status, 1);
  assert.match(fuel.stderr, /error 5011 FuelExhausted/);
  const timeout = runCli(["-W", "timeout=200ms", commandPath, "spin"]);
  assert.equal(timeout.status, 1);
  assert.match(timeout.stderr, /error 5012 Timeout/);
});

test("a component blocked reading stdin forever is stopped by its timeout", async () => {
  // stdin is a pipe this test never writes to nor closes.
  const child = spawn(process.execPath, [cli, "run", "-W", "timeout=300ms", commandPath, "wait"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const status = await new Promise((resolve) => child.on("exit", resolve));
  child.stdin.destroy();
  assert.equal(status, 1, stderr);
  assert.match(stderr, /error 5012 Timeout/);
  // With stdin closed it reads to the end and exits 0.
  const ended = runCli([commandPath, "wait"], "abc");
  assert.equal(ended.status, 0, ended.stderr);
  assert.equal(ended.stdout, "stdin ended\n");
});

test("runtime-wasm inspect names a command component's world", () => {
  const r = spawnSync(process.execPath, [cli, "inspect", commandPath], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^world root \{$/m);
  assert.match(r.stdout, /^ {2}import wasi:filesystem\/preopens@0\.2\.12;$/m);
  assert.match(r.stdout, /^ {2}export wasi:cli\/run@0\.2\.12;$/m);
});
