//! Option keys: what an embedder may set, and the error for a key that is
//! not one of them, naming the nearest known key when one is close.

use crate::error::Error;

/// The keys of an instance configuration, in documentation order.
pub const INSTANCE_CONFIG_KEYS: &[&str] = &[
    "preopens",
    "env",
    "args",
    "inheritStdin",
    "inheritStdout",
    "inheritStderr",
    "stdin",
    "captureStdout",
    "captureStderr",
    "captureLimit",
    "fuel",
    "timeoutMs",
    "maxMemoryBytes",
    "maxTableElements",
    "maxOpenFiles",
    "maxValueBytes",
    "imports",
];

/// The keys of a runtime's options.
pub const RUNTIME_OPTION_KEYS: &[&str] = &[
    "policy",
    "maxInstances",
    "cacheDir",
    "pool",
    "maxModuleBytes",
    "compiler",
    "allowPrecompiled",
];

/// The keys of a runtime's policy.
pub const POLICY_KEYS: &[&str] = &["read", "preopen"];

/// The keys of a preopen given as an object.
pub const PREOPEN_KEYS: &[&str] = &["path", "readonly"];

/// A 5007 for `key`, unknown in `what`; a typo of a known key (wrong case,
/// a letter or two off) is named as the likely intent.
pub fn unknown_key(what: &str, key: &str, known: &[&str]) -> Error {
    let hint = nearest(key, known)
        .map(|k| format!(" (did you mean \"{k}\"?)"))
        .unwrap_or_default();
    Error::Type(format!(
        "unknown key \"{key}\" in {what}{hint}; known keys: {}",
        known.join(", ")
    ))
}

/// The known key closest to `key` by case-insensitive edit distance, if it
/// is within a third of the key's length (at least one edit).
fn nearest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = key.to_lowercase();
    let budget = (key.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (distance(&lower, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance over chars where swapping two neighbours is one edit
/// (optimal string alignment), so `fule` is one edit from `fuel`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_nearest_key() {
        assert_eq!(
            nearest("timeoutMS", INSTANCE_CONFIG_KEYS),
            Some("timeoutMs")
        );
        assert_eq!(nearest("preopen", INSTANCE_CONFIG_KEYS), Some("preopens"));
        assert_eq!(nearest("maxMemory", INSTANCE_CONFIG_KEYS), None);
        assert_eq!(nearest("fule", INSTANCE_CONFIG_KEYS), Some("fuel"));
        assert_eq!(nearest("x", INSTANCE_CONFIG_KEYS), None);
        assert_eq!(nearest("cachedir", RUNTIME_OPTION_KEYS), Some("cacheDir"));
    }

    #[test]
    fn the_error_is_a_type_error_naming_key_and_hint() {
        let e = unknown_key("instance config", "timeoutMS", INSTANCE_CONFIG_KEYS);
        assert_eq!(e.code().number(), 5007);
        let text = e.to_string();
        assert!(
            text.contains("unknown key \"timeoutMS\" in instance config"),
            "{text}"
        );
        assert!(text.contains("did you mean \"timeoutMs\"?"), "{text}");
        let e = unknown_key("policy", "zzz", POLICY_KEYS);
        assert!(!e.to_string().contains("did you mean"), "{e}");
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
        assert_eq!(distance("fule", "fuel"), 1);
    }
}
