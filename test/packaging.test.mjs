// The package as a user gets it, the napi-rs way: `npm pack` the main
// package and the linux-x64-gnu platform package (staged from npm/linux-x64-gnu
// with the addon `npm run build` made, as `napi artifacts` would), install
// both tarballs offline into a fresh project with no cargo or rustc on PATH,
// and run a program there that compiles, instantiates and calls a module,
// runs a WASI command and imports `runtime:wasm` through the register hook.
// The tarballs' file lists are checked: what the package needs, nothing else.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync,
  symlinkSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const PLATFORM = "linux-x64-gnu"; // the one platform built here
const addonName = `runtime-wasm.${PLATFORM}.node`;
const addon = join(root, "lib", addonName);
const isLinuxGnuX64 = process.platform === "linux" && process.arch === "x64" &&
  Boolean(process.report?.getReport?.().header?.glibcVersionRuntime);
const skip = !isLinuxGnuX64 && `the platform package built here is ${PLATFORM}; this is ${process.platform}-${process.arch}`;

const TARGETS = {
  "x86_64-unknown-linux-gnu": "linux-x64-gnu",
  "aarch64-unknown-linux-gnu": "linux-arm64-gnu",
  "x86_64-unknown-linux-musl": "linux-x64-musl",
  "x86_64-apple-darwin": "darwin-x64",
  "aarch64-apple-darwin": "darwin-arm64",
  "x86_64-pc-windows-msvc": "win32-x64-msvc",
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 240_000, maxBuffer: 64 << 20, ...opts });
  return { status: r.status, stdout: r.stdout ?? "", out: `${r.stdout ?? ""}${r.stderr ?? ""}`, error: r.error };
}

function ok(r, what) {
  assert.equal(r.error, undefined, `${what}: ${r.error}`);
  assert.equal(r.status, 0, `${what} failed:\n${r.out}`);
  return r;
}

