// Runs a list of calls on jco's transpiled output of a component (its URL in
// the spec; WASI from preview2-shim), for differential tests whose V8 must
// be newer than the running Node's. argv[2] is a JSON spec { module, host,
// script }: `host` the URL of the module the transpiled code imports for
// the component's own imports (exporting `logs`), `script` the name of a
// story in ./stories.mjs. Prints the story's outcomes as tagged JSON.
import { encode, stories } from "./stories.mjs";

const spec = JSON.parse(process.argv[2]);
const component = await import(spec.module);
const host = await import(spec.host);
console.log(JSON.stringify(encode(stories[spec.script](component, host.logs))));
