// Both crates' modules form a DAG: scripts/module-graph.mjs finds no import
// cycle in the core or in the binding, and it does find one when a file
// imports its importer.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CRATES, graph, order } from "../scripts/module-graph.mjs";

for (const [name, src] of Object.entries(CRATES)) {
  test(`${name}'s modules import each other without a cycle`, () => {
    const edges = graph(src);
    assert.ok(edges.size > 8, `read ${edges.size} modules`);
    const { cycle, order: sorted } = order(edges);
    assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" -> ")}`);
    // Leaves first: every module comes after all it imports.
    const at = new Map(sorted.map((m, i) => [m, i]));
    for (const [m, deps] of edges) for (const d of deps) assert.ok(at.get(d) < at.get(m), `${d} before ${m}`);
  });
}

test("the binding's option readers use no other module of it", () => {
  assert.deepEqual([...graph(CRATES["runtime-wasm-node"]).get("read")], []);
});

test("scripts/module-graph.mjs prints both crates' graphs", () => {
  const script = fileURLToPath(new URL("../scripts/module-graph.mjs", import.meta.url));
  const r = spawnSync(process.execPath, [script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const name of Object.keys(CRATES)) assert.match(r.stdout, new RegExp(`^${name}:$`, "m"));
  assert.match(r.stdout, /^ {2}read\s+<- \(nothing\)$/m);
});

test("the cycle check finds a cycle", () => {
  const edges = new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["a"])], ["d", new Set()]]);
  assert.deepEqual(order(edges).cycle, ["a", "b", "c", "a"]);
});
