// `runtime-wasm inspect` (imports and exports with their types; a
// component's world as WIT; with --dts its exports as TypeScript
// declarations) and `runtime-wasm validate` (whether FILE compiles).
import * as wasm from "../index.js";
import { help, Usage } from "./args.js";

function describe(e) {
  const type = e.kind === "func" ? `(${e.params.join(", ")}) -> (${e.results.join(", ")})`
    : e.kind === "memory" ? `pages ${e.minimum}..${e.maximum ?? ""}${e.shared ? " shared" : ""}${e.memory64 ? " memory64" : ""}`
    : e.kind === "table" ? `${e.element} ${e.minimum}..${e.maximum ?? ""}${e.table64 ? " table64" : ""}`
    : e.kind === "global" ? `${e.mutable ? "mut " : ""}${e.type}`
    : `(${(e.params ?? []).join(", ")})`;
  return `${e.kind.padEnd(6)} ${e.module ? `${e.module}.` : ""}${e.name}: ${type}`;
}

export function oneFile(command, rest) {
  if (rest.length === 1 && (rest[0] === "--help" || rest[0] === "-h")) return undefined;
  if (rest.length !== 1 || rest[0].startsWith("-")) throw new Usage(`${command} takes one FILE`);
  return rest[0];
}

export async function inspect(rest) {
  const dts = rest[0] === "--dts";
  const file = oneFile(dts ? "inspect --dts" : "inspect", dts ? rest.slice(1) : rest);
  if (file === undefined) return help();
  const info = wasm.moduleInfo(await wasm.compileFile(file));
  if (dts) {
    if (info.kind !== "component") throw new Usage(`inspect --dts takes a component; ${file} is a module`);
    if (info.dts === "") throw new Usage(`${file}: its types cannot be told from its binary (no WIT world)`);
    process.stdout.write(info.dts);
    return 0;
  }
  const line = info.kind === "component" ? (i) => `${i.kind.padEnd(9)} ${i.name}` : describe;
  if (info.kind === "component") console.log(`component; its world:\n${info.wit.trimEnd()}\n`);
  console.log(`imports (${info.imports.length}):`);
  for (const i of info.imports) console.log(`  ${line(i)}`);
  console.log(`exports (${info.exports.length}):`);
  for (const e of info.exports) console.log(`  ${line(e)}`);
  return 0;
}

export async function validate(rest) {
  const file = oneFile("validate", rest);
  if (file === undefined) return help();
  await wasm.compileFile(file); // throws the reason it does not compile
  console.log(`${file}: valid`);
  return 0;
}

