// Runs a WASI preview 2 command component as `jco run` does: jco's
// transpiled output (its URL in the spec) on V8 with preview2-shim, the
// reference for test/wasi-p2-reference.test.mjs and bench/wasi-command.mjs.
// argv[2] is a JSON spec { module, args, env, preopens: [{ host, guest }] };
// stdin, stdout, stderr and the exit status are this process's own.
import * as cli from "@bytecodealliance/preview2-shim/cli";
import * as filesystem from "@bytecodealliance/preview2-shim/filesystem";

const spec = JSON.parse(process.argv[2]);
cli._setArgs(spec.args);
cli._setEnv(spec.env ?? {});
filesystem._setPreopens(Object.fromEntries((spec.preopens ?? []).map((p) => [p.guest, p.host])));
const command = await import(spec.module);
try {
  command.run.run();
} catch {
  // `run` returning its error: exit status 1, as `jco run` gives.
  process.exitCode = 1;
}
