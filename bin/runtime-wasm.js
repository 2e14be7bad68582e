#!/usr/bin/env node
// The runtime-wasm command line (lib/cli/main.js).
import { main } from "../lib/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
