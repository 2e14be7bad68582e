//! Typed handles for modules and instances and the tables that own them.
//! Ids come from one process-wide counter and are never reused, so a stale or
//! foreign handle can never alias a live entry (what generations give a slab).

use crate::error::Error;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

macro_rules! handle {
    ($name:ident, $prefix:literal, $invalid:path) => {
        /// Opaque handle; its text form is what embedders pass around.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u64);

        impl $name {
            pub(crate) fn fresh() -> Self {
                $name(next_id())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            /// Any text that is not exactly a handle's text form (no sign,
            /// no leading zero) is an invalid handle.
            fn from_str(s: &str) -> Result<Self, Error> {
                s.strip_prefix($prefix)
                    .filter(|d| d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0'))
                    .and_then(|d| d.parse().ok())
                    .map($name)
                    .ok_or_else(|| $invalid(s.to_string()))
            }
        }
    };
}

handle!(ModuleId, "module-", Error::InvalidModuleHandle);
handle!(InstanceId, "instance-", Error::InvalidInstanceHandle);

/// A thread-safe table from handle to shared entry.
pub(crate) struct Registry<K, V> {
    entries: Mutex<HashMap<K, Arc<V>>>,
}

impl<K: Copy + Eq + Hash, V> Registry<K, V> {
    pub(crate) fn new() -> Self {
        Registry {
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn insert(&self, key: K, value: Arc<V>) {
        self.lock().insert(key, value);
    }

    /// Inserts unless the table already holds `cap` entries.
    pub(crate) fn insert_within(&self, key: K, value: Arc<V>, cap: usize) -> bool {
        let mut map = self.lock();
        if map.len() >= cap {
            return false;
        }
        map.insert(key, value);
        true
    }

    pub(crate) fn get(&self, key: K) -> Option<Arc<V>> {
        self.lock().get(&key).cloned()
    }

    pub(crate) fn remove(&self, key: K) -> Option<Arc<V>> {
        self.lock().remove(&key)
    }

    /// Removes and returns every entry matching `pred`.
    pub(crate) fn remove_where(&self, mut pred: impl FnMut(&V) -> bool) -> Vec<Arc<V>> {
        let mut map = self.lock();
        let keys: Vec<K> = map
            .iter()
            .filter(|(_, v)| pred(v))
            .map(|(k, _)| *k)
            .collect();
        keys.iter().filter_map(|k| map.remove(k)).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Arc<V>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_reject_foreign_text() {
        let m = ModuleId::fresh();
        assert_eq!(m.to_string().parse::<ModuleId>().unwrap(), m);
        assert!(m.to_string().parse::<InstanceId>().is_err());
        assert!("module-".parse::<ModuleId>().is_err());
        assert!("module-+1".parse::<ModuleId>().is_err());
        assert!("module-99999999999999999999999"
            .parse::<ModuleId>()
            .is_err());
        assert_ne!(ModuleId::fresh(), ModuleId::fresh());
    }
}
