// `runtime-wasm compile`: a module's optimized native code written as a
// `.cwasm` artifact (-o), or put into the cache (--cache).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as wasm from "../index.js";
import { defaultCacheDir, Usage } from "./args.js";
import { withStatus } from "./status.js";

const COMPILE_OPTIONS = {
  output: { type: "string", short: "o" },
  cache: { type: "boolean" },
  "cache-dir": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
};

const COMPILE_HELP = `Usage: runtime-wasm compile [-q] [-o OUT] FILE
       runtime-wasm compile [-q] --cache [--cache-dir DIR] FILE

Compiles FILE (a .wasm binary or WAT text) to optimized native code. With -o
(default: FILE with the extension .cwasm) the code is written as an artifact
that runtime-wasm run --allow-precompiled, and compileFile on a runtime made
with allowPrecompiled, load without compiling. With --cache the code goes into
the cache (default $XDG_CACHE_HOME/runtime-wasm) instead. On a terminal a
compile running past a second shows a status line on stderr (file, size,
compiler, time so far); -q (--quiet) hides it.`;

export async function compileCommand(argv) {
  const { values, positionals } = (() => {
    try {
      return parseArgs({ args: argv, options: COMPILE_OPTIONS, strict: true, allowPositionals: true });
    } catch (e) {
      throw new Usage(e.message.split(". ")[0], "runtime-wasm compile --help");
    }
  })();
  if (values.help) {
    console.log(COMPILE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new Usage("compile takes one FILE", "runtime-wasm compile --help");
  const [file] = positionals;
  if (values.cache) {
    if (values.output !== undefined) throw new Usage("compile takes -o or --cache, not both", "runtime-wasm compile --help");
    const rt = new wasm.Runtime({ cacheDir: values["cache-dir"] ?? defaultCacheDir(), compiler: "optimized" });
    await withStatus(rt.compileFile(file), { file, compiler: "Cranelift", quiet: values.quiet });
    return 0;
  }
  const out = values.output ?? `${file.replace(/\.(wasm|wat)$/, "")}.cwasm`;
  const bytes = await withStatus(wasm.precompileFile(file), { file, compiler: "Cranelift", quiet: values.quiet });
  try {
    writeFileSync(out, bytes);
  } catch (e) {
    throw new wasm.WasmError(wasm.ErrorCode.IoError, `cannot write \`${out}\`: ${e.message}`);
  }
  return 0;
}

