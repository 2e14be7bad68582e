// docs/API.md is checked against lib/index.d.ts, and index.d.ts against what
// lib/index.js really exports.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as wasm from "../lib/index.js";

const dts = readFileSync(new URL("../lib/index.d.ts", import.meta.url), "utf8");
const api = readFileSync(new URL("../docs/API.md", import.meta.url), "utf8");
const exported = [...dts.matchAll(/^export (class|function|const|type|interface) (\w+)/gm)].map(([, kind, name]) => ({ kind, name }));
const values = [...new Set(exported.filter((e) => ["class", "function", "const"].includes(e.kind)).map((e) => e.name))];

test("index.d.ts declares exactly the values lib/index.js exports", () => {
  assert.deepEqual([...values].sort(), Object.keys(wasm).sort());
});

test("docs/API.md describes every export of index.d.ts", () => {
  for (const { name } of exported) assert.ok(api.includes(`\`${name}`), `docs/API.md does not mention ${name}`);
});

test("docs/API.md describes every member of every class", () => {
  for (const [, cls, body] of dts.matchAll(/^export class (\w+)[^{]*\{([\s\S]*?)^\}/gm)) {
    const members = [...body.matchAll(/^ {2}(?:readonly )?(\w+)[(:?]/gm)].map((m) => m[1]).filter((m) => m !== "constructor");
    for (const member of new Set(members)) {
      assert.ok(new RegExp(`\`${member}\\b`).test(api), `docs/API.md does not describe ${cls}.${member}`);
    }
  }
});
