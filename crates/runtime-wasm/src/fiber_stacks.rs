//! Fiber stacks for stores allocated on demand: carved from shared mappings
//! with guard pages that split no mapping where the kernel allows, and kept
//! for the next store once a store is done with them.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::{StackCreator, StackMemory};

/// Stacks carved from one mapping.
const PER_MAPPING: usize = 32;

/// Free stacks whose touched pages stay resident for the next store;
/// further ones give their pages back to the system.
const KEEP_WARM: usize = 256;

/// Linux 6.13's guard regions: a guard page marked in the page tables, so
/// a mapping holding many stacks stays one mapping (a process may hold only
/// `vm.max_map_count` of them, 65,530 by default; a stack with an
/// `mprotect`ed guard page takes two).
const MADV_GUARD_INSTALL: libc::c_int = 102;

/// A guard page was made with `mprotect` (no guard regions here).
static SPLIT_GUARDS: AtomicBool = AtomicBool::new(false);

/// The process's stack source for on-demand engines, shared by all of them
/// (they ask for stacks of one size).
pub(crate) fn shared() -> Arc<dyn StackCreator> {
    static STACKS: OnceLock<Arc<Stacks>> = OnceLock::new();
    STACKS.get_or_init(Arc::default).clone()
}

/// Hands out fiber stacks, reusing returned ones first.
#[derive(Default)]
pub(crate) struct Stacks {
    free_list: Arc<FreeList>,
}

#[derive(Default)]
struct FreeList {
    free: Mutex<Free>,
}

#[derive(Default)]
struct Free {
    /// Usable size of every stack (the first request fixes it).
    size: usize,
    /// Lowest address (the guard page) of each free stack whose pages may
    /// still be resident, and of each whose pages were given back.
    warm: Vec<usize>,
    cold: Vec<usize>,
}

fn page() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: `sysconf` only reads a system setting.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size).unwrap_or(4096)
    })
}

impl FreeList {
    fn lock(&self) -> std::sync::MutexGuard<'_, Free> {
        self.free.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Maps `PER_MAPPING` stacks of `size` bytes below a guard page each;
    /// all but the returned one go to `free.cold` (never touched yet).
    fn map(free: &mut Free, size: usize) -> wasmtime::Result<usize> {
        let stride = size + page();
        let len = stride * PER_MAPPING;
        // SAFETY: a fresh private anonymous mapping at an address of the
        // kernel's choosing; nothing else is affected.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error().into());
        }
        for i in 0..PER_MAPPING {
            let guard = base.cast::<u8>().wrapping_add(i * stride);
            if let Err(e) = install_guard(guard.cast()) {
                // SAFETY: `base..base+len` is the mapping made above, which
                // no stack has been handed out from yet.
                unsafe { libc::munmap(base, len) };
                return Err(e.into());
            }
        }
        let first = base as usize;
        free.cold
            .extend((1..PER_MAPPING).rev().map(|i| first + i * stride));
        Ok(first)
    }
}

/// Makes the page at `at` a guard page: a guard region where the kernel has
/// them, else `PROT_NONE`.
fn install_guard(at: *mut libc::c_void) -> std::io::Result<()> {
    // SAFETY: `at` is a page inside a mapping this module owns and has not
    // handed out; marking it a guard (or inaccessible) affects only it.
    if unsafe { libc::madvise(at, page(), MADV_GUARD_INSTALL) } == 0 {
        return Ok(());
    }
    // SAFETY: as above.
    if unsafe { libc::mprotect(at, page(), libc::PROT_NONE) } == 0 {
        SPLIT_GUARDS.store(true, Ordering::Relaxed);
        return Ok(());
    }
    Err(std::io::Error::last_os_error())
}

// SAFETY: every stack is page aligned and a multiple of the page size,
// lies below a guard page that faults on access, and is zero filled when
// `zeroed` is asked for (fresh pages are; a reused one has its pages
// dropped first, which makes them read back as zeros). A stack is handed to
// one `StackMemory` at a time: it leaves the free lists when handed out and
// returns only when that `StackMemory` is dropped.
unsafe impl StackCreator for Stacks {
    fn new_stack(&self, size: usize, zeroed: bool) -> wasmtime::Result<Box<dyn StackMemory>> {
        let size = size.next_multiple_of(page());
        let mut free = self.free_list.lock();
        if free.size == 0 {
            free.size = size;
        }
        if free.size != size {
            wasmtime::bail!(
                "fiber stacks of {size} bytes asked for; this free list holds {}",
                free.size
            );
        }
        let (guard, dirty) = match (free.warm.pop(), free.cold.pop()) {
            (Some(warm), cold) => {
                free.cold.extend(cold);
                (warm, true)
            }
            (None, Some(cold)) => (cold, false),
            (None, None) => (FreeList::map(&mut free, size)?, false),
        };
        drop(free);
        let stack = Stack {
            guard,
            size,
            free_list: self.free_list.clone(),
        };
        if dirty && zeroed {
            stack.discard();
        }
        Ok(Box::new(stack))
    }
}

/// One stack on loan to a fiber; it goes back to the free list when dropped.
struct Stack {
    /// Lowest address: the guard page, with the stack right above it.
    guard: usize,
    size: usize,
    free_list: Arc<FreeList>,
}

impl Stack {
    fn usable(&self) -> Range<usize> {
        let bottom = self.guard + page();
        bottom..bottom + self.size
    }

