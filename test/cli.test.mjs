import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixturePath, tempDir } from "./support.mjs";

const cli = fileURLToPath(new URL("../bin/runtime-wasm.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** The cache the CLI children use unless a test says otherwise (never the user's own). */
const xdgCache = tempDir("cli-xdg-cache");

/** Runs the CLI in a child process; `env` replaces the variables named in it (undefined removes one). */
function runWith(env, ...args) {
  const childEnv = { ...process.env, XDG_CACHE_HOME: xdgCache };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 60_000, env: childEnv });
}
const run = (...args) => runWith({}, ...args);

const files = fixturePath("c/files.wasm");
const add = fixturePath("add.wat");
const traps = fixturePath("traps.wat");

/** A temp input dir holding data.txt ("cli\n") and an empty output dir. */
function dirs() {
  const input = tempDir("cli-in");
  const output = tempDir("cli-out");
  writeFileSync(join(input, "data.txt"), "cli\n");
  return { input, output };
}

/** Writes `content` to a fresh temp file `name`; returns its path. */
function tempFile(name, content) {
  const path = join(tempDir("cli-file"), name);
  writeFileSync(path, content);
  return path;
}

/** Asserts a usage error: status 2, one line on stderr matching `pattern`, nothing on stdout. */
function usage(r, pattern) {
  assert.equal(r.status, 2, `status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /^runtime-wasm: .*\(see runtime-wasm( run)? --help\)\n$/);
  if (pattern) assert.match(r.stderr, pattern);
  assert.equal(r.stdout, "");
}

test("run: a WASI program with --dir, --ro-dir and --env exits with its exit code", () => {
  const { input, output } = dirs();
  const r = run("run", "--ro-dir", `${input}::/in`, "--dir", `${output}::/out`, "--env", "GREETING=yo",
    files, "/in/data.txt", "/out/copy.txt");
  assert.equal(r.status, 4, r.stderr); // 4 bytes copied
  assert.equal(r.stdout, "yo: copied 4 bytes\n");
  assert.equal(readFileSync(join(output, "copy.txt"), "utf8"), "CLI\n");
  const denied = run("run", "--ro-dir", `${input}::/in`, "--ro-dir", `${output}::/out`, files, "/in/data.txt", "/out/x.txt");
  assert.equal(denied.status, 4, "fopen for writing failed under --ro-dir");
  assert.equal(existsSync(join(output, "x.txt")), false);
});

test("run: --dir=… and --env=… (the = spelling), and --dir HOST alone preopens HOST under its own name", () => {
  const { input, output } = dirs();
  const r = run("run", `--ro-dir=${input}::/in`, `--dir=${output}`, "--env=GREETING=a=b", files, "/in/data.txt", `${output}/copy.txt`);
  assert.equal(r.status, 4, r.stderr);
  assert.equal(r.stdout, "a=b: copied 4 bytes\n", "only the first = splits NAME from VALUE");
  assert.equal(readFileSync(join(output, "copy.txt"), "utf8"), "CLI\n");
  // A guest path outside every preopen fails to open (exit 3 from the program).
  assert.equal(run("run", `--dir=${output}::/out`, files, "/in/data.txt", "/out/y.txt").status, 3);
});

test("run: --env NAME inherits NAME from the host; unset on the host, it stays unset in the guest", () => {
  const { input, output } = dirs();
  const args = ["run", "--ro-dir", `${input}::/in`, "--dir", `${output}::/out`];
  const inherited = runWith({ GREETING: "from-host" }, ...args, "--env", "GREETING", files, "/in/data.txt", "/out/a.txt");
  assert.equal(inherited.stdout, "from-host: copied 4 bytes\n", inherited.stderr);
  const equals = runWith({ GREETING: "eq" }, ...args, "--env=GREETING", files, "/in/data.txt", "/out/b.txt");
  assert.equal(equals.stdout, "eq: copied 4 bytes\n", equals.stderr);
  const unset = runWith({ GREETING: undefined }, ...args, "--env", "GREETING", files, "/in/data.txt", "/out/c.txt");
  assert.equal(unset.stdout, "hello: copied 4 bytes\n", unset.stderr); // the program's default when GREETING is unset
  // Host variables not named are not passed.
  const none = runWith({ GREETING: "leak" }, ...args, files, "/in/data.txt", "/out/d.txt");
  assert.equal(none.stdout, "hello: copied 4 bytes\n", none.stderr);
  // The last --env for a name wins.
  const last = run(...args, "--env", "GREETING=one", "--env", "GREETING=two", files, "/in/data.txt", "/out/e.txt");
  assert.equal(last.stdout, "two: copied 4 bytes\n", last.stderr);
});

test("run: words after FILE go to the guest, even ones that look like options", () => {
  // files.wasm prints its usage and exits 2 unless it gets exactly IN and OUT.
  const r = run("run", files, "--dir", "x", "--fuel");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^usage: .* IN OUT\n$/);
  // `--` ends the options too.
  assert.equal(run("run", "--", files, "a").status, 2);
});

test("run --invoke NAME and --invoke=NAME convert arguments by signature and print each result on its own line", () => {
  assert.equal(run("run", "--invoke", "add", add, "2", "3").stdout, "5\n");
  assert.equal(run("run", "--invoke=add", add, "2", "-3").stdout, "-1\n");
  assert.equal(run("run", "--invoke", "add64", add, "9007199254740993", "1").stdout, "9007199254740994\n");
  assert.equal(run("run", "--invoke", "addf64", add, "0.5", "0.25").stdout, "0.75\n");
  assert.equal(run("run", "--invoke", "swap", add, "7", "1.5").stdout, "1.5\n7\n");
  const nothing = run("run", "--invoke", "nothing", add);
  assert.equal(nothing.status, 0, nothing.stderr);
  assert.equal(nothing.stdout, "", "no results, no output");
  assert.equal(run("run", "--invoke", "answer", add).stdout, "42\n");
});

test("run --invoke: a bad argument or argument count is a usage error; a missing export is 5003", () => {
  usage(run("run", "--invoke", "add", add, "2"), /add takes 2 argument\(s\) \(i32, i32\), got 1/);
  usage(run("run", "--invoke", "add", add, "2", "1.5"), /"1\.5" is not an integer/);
  usage(run("run", "--invoke", "addf64", add, "2", "x"), /"x" is not a number/);
  usage(run("run", "--invoke", "add", add, "2", "4294967296"), /does not fit an i32/);
  usage(run("run", "--invoke", add), /--invoke needs a value|run needs a FILE/);
  const missing = run("run", "--invoke", "nope", add);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^runtime-wasm: error 5003 ExportNotFound: .*nope/);
});

test("run --invoke of an export that calls proc_exit(n) exits with status n", () => {
  const hello = fixturePath("wasi_hello.wat");
  for (const n of [0, 3, 42]) {
    const r = run("run", "--invoke", "quit", hello, String(n));
    assert.equal(r.status, n, r.stderr);
    assert.equal(r.stderr, "");
  }
  // A WASI command's own proc_exit: stdin's first byte is the status.
  const r = spawnSync(process.execPath, [cli, "run", hello], { input: "\x07", encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 7, r.stderr);
  assert.equal(r.stdout, "hello from wasi\n");
});

test("-W fuel=N and --fuel N stop the guest with error 5011", () => {
  for (const flags of [["-W", "fuel=1000"], ["-Wfuel=1000"], ["--wasm", "fuel=1_000"], ["--fuel", "1000"], ["--fuel=0x3e8"]]) {
    const r = run("run", ...flags, "--invoke", "spin", traps, "100000000");
    assert.equal(r.status, 1, `${flags}: ${r.stderr}`);
    assert.match(r.stderr, /^runtime-wasm: error 5011 FuelExhausted: /, String(flags));
    assert.match(r.stderr, /\ntrap: out of fuel\n/, String(flags));
  }
  // Enough fuel: the call finishes.
  assert.equal(run("run", "-W", "fuel=1000000", "--invoke", "spin", traps, "10").stdout, "10\n");
});

test("-W timeout=DURATION and --timeout MS stop a call with error 5012", () => {
  // 50ms, 50000us, 50000000ns, --timeout 50 (ms), and a bare number: seconds, as wasmtime reads it.
  const spellings = [["-W", "timeout=50ms"], ["-Wtimeout=50000us"], ["-W", "timeout=50000000ns"], ["--timeout", "50"], ["--timeout=50"], ["-W", "timeout=1"], ["-W", "timeout=1s"]];
  for (const flags of spellings) {
    const r = run("run", ...flags, "--invoke", "forever", traps);
    assert.equal(r.status, 1, `${flags}: ${r.stderr}`);
    assert.match(r.stderr, /^runtime-wasm: error 5012 Timeout: /, String(flags));
  }
  // A generous timeout lets a short call finish.
  assert.equal(run("run", "-W", "timeout=60s", "--invoke", "add", add, "1", "2").stdout, "3\n");
});

test("-W max-memory-size=BYTES and --max-memory BYTES cap memory growth", () => {
  const memory = fixturePath("memory.wat");
  for (const flags of [["-W", `max-memory-size=${3 * 65536}`], [`-Wmax-memory-size=${3 * 65536}`], ["--max-memory", String(3 * 65536)], [`--max-memory=${3 * 65536}`]]) {
    assert.equal(run("run", ...flags, "--invoke", "grow", memory, "1").stdout, "-1\n", String(flags));
  }
  // Without a cap the same growth succeeds (grow returns the old size in pages).
  assert.notEqual(run("run", "--invoke", "grow", memory, "1").stdout, "-1\n");
  // Several -W options in one word, comma-separated.
  const both = run("run", "-W", `fuel=1000,max-memory-size=${3 * 65536}`, "--invoke", "spin", traps, "100000000");
  assert.match(both.stderr, /error 5011/);
});

test("bad numbers and unknown -W options are usage errors (exit 2)", () => {
  const f = add;
  usage(run("run", "--fuel", "1.5", f), /--fuel takes a whole non-negative number, got "1\.5"/);
  usage(run("run", "--fuel", "lots", f), /--fuel/);
  usage(run("run", "--fuel=-1", f), /--fuel/);
  usage(run("run", "-W", "fuel=abc", f), /-W fuel takes a whole non-negative number, got "abc"/);
  usage(run("run", "-W", "fuel=", f), /-W fuel needs a value/);
  usage(run("run", "-W", "fuel", f), /-W fuel needs a value/);
  usage(run("run", "-W", "fuel=18446744073709551616", f), /too large/);
  usage(run("run", "--timeout", "1.5", f), /--timeout/);
  usage(run("run", "-W", "timeout=1.5s", f), /-W timeout takes a duration/);
  usage(run("run", "-W", "timeout=fast", f), /-W timeout takes a duration/);
  usage(run("run", "-W", "timeout=1m", f), /-W timeout takes a duration/); // wasmtime has no minutes either
  usage(run("run", "-W", "max-memory-size=64k", f), /-W max-memory-size/);
  usage(run("run", "--max-memory", "1e6", f), /--max-memory/);
  usage(run("run", "-W", "max-wasm-stack=1000", f), /-W max-wasm-stack is not supported/);
  usage(run("run", "-W", "fuel=1,bogus=2", f), /-W bogus is not supported/);
});

test("usage errors: unknown options and commands, missing values and FILE", () => {
  usage(run("run", "--bogus", add), /unknown option --bogus/);
  usage(run("run", "-x", add), /unknown option -x/);
  usage(run("run", "--bogus"), /unknown option --bogus/);
  usage(run("frobnicate"), /unknown command "frobnicate"/);
  usage(run("run"), /run needs a FILE/);
  usage(run("run", "--dir"), /--dir needs a value/);
  usage(run("run", "--dir", "::/guest", add), /--dir takes HOST\[::GUEST\]/);
  usage(run("run", "--env", "=x", add), /--env takes NAME=VALUE or NAME/);
  const d = tempDir("cli-twice");
  usage(run("run", "--dir", `${d}::/a`, "--ro-dir", `${d}::/a`, add), /"\/a" is preopened twice/);
  usage(run("inspect"), /inspect takes one FILE/);
  usage(run("validate", add, add), /validate takes one FILE/);
  assert.match(run("run", "/nope.wasm").stderr, /^runtime-wasm: error 5008 IoError: cannot read `\/nope\.wasm`/);
});

test("a WAT syntax error keeps its FILE:line:column", () => {
  const bad = tempFile("bad.wat", "(module\n  (func (export \"f\")\n    i32.const 1\n    i32.frobnicate))\n");
  for (const command of [["run", "--invoke", "f"], ["validate"], ["inspect"]]) {
    const r = run(...command, bad);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^runtime-wasm: error 5000 CompileError: /);
    assert.ok(r.stderr.includes(`${bad}:4:5`), r.stderr);
    assert.match(r.stderr, /frobnicate/);
    assert.doesNotMatch(r.stderr, /<anon>/);
  }
});

test("a file that is neither wasm nor WAT says so", () => {
  const script = tempFile("script.sh", "#!/bin/sh\necho hello\n");
  const binary = tempFile("blob.bin", new Uint8Array([0x7e, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x01]));
  const commented = tempFile("commented.wat", ";; a comment\n(; a block (; nested ;) comment ;)\nmodule\n");
  for (const file of [script, binary, commented]) {
    for (const command of [["run"], ["validate"], ["inspect"]]) {
      const r = run(...command, file);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^runtime-wasm: error 5000 CompileError: .* is neither a wasm binary \(it does not start with the \\0asm magic\) nor WAT text/);
      assert.equal(r.stderr.split("\n").length, 2, "one line");
    }
  }
  assert.match(run("run", script).stderr, /line 1 starts with "#!\/bin\/sh/);
  assert.match(run("run", binary).stderr, /not UTF-8/);
  assert.match(run("run", commented).stderr, /line 3 starts with "module/);
  // Native code is a precompiled artifact: refused without --allow-precompiled,
  // and not loaded when it is not one of ours.
  const elf = tempFile("blob.cwasm", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x01]));
  assert.match(run("run", elf).stderr, /^runtime-wasm: error 5009 PermissionDenied: .*precompiled artifact/);
  assert.match(run("run", "--allow-precompiled", elf).stderr, /^runtime-wasm: error 5000 CompileError: .*not an artifact of `precompile`/);
  // Comments before the module are fine.
  const ok = tempFile("ok.wat", ";; comment\n(; block ;)\n(module (func (export \"f\") (result i32) i32.const 9))\n");
  assert.equal(run("run", "--invoke", "f", ok).stdout, "9\n");
});

test("a trap prints its kind and the wasm backtrace, without wasmtime's dangling header", () => {
  const r = run("run", "--invoke", "crash", fixturePath("cli_trap.wat"));
  assert.equal(r.status, 1);
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(lines[0], /^runtime-wasm: error 5002 CallError: \S/);
  assert.doesNotMatch(r.stderr, /error while executing at wasm backtrace/);
  assert.doesNotMatch(lines[0], /0x[0-9a-f]+ - /, "no frames inside the message line");
  assert.equal(lines[1], "trap: unreachable");
  assert.equal(lines[2], "wasm backtrace:");
  assert.match(lines[3], /^ +0: +0x[0-9a-f]+ - inner$/);
  assert.match(lines[4], /^ +1: +0x[0-9a-f]+ - outer$/);
  assert.equal(lines.length, 5);
  // An unnamed function is shown by its index.
  const unnamed = run("run", "--invoke", "unreachable", traps);
  assert.match(unnamed.stderr, /\ntrap: unreachable\nwasm backtrace:\n +0: +0x[0-9a-f]+ - <wasm function 0>\n$/);
  const div = run("run", "--invoke", "div", traps, "1", "0");
  assert.match(div.stderr, /\ntrap: integer divide by zero\n/);
});

test("inspect prints typed imports and exports", () => {
  const r = run("inspect", fixturePath("host.wat"));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /imports \(6\):\n {2}func {3}env\.log: \(i32, i32\) -> \(\)/);
  assert.match(r.stdout, /func {3}square64: \(i64\) -> \(i64\)/);
  assert.match(r.stdout, /memory memory: pages 1\.\./);
});

test("inspect prints a component's world as WIT, then its imports and exports", () => {
  const r = run("inspect", fixturePath("components/adder.wat"));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^component; its world:\npackage root:component;\n/);
  assert.match(r.stdout, /export add: func\(a: u32, b: u32\) -> u32;/);
  assert.match(r.stdout, /imports \(1\):\n {2}instance {2}test:demo\/logger\nexports \(1\):\n {2}func {6}add\n$/);
});

test("inspect --dts prints a component's exports as TypeScript; a module is a usage error", () => {
  const r = run("inspect", "--dts", fixturePath("components/adder.wat"));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^export declare function add\(a: number, b: number\): number;$/m);
  const m = run("inspect", "--dts", add);
  assert.equal(m.status, 2);
  assert.match(m.stderr, /inspect --dts takes a component/);
});

test("validate answers with the exit status and a one-line reason", () => {
  assert.equal(run("validate", add).status, 0);
  const bad = tempFile("bad.wasm", new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 9]));
  const r = run("validate", bad);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^runtime-wasm: error 5000 CompileError: .*offset.*\n$/);
  assert.match(run("validate", "/nope.wasm").stderr, /error 5008 IoError/);
});

test("--version prints package.json's version", () => {
  for (const flag of ["--version", "-V"]) {
    const r = run(flag);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `runtime-wasm ${pkg.version}\n`);
  }
});

test("--help and run --help list the commands and flags", () => {
  const help = run("--help");
  assert.equal(help.status, 0);
  for (const word of ["run", "inspect", "validate", "--version", "--dir", "--ro-dir", "--env", "-W fuel=", "-W timeout=", "-W max-memory-size=", "--fuel", "--timeout", "--max-memory", "--invoke"]) {
    assert.ok(help.stdout.includes(word), word);
  }
  const runHelp = run("run", "--help");
  assert.equal(runHelp.status, 0, runHelp.stderr);
  assert.match(runHelp.stdout, /^Usage: runtime-wasm run \[options\] FILE \[ARGS\.\.\.\]/);
  for (const word of ["--dir HOST[::GUEST]", "--ro-dir", "--env NAME=VALUE", "--env NAME", "fuel=N", "timeout=DURATION", "max-memory-size=BYTES", "--fuel N", "--timeout MS", "--max-memory BYTES", "--invoke NAME", "proc_exit"]) {
    assert.ok(runHelp.stdout.includes(word), word);
  }
  assert.equal(run("run", "-h").stdout, runHelp.stdout);
  assert.equal(run("help", "run").stdout, runHelp.stdout);
  assert.equal(run("run", "-W", "help").stdout, runHelp.stdout);
  // With no command at all: the help, as a usage error.
  const bare = run();
  assert.equal(bare.status, 2);
  assert.equal(bare.stdout, help.stdout);
});

/** The compiled entries in a cache directory (not their stamps); none when it does not exist. */
function cacheEntries(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".cwasm")) : [];
}

test("compile -o writes a .cwasm that run loads only with --allow-precompiled", () => {
  const dir = tempDir("cli-cwasm");
  const out = join(dir, "add.cwasm");
  let r = run("compile", add, "-o", out);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(out).subarray(0, 4).equals(Buffer.from("\x7fELF", "latin1")));
  r = run("run", "--invoke", "add", out, "2", "40");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error 5009 PermissionDenied: .*precompiled artifact \(native code\)/);
  r = run("run", "--allow-precompiled", "--invoke", "add", out, "2", "40");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "42\n");
  // Without -o, FILE's name with .cwasm.
  const copy = join(dir, "copy.wat");
  writeFileSync(copy, readFileSync(add));
  assert.equal(run("compile", copy).status, 0);
  assert.ok(existsSync(join(dir, "copy.cwasm")));
  r = run("compile", add, "-o", out, "--cache");
  assert.equal(r.status, 2);
  assert.match(run("help", "compile").stdout, /Usage: runtime-wasm compile/);
});

test("run caches optimized code in $XDG_CACHE_HOME/runtime-wasm, --cache-dir elsewhere, --no-cache nowhere", async () => {
  const xdg = tempDir("cli-xdg");
  let r = runWith({ XDG_CACHE_HOME: xdg }, "run", "--no-cache", "--invoke", "add", add, "1", "2");
  assert.equal(r.stdout, "3\n", r.stderr);
  assert.deepEqual(cacheEntries(join(xdg, "runtime-wasm")), []);
  // compile --cache fills the cache at once; run starts from it.
  r = runWith({ XDG_CACHE_HOME: xdg }, "compile", "--cache", add);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(cacheEntries(join(xdg, "runtime-wasm")).length, 1);
  r = runWith({ XDG_CACHE_HOME: xdg }, "run", "--invoke", "add", add, "1", "2");
  assert.equal(r.stdout, "3\n", r.stderr);
  // A first run leaves a background process that fills the cache it names.
  const elsewhere = tempDir("cli-cache-dir");
  r = run("run", "--cache-dir", elsewhere, "--invoke", "div", traps, "6", "3");
  assert.equal(r.stdout, "2\n", r.stderr);
  // Bounded only as a guard against a hang: the detached process compiles
  // one small module.
  for (let tries = 0; cacheEntries(elsewhere).length === 0; tries++) {
    if (tries === 6000) assert.fail(`the background process left no cache entry in ${elsewhere} after 6000 looks, 20 ms apart`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(cacheEntries(elsewhere).length, 1);
});

// A status line while a long compile runs: on a pseudo-terminal (made by
// Python's `pty`), not on a pipe, not with --quiet.
const ON_PTY = `import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 300)
        if not ready:
            break
        data = os.read(fd, 4096)
        if not data:
            break
        out += data
    except OSError:
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;

test("a compile running past a second shows a status line on a terminal, none on a pipe or with --quiet", async (t) => {
  const python = spawnSync("python3", ["-c", "import pty"], { encoding: "utf8" });
  if (python.status !== 0) return t.skip(`python3 with pty is not available: ${python.error ?? python.stderr}`);
  const dir = tempDir("cli-status");
  const onPty = join(dir, "on_pty.py");
  writeFileSync(onPty, ON_PTY);
  // 30,000 small functions: a few seconds to compile here, well past the second.
  const { wat2wasm } = await import("../lib/index.js");
  const funcs = Array.from({ length: 30_000 }, (_, i) => `(func (export "f${i}") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (i32.const ${i}))))
      (br_if $l (i32.lt_u (local.get 1) (i32.const 1000)))) (local.get 1))`).join("\n");
  const big = join(dir, "big.wasm");
  writeFileSync(big, wat2wasm(`(module ${funcs} (func (export "_start")))`));
  const line = /runtime-wasm: compiling big\.wasm \(1\.\d MiB, tiered\) \d+\.\d s/;

  const tty = spawnSync("python3", [onPty, process.execPath, cli, "run", "--no-cache", big], { encoding: "utf8", timeout: 300_000 });
  assert.equal(tty.status, 0, tty.stdout + tty.stderr);
  assert.match(tty.stdout, line);
  // Erased when the compile ends: the output ends with the erase.
  assert.ok(tty.stdout.endsWith("\r\x1b[K"), JSON.stringify(tty.stdout.slice(-40)));

  const quiet = spawnSync("python3", [onPty, process.execPath, cli, "run", "-q", "--no-cache", big], { encoding: "utf8", timeout: 300_000 });
  assert.equal(quiet.status, 0, quiet.stdout + quiet.stderr);
  assert.equal(quiet.stdout, "");

  const piped = spawnSync(process.execPath, [cli, "run", "--no-cache", big], { encoding: "utf8", timeout: 300_000 });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stderr, "");
});
