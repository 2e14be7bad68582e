// Prints each crate's module graph (who imports whom, from `crate::…` paths
// in each file) leaves first — the core and the Node-API binding — and exits
// 1 naming a cycle if either has one.
// Usage: node scripts/module-graph.mjs [--dot]
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The crates whose graphs are checked, by name: their `src/` folders. */
export const CRATES = Object.fromEntries(["runtime-wasm", "runtime-wasm-node"].map((name) =>
  [name, fileURLToPath(new URL(`../crates/${name}/src/`, import.meta.url))]));

/** Top-level module name of a source file: `instance/live.rs` is `instance`. */
function moduleOf(src, file) {
  const rel = relative(src, file).split(sep);
  return rel[0].replace(/\.rs$/, "");
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith(".rs") ? [path] : [];
  });
}

/** Strips comments so a path named in a doc comment is not an import. */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
}

/** The module graph of the crate whose sources are in `src` (the core's by default). */
export function graph(src = CRATES["runtime-wasm"]) {
  const edges = new Map();
  for (const file of files(src)) {
    const from = moduleOf(src, file);
    if (from === "lib") continue;
    const deps = edges.get(from) ?? new Set();
    for (const m of code(readFileSync(file, "utf8")).matchAll(/crate::([a-z_][a-z0-9_]*)/g)) {
      if (m[1] !== from) deps.add(m[1]);
    }
    // `use crate::{a, b::c}` groups.
    for (const m of code(readFileSync(file, "utf8")).matchAll(/crate::\{([^}]*)\}/g)) {
      for (const part of m[1].split(",")) {
        const name = part.trim().split("::")[0];
        if (name && name !== from && /^[a-z_]/.test(name)) deps.add(name);
      }
    }
    edges.set(from, deps);
  }
  for (const deps of edges.values()) for (const d of [...deps]) if (!edges.has(d)) deps.delete(d);
  return edges;
}

/** Leaves-first order, or the modules of a cycle. */
export function order(edges) {
  const done = new Set(), active = [], out = [];
  const visit = (m) => {
    if (done.has(m)) return null;
    const at = active.indexOf(m);
    if (at >= 0) return [...active.slice(at), m];
    active.push(m);
    for (const d of [...edges.get(m)].sort()) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    active.pop();
    done.add(m);
    out.push(m);
    return null;
  };
  for (const m of [...edges.keys()].sort()) {
    const cycle = visit(m);
    if (cycle) return { cycle };
  }
  return { order: out };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false;
  for (const [name, src] of Object.entries(CRATES)) {
    const edges = graph(src);
    const { order: sorted, cycle } = order(edges);
    const id = name.replace(/-/g, "_");
    if (process.argv.includes("--dot")) {
      console.log(`digraph ${id} {`);
      for (const [m, deps] of edges) for (const d of deps) console.log(`  ${m} -> ${d};`);
      console.log("}");
    } else {
      console.log(`${name}:`);
      for (const m of sorted ?? [...edges.keys()].sort()) {
        console.log(`  ${m.padEnd(12)} <- ${[...edges.get(m)].sort().join(", ") || "(nothing)"}`);
      }
    }
    if (cycle) {
      console.error(`${name}: import cycle: ${cycle.join(" -> ")}`);
      failed = true;
    }
  }
  if (failed) process.exit(1);
}
