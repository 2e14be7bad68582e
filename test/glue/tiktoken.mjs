// wasm-bindgen glue from npm (tiktoken), unchanged: its constructor hands
// strings to Rust by allocating in the guest from inside an import, so under
// `--import runtime-wasm/webassembly/install` it calls back into the
// instance waiting on that import. Prints what it computes, as JSON.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Tiktoken } = await import("tiktoken/lite");
const { get_encoding } = await import("tiktoken");
const cl100k = require("tiktoken/encoders/cl100k_base.json");

const text = "runtime-wasm runs wasm-bindgen glue that calls back in <|endoftext|> ✓ 🦀";
const lite = new Tiktoken(cl100k.bpe_ranks, cl100k.special_tokens, cl100k.pat_str);
const tokens = Array.from(lite.encode(text, "all"));
const decoded = new TextDecoder().decode(lite.decode(new Uint32Array(tokens)));
lite.free();
const full = get_encoding("cl100k_base");
const again = Array.from(full.encode(text, "all"));
full.free();
console.log(JSON.stringify({
  sandboxed: typeof globalThis.WebAssembly.configure === "function",
  tokens,
  decoded,
  again,
}));
