"""Runs a WASI preview 2 command component on wasmtime-py (PyPI `wasmtime`),
the reference for test/wasi-p2-reference.test.mjs and bench/wasi-command.mjs:
reads a JSON spec on argv[1] ({wasm, args, env, stdin, preopens: [{host,
guest, readonly}], cache}; with `cache`, compiled code is kept in wasmtime's
cache) and prints {exitCode, stdout, stderr} as JSON."""
import json
import os
import sys
import tempfile

import wasmtime
import wasmtime.component as component


def main():
    spec = json.loads(sys.argv[1])
    config = wasmtime.Config()
    if spec.get("cache"):
        config.cache = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    work = tempfile.mkdtemp(prefix="wasmtime-run-")
    paths = {name: os.path.join(work, name) for name in ("stdin", "stdout", "stderr")}
    with open(paths["stdin"], "w", encoding="utf-8") as f:
        f.write(spec.get("stdin", ""))
    wasi = wasmtime.WasiConfig()
    wasi.argv = spec["args"]
    wasi.env = list(spec.get("env", {}).items())
    wasi.stdin_file = paths["stdin"]
    wasi.stdout_file = paths["stdout"]
    wasi.stderr_file = paths["stderr"]
    for p in spec.get("preopens", []):
        wasi.preopen_dir(p["host"], p["guest"], not p.get("readonly", False))
    store.set_wasi(wasi)
    linker = component.Linker(engine)
    linker.add_wasip2()
    comp = component.Component.from_file(engine, spec["wasm"])
    instance = linker.instantiate(store, comp)
    run = None
    for name in ("wasi:cli/run@0.2.12", "wasi:cli/run@0.2.0"):
        iface = instance.get_export_index(store, name)
        if iface is not None:
            run = instance.get_func(store, instance.get_export_index(store, "run", iface))
            break
    try:
        result = run(store)
        exit_code = 0 if result is None or getattr(result, "tag", "ok") == "ok" else 1
    except wasmtime.ExitTrap as e:
        exit_code = e.code
    except wasmtime.WasmtimeError as e:
        # exit(err) arrives as an error carrying the exit status.
        exit_code = getattr(e, "code", None)
        if exit_code is None:
            raise
    out = {}
    for name in ("stdout", "stderr"):
        with open(paths[name], encoding="utf-8") as f:
            out[name] = f.read()
    print(json.dumps({"exitCode": exit_code, **out}))


main()
