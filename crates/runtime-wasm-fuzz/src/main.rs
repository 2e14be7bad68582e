//! `wasm-gen FIRST COUNT OUTDIR`: writes `OUTDIR/SEED.wasm` for seeds FIRST
//! to FIRST+COUNT-1, each a valid module that wasm-smith makes from the
//! seed's bytes, with features both runtime-wasm and Node 20's V8 run.

use arbitrary::Unstructured;
use std::path::Path;
use std::process::ExitCode;
use wasm_smith::{Config, Module};

/// Bytes wasm-smith draws its choices from: as many as a module of this
/// size needs, made from the seed by SplitMix64.
const ENTROPY: usize = 16 * 1024;

/// Fuel each loop and call draws from (`ensure_termination`): every export
/// ends, with a trap when it runs out.
const FUEL: u32 = 10_000;

fn entropy(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(ENTROPY);
    while out.len() < ENTROPY {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// What the generated modules may use: the proposals both engines run
/// (Node 20's V8 has no memory64, multi-memory, exnref, GC or wide
/// arithmetic), every export visible, NaNs canonical so results compare.
fn config() -> Config {
    Config {
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        min_funcs: 1,
        max_funcs: 20,
        max_memories: 1,
        max_tables: 2,
        max_memory32_bytes: 1 << 20,
        max_table_elements: 1_000,
        max_instructions: 500,
        allow_start_export: false,
        exceptions_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        threads_enabled: false,
        relaxed_simd_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        extended_const_enabled: false,
        tail_call_enabled: false,
        simd_enabled: true,
        ..Config::default()
    }
}

/// The module of `seed`, or why wasm-smith made none.
fn module(seed: u64) -> Result<Vec<u8>, String> {
    let bytes = entropy(seed);
    let mut u = Unstructured::new(&bytes);
    let mut m = Module::new(config(), &mut u).map_err(|e| e.to_string())?;
    m.ensure_termination(FUEL).map_err(|e| e.to_string())?;
    Ok(m.to_bytes())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [first, count, dir] = args.as_slice() else {
        eprintln!("usage: wasm-gen FIRST COUNT OUTDIR");
        return ExitCode::from(2);
    };
    let (Ok(first), Ok(count)) = (first.parse::<u64>(), count.parse::<u64>()) else {
        eprintln!("wasm-gen: FIRST and COUNT are whole numbers");
        return ExitCode::from(2);
    };
    for seed in first..first.saturating_add(count) {
        match module(seed) {
            Ok(bytes) => {
                let path = Path::new(dir).join(format!("{seed}.wasm"));
                if let Err(e) = std::fs::write(&path, bytes) {
                    eprintln!("wasm-gen: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            Err(why) => eprintln!("wasm-gen: seed {seed}: no module ({why})"),
        }
    }
    ExitCode::SUCCESS
}