/** Where `name` is on PATH, or undefined. */
function which(name, path = process.env.PATH ?? "") {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** `npm pack --json` of `dir` into `dest`: { filename, size, unpackedSize, files: [{ path, size }] }. */
function pack(dir, dest) {
  const r = ok(run("npm", ["pack", "--json", "--pack-destination", dest, "--loglevel=error"], { cwd: dir }), `npm pack in ${dir}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
  return info;
}

const size = (n) => (n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

describe("packaging: the npm tarballs installed without a Rust toolchain", { skip }, () => {
  let tmp, app, main, platform, env;

  before(() => {
    assert.ok(existsSync(addon), `${addon} is missing: run \`npm run build\` first`);
    tmp = mkdtempSync(join(tmpdir(), "runtime-wasm-packaging-"));

    // The platform package as a release would publish it: npm/<platform>
    // with the addon moved in. The debug build's debug info is stripped
    // (`napi build --strip` does the same), the code is the one tested.
    const stage = join(tmp, "stage", PLATFORM);
    mkdirSync(stage, { recursive: true });
    for (const f of readdirSync(join(root, "npm", PLATFORM))) {
      if (!f.endsWith(".node")) copyFileSync(join(root, "npm", PLATFORM, f), join(stage, f));
    }
    const stripped = run("strip", ["--strip-debug", "-o", join(stage, addonName), addon]);
    if (stripped.status !== 0) copyFileSync(addon, join(stage, addonName));

    main = pack(root, tmp);
    platform = pack(stage, tmp);
    for (const t of [main, platform]) {
      console.log(`${t.filename}: ${size(t.size)} packed, ${size(t.unpackedSize)} unpacked, ${t.files.length} files`);
      for (const f of t.files) console.log(`  ${f.path} ${size(f.size)}`);
    }

    // PATH without cargo, rustc or rustup; node and npm stay reachable
    // through a directory of their own.
    const bin = join(tmp, "bin");
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    symlinkSync(realpathSync(which("npm")), join(bin, "npm"));
    const toolchain = ["cargo", "rustc", "rustup"];
    const path = [bin, ...(process.env.PATH ?? "").split(delimiter).filter((d) => d && !d.startsWith(root) && !toolchain.some((t) => existsSync(join(d, t))))]
      .join(delimiter);
    env = { ...process.env, PATH: path };
    // Nothing of this checkout or of the `npm test` running this either: no
    // addon override, no Rust settings, no npm lifecycle variables (such as
    // npm_config_local_prefix naming this package).
    for (const k of Object.keys(env)) {
      if (/^(RUNTIME_WASM_|CARGO|RUSTUP|RUSTC|npm_|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$)/i.test(k)) delete env[k];
    }

    app = join(tmp, "app");
    mkdirSync(join(app, "data"), { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }));
    // Offline: everything comes from the two tarballs. The main package's
    // optionalDependencies for the other platforms are skipped by npm.
    ok(run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", join(tmp, main.filename), join(tmp, platform.filename)],
      { cwd: app, env }), "npm install of the tarballs");
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the addon is named the napi-rs way and the platform packages match package.json's napi targets", async () => {
    assert.equal(pkg.napi.binaryName, "runtime-wasm");
    assert.deepEqual(Object.keys(TARGETS).sort(), [...pkg.napi.targets].sort());
    let parseTriple;
    try {
      ({ parseTriple } = await import("@napi-rs/cli"));
    } catch {}
    for (const [triple, name] of Object.entries(TARGETS)) {
      if (parseTriple) assert.equal(parseTriple(triple).platformArchABI, name, `napi-rs names ${triple}`);
      const p = JSON.parse(readFileSync(join(root, "npm", name, "package.json"), "utf8"));
      assert.equal(p.name, `runtime-wasm-${name}`);
      assert.equal(p.version, pkg.version);
      assert.equal(p.main, `runtime-wasm.${name}.node`);
      assert.deepEqual(p.files, [`runtime-wasm.${name}.node`]);
      const [os, cpu, abi] = name.split("-");
      assert.deepEqual(p.os, [os]);
      assert.deepEqual(p.cpu, [cpu]);
      if (os === "linux") assert.deepEqual(p.libc, [abi === "musl" ? "musl" : "glibc"]);
      assert.equal(pkg.optionalDependencies[p.name], pkg.version, `${p.name} is an optional dependency at the same version`);
    }
    assert.deepEqual(Object.keys(pkg.optionalDependencies).sort(), Object.values(TARGETS).map((n) => `runtime-wasm-${n}`).sort(),
      "the only optional dependencies are the platform packages");
  });

  test("the main tarball holds the JS package and nothing else", () => {
    const files = main.files.map((f) => f.path).sort();
    for (const need of ["package.json", "README.md", "bin/runtime-wasm.js", "lib/index.js", "lib/index.d.ts", "lib/native.js",
      "lib/register.js", "lib/hooks.js", "lib/webassembly/index.js", "lib/webassembly/index.d.ts", "lib/webassembly/install.js",
      "lib/cli/main.js"]) {
      assert.ok(files.includes(need), `${need} is in the tarball: ${files.join(", ")}`);
    }
    const allowed = /^(package\.json|README\.md|LICENSE|bin\/[\w.-]+\.js|lib\/((webassembly|cli)\/)?[\w.-]+\.(js|d\.ts))$/;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), [], "nothing but package.json, README, bin/*.js, and lib/, lib/webassembly/, lib/cli/ *.js and *.d.ts");
    assert.ok(main.size < 1 << 20, `main tarball is small: ${size(main.size)}`);
  });

  test("the platform tarball holds the addon and nothing else", () => {
    assert.deepEqual(platform.files.map((f) => f.path).sort(), ["README.md", addonName, "package.json"].sort());
    assert.equal(platform.name, `runtime-wasm-${PLATFORM}`);
  });

  test("installed from the tarballs, with no cargo or rustc on PATH, the API works", () => {
    assert.equal(which("cargo", env.PATH), undefined, "cargo is off PATH");
    assert.equal(which("rustc", env.PATH), undefined, "rustc is off PATH");
    assert.ok(!existsSync(join(app, "node_modules", "runtime-wasm", "lib", addonName)), "the main package brings no addon");
    assert.ok(existsSync(join(app, "node_modules", `runtime-wasm-${PLATFORM}`, addonName)), "the platform package brings it");

    copyFileSync(join(root, "fixtures", "c", "sha256.wasm"), join(app, "sha256.wasm"));
    const data = "a file for the guest to hash\n";
    writeFileSync(join(app, "data", "hello.txt"), data);
    writeFileSync(join(app, "app.mjs"), `
import * as wasm from "runtime:wasm";
const results = {};
const add = await wasm.compile(\`(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))\`);
const inst = await wasm.instantiate(add);
[results.add] = await inst.call("add", 2, 3);
results.exported = inst.exports.add(40, 2);
const sha = await wasm.compileFile(new URL("./sha256.wasm", import.meta.url).pathname);
const cmd = await wasm.instantiate(sha, {
  preopens: { "/data": { path: new URL("./data", import.meta.url).pathname, readonly: true } },
  args: ["sha256", "/data/hello.txt"],
  captureStdout: true,
});
const out = await cmd.run();
results.exitCode = out.exitCode;
results.stdout = new TextDecoder().decode(out.stdout);
results.isWasmError = (await wasm.compile("(module").catch((e) => e)) instanceof wasm.WasmError;
console.log(JSON.stringify(results));
`);
    const r = ok(run("node", ["--import", "runtime-wasm/register", "app.mjs"], { cwd: app, env }), "the program");
    const results = JSON.parse(r.stdout.trim().split("\n").at(-1));
    const digest = createHash("sha256").update(data).digest("hex");
    assert.deepEqual(results, { add: 5, exported: 42, exitCode: 0, stdout: `${digest}  /data/hello.txt\n`, isWasmError: true });
  });

  test("the installed command line runs a WASI command", () => {
    const digest = createHash("sha256").update(readFileSync(join(app, "data", "hello.txt"))).digest("hex");
    const r = ok(run(join(app, "node_modules", ".bin", "runtime-wasm"), ["run", "--ro-dir", "data::/data", "sha256.wasm", "/data/hello.txt"],
      { cwd: app, env }), "runtime-wasm run");
    assert.equal(r.stdout, `${digest}  /data/hello.txt\n`);
  });

  test("without the platform package, loading fails with one message naming the platform and how to build", () => {
    const installed = join(app, "node_modules", `runtime-wasm-${PLATFORM}`);
    const aside = join(tmp, "aside");
    renameSync(installed, aside);
    try {
      const r = run("node", ["--input-type=module", "-e", 'await import("runtime-wasm")'], { cwd: app, env });
      assert.notEqual(r.status, 0, r.out);
      const lines = r.out.split("\n").filter((l) => l.includes("runtime-wasm: "));
      assert.ok(lines.length >= 1, r.out);
      const msg = lines[0];
      for (const part of ["linux-x64-gnu", "linux, x64, glibc", `runtime-wasm-${PLATFORM}`, "npm run build", "Rust"]) {
        assert.ok(msg.includes(part), `the message names ${part}: ${msg}`);
      }
    } finally {
      renameSync(aside, installed);
    }
  });
});
