// Image grayscale in place: an RGBA image goes into guest memory, the guest
// converts it, JS checks every pixel against its own computation.
// Run: node examples/grayscale.mjs [width] [height]
import { readFileSync } from "node:fs";
import * as wasm from "../lib/index.js";

const [width, height] = [Number(process.argv[2] ?? 128), Number(process.argv[3] ?? 96)];
const source = readFileSync(new URL("../fixtures/grayscale.wat", import.meta.url), "utf8");
const inst = await wasm.instantiate(await wasm.compile(source));

// A colourful test pattern.
const image = new Uint8Array(width * height * 4);
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) {
    const i = (y * width + x) * 4;
    image.set([(x * 255) / width, (y * 255) / height, ((x + y) * 7) & 255, 255], i);
  }
}

const pages = Math.ceil(image.length / 65536);
const have = await inst.memory.size();
if (have < pages) await inst.memory.grow(pages - have);
await inst.memory.write(0, image);
await inst.call("grayscale", 0, width * height);
const gray = await inst.memory.read(0, image.length);

let mismatches = 0;
for (let i = 0; i < image.length; i += 4) {
  const g = (77 * image[i] + 150 * image[i + 1] + 29 * image[i + 2]) >> 8;
  if (gray[i] !== g || gray[i + 1] !== g || gray[i + 2] !== g || gray[i + 3] !== image[i + 3]) mismatches++;
}
console.log(`${width}x${height} image converted to grayscale: ${mismatches} mismatching pixels`);
console.log(`first pixel rgba(${[...image.subarray(0, 4)]}) -> rgba(${[...gray.subarray(0, 4)]})`);
