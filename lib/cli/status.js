// A status line on stderr while a compile runs past a second: which file,
// its size, the compiler and the time so far — on a terminal only (nothing
// on a pipe or a file, nothing with --quiet). Wasmtime reports no progress
// within a compile, so the line shows none.
import { statSync } from "node:fs";
import { basename } from "node:path";

/** How long a compile runs before the line appears. */
export const STATUS_AFTER_MS = 1000;
const EVERY_MS = 250;

function size(bytes) {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Awaits `compiling` (the compile of `file` by `compiler`), showing the line
 * on `stream` while it runs past STATUS_AFTER_MS when `stream` is a
 * terminal and not `quiet`; the line is erased when the compile ends.
 */
export async function withStatus(compiling, { file, compiler, quiet = false, stream = process.stderr }) {
  if (quiet || !stream.isTTY) return compiling;
  let bytes;
  try {
    bytes = statSync(file).size;
  } catch {
    return compiling; // the compile reports the file's problem itself
  }
  const start = performance.now();
  let shown = false;
  const show = () => {
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    stream.write(`\r\x1b[Kruntime-wasm: compiling ${basename(file)} (${size(bytes)}, ${compiler}) ${seconds} s`);
    shown = true;
  };
  let timer = setTimeout(function tick() {
    show();
    timer = setTimeout(tick, EVERY_MS);
  }, STATUS_AFTER_MS);
  try {
    return await compiling;
  } finally {
    clearTimeout(timer);
    if (shown) stream.write("\r\x1b[K");
  }
}
