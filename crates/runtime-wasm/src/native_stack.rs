//! How much native stack the calling thread has left: nested sync calls (a
//! host function calling another instance) stop with a trap, not a crash.

use crate::error::{Error, Result, TrapInfo};
use std::cell::Cell;

/// Stack the host side of one nesting level may need below the check: the
/// embedder's frames of a host function and the entry into the next call.
pub const RESERVE: usize = 128 * 1024;

thread_local! {
    /// Lowest stack address this thread's code may reach (0 until known).
    static FLOOR: Cell<usize> = const { Cell::new(0) };
}

/// An address inside the current frame, near the stack pointer.
#[inline(never)]
fn here() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The calling thread's stack as `(lowest, highest)` address.
#[cfg(target_os = "linux")]
fn bounds() -> Option<(usize, usize)> {
    // SAFETY: `attr` is initialized by pthread_getattr_np before it is read
    // and destroyed once; the out-pointers point at live locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let (mut addr, mut size) = (std::ptr::null_mut(), 0usize);
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        ok.then(|| (addr as usize, addr as usize + size))
    }
}

#[cfg(not(target_os = "linux"))]
fn bounds() -> Option<(usize, usize)> {
    None
}

/// Lets this thread's code use at most `bytes` of stack below the top of
/// the thread's stack, when something else on the thread has a tighter
/// limit than the stack itself: a JS engine's own stack limit, say.
pub fn set_budget(bytes: usize) {
    if let Some((low, high)) = bounds() {
        FLOOR.with(|f| f.set(high.saturating_sub(bytes).max(low)));
    }
}

fn floor() -> usize {
    FLOOR.with(|f| {
        if f.get() == 0 {
            // The guard page, and a little more, stay untouched.
            let low = bounds().map_or(1, |(low, _)| low + 64 * 1024);
            f.set(low);
        }
        f.get()
    })
}

/// Fails with a stack-overflow trap (5002) when less than [`RESERVE`] is left.
pub(crate) fn check() -> Result<()> {
    let sp = here();
    if sp >= floor().saturating_add(RESERVE) {
        return Ok(());
    }
    Err(Error::Call {
        message: "stack overflow: too little native stack is left for another nested call".into(),
        trap: Some(TrapInfo {
            kind: "stack overflow".into(),
            backtrace: Vec::new(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_refuses_and_a_fresh_thread_does_not() {
        std::thread::spawn(|| {
            assert!(check().is_ok());
            set_budget(RESERVE / 2);
            let err = check().unwrap_err();
            assert_eq!(err.trap().map(|t| t.kind.as_str()), Some("stack overflow"));
        })
        .join()
        .unwrap();
        std::thread::spawn(|| assert!(check().is_ok()))
            .join()
            .unwrap();
    }
}
