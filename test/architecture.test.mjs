// The core crate's modules form a DAG: scripts/module-graph.mjs finds no
// import cycle, and it does find one when a file imports its importer.
import test from "node:test";
import assert from "node:assert/strict";
import { graph, order } from "../scripts/module-graph.mjs";

test("the core crate's modules import each other without a cycle", () => {
  const edges = graph();
  assert.ok(edges.size > 10, `read ${edges.size} modules`);
  const { cycle, order: sorted } = order(edges);
  assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" -> ")}`);
  // Leaves first: every module comes after all it imports.
  const at = new Map(sorted.map((m, i) => [m, i]));
  for (const [m, deps] of edges) for (const d of deps) assert.ok(at.get(d) < at.get(m), `${d} before ${m}`);
});

test("the cycle check finds a cycle", () => {
  const edges = new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["a"])], ["d", new Set()]]);
  assert.deepEqual(order(edges).cycle, ["a", "b", "c", "a"]);
});