    /// Gives the stack's pages back to the system; they read as zeros
    /// when next touched.
    fn discard(&self) {
        let usable = self.usable();
        // SAFETY: the usable range of a stack this `Stack` owns, which no
        // fiber runs on (it is being handed out or returned).
        unsafe {
            libc::madvise(
                usable.start as *mut libc::c_void,
                usable.len(),
                libc::MADV_DONTNEED,
            )
        };
    }
}

// SAFETY: `top`, `range` and `guard_range` describe the stack owned by
// this value, as computed from its guard page; see `StackCreator` above.
unsafe impl StackMemory for Stack {
    fn top(&self) -> *mut u8 {
        self.usable().end as *mut u8
    }
    fn range(&self) -> Range<usize> {
        self.usable()
    }
    fn guard_range(&self) -> Range<*mut u8> {
        self.guard as *mut u8..(self.guard + page()) as *mut u8
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // Decided and pushed apart, so the system call runs unlocked; the
        // warm list may end up a little over its bound, never unbounded.
        let warm = self.free_list.lock().warm.len() < KEEP_WARM;
        if !warm {
            self.discard();
        }
        let mut free = self.free_list.lock();
        if warm {
            free.warm.push(self.guard);
        } else {
            free.cold.push(self.guard);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stacks() -> Stacks {
        Stacks::default()
    }

    #[test]
    fn stacks_are_distinct_aligned_and_guarded_below() {
        let s = stacks();
        let a = s.new_stack(64 << 10, false).unwrap();
        let b = s.new_stack(64 << 10, false).unwrap();
        for st in [&a, &b] {
            assert_eq!(st.range().len(), 64 << 10);
            assert_eq!(st.top() as usize, st.range().end);
            assert_eq!(st.top() as usize % page(), 0);
            assert_eq!(st.guard_range().end as usize, st.range().start);
        }
        assert!(
            a.range().end <= b.guard_range().start as usize
                || b.range().end <= a.guard_range().start as usize
        );
        // The stacks are writable from top to bottom.
        for st in [&a, &b] {
            let r = st.range();
            // SAFETY: the test owns both stacks, which no fiber runs on.
            unsafe {
                *((r.end - 1) as *mut u8) = 1;
                *(r.start as *mut u8) = 1;
            }
        }
    }

    #[test]
    fn a_returned_stack_is_reused_and_zeroed_when_asked() {
        let s = stacks();
        let a = s.new_stack(64 << 10, false).unwrap();
        let top = a.top() as usize;
        // SAFETY: the test owns the stack.
        unsafe { *((top - 8) as *mut u8) = 7 };
        drop(a);
        let b = s.new_stack(64 << 10, true).unwrap();
        assert_eq!(b.top() as usize, top, "the warm stack comes back first");
        // SAFETY: as above.
        assert_eq!(unsafe { *((top - 8) as *const u8) }, 0, "zeroed on request");
    }

    /// Where the kernel has guard regions, waiting guests are not limited
    /// by `vm.max_map_count`: a mapping holds `PER_MAPPING` stacks.
    #[test]
    fn stacks_share_mappings() {
        let s = stacks();
        let held: Vec<_> = (0..2 * PER_MAPPING)
            .map(|_| s.new_stack(64 << 10, false).unwrap())
            .collect();
        // The mappings (start addresses) that hold the stacks.
        let maps: Vec<(usize, usize)> = std::fs::read_to_string("/proc/self/maps")
            .unwrap()
            .lines()
            .map(|l| {
                let range = l.split_whitespace().next().unwrap();
                let (a, b) = range.split_once('-').unwrap();
                let hex = |x| usize::from_str_radix(x, 16).unwrap();
                (hex(a), hex(b))
            })
            .collect();
        let mut holding: Vec<usize> = held
            .iter()
            .map(|st| {
                let at = st.guard_range().start as usize;
                maps.iter().find(|(a, b)| (*a..*b).contains(&at)).unwrap().0
            })
            .collect();
        holding.sort_unstable();
        holding.dedup();
        if !SPLIT_GUARDS.load(Ordering::Relaxed) {
            assert!(
                holding.len() <= 2,
                "{} mappings for {} stacks",
                holding.len(),
                held.len()
            );
        }
    }

    #[test]
    fn one_free_list_holds_one_size() {
        let s = stacks();
        let _a = s.new_stack(64 << 10, false).unwrap();
        assert!(s.new_stack(128 << 10, false).is_err());
    }

    /// A fault in the guard page is what stops a runaway host stack; checked
    /// in a child process so the fault cannot take the test runner down.
    #[test]
    fn the_guard_page_faults() {
        if std::env::var_os("RUNTIME_WASM_GUARD_PROBE").is_some() {
            let s = stacks();
            let a = s.new_stack(64 << 10, false).unwrap();
            let guard = a.guard_range().start;
            // SAFETY: deliberately touches the guard page; the process is
            // expected to die of SIGSEGV here.
            unsafe { std::ptr::write_volatile(guard, 1) };
            std::process::exit(0);
        }
        let exe = std::env::current_exe().unwrap();
        // This test's name in the harness: its module path less the crate.
        let name = format!(
            "{}::the_guard_page_faults",
            module_path!().split_once("::").unwrap().1
        );
        let out = std::process::Command::new(exe)
            .args(["--exact", &name, "--nocapture"])
            .env("RUNTIME_WASM_GUARD_PROBE", "1")
            .output()
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(libc::SIGSEGV), "{out:?}");
    }
}
