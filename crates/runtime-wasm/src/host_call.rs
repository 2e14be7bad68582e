//! One call of a host function: its arguments, the caller's memories while
//! the guest waits for it, and the reply the embedder settles from any thread.

use crate::error::{Error, Result};
use crate::memory::{self, PAGE_SIZE};
use crate::registry::InstanceId;
use crate::store::{Exported, StoreData};
use crate::value::{Arg, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Instant;
use wasmtime::{Caller, Extern};

/// A function the guest imports, implemented by the embedder.
pub trait HostFunc: Send + Sync + 'static {
    /// Starts the function. The guest waits until `call` is settled (see
    /// [`HostCall::settle`]), which may happen here or later on any thread;
    /// waiting holds no thread. In a sync call this runs on the calling
    /// thread, between polls of the guest, on that thread's own stack.
    fn call(&self, call: HostCall);
}

/// One exported memory of the calling instance, as the guest left it when
/// it called out.
struct Region {
    name: Arc<str>,
    /// `None` for a shared memory (not reachable from the host).
    bytes: Option<(*mut u8, usize)>,
}

/// The caller's memories for as long as the guest waits on this call; empty
/// (`None`) from the moment the call returns to the guest or is abandoned.
pub(crate) struct Memories {
    regions: Mutex<Option<Vec<Region>>>,
}

// SAFETY: the raw pointers are only dereferenced under the mutex while the
// regions are `Some`, i.e. while the guest is suspended in this host call
// and its store is not used by anyone (calls into an instance are
// serialized, and re-entrant ones refused while a host call is open). The
// memory cannot move or shrink meanwhile: only the guest or its store's
// owner could grow it, and both are waiting for this call.
unsafe impl Send for Memories {}
// SAFETY: as for `Send`: every access goes through the mutex.
unsafe impl Sync for Memories {}

impl Memories {
    /// The exported memories of the calling instance (before the instance
    /// exists, inside the start function, its export `memory` only).
    pub(crate) fn of(caller: &mut Caller<'_, StoreData>, exported: &Exported) -> Memories {
        let in_start: Vec<(Arc<str>, Extern)>;
        let found: &[(Arc<str>, Extern)] = match exported.get() {
            Some((list, lent)) => {
                lent.refresh(&caller, list);
                list
            }
            None => {
                in_start = caller
                    .get_export("memory")
                    .map(|e| vec![(Arc::<str>::from("memory"), e)])
                    .unwrap_or_default();
                &in_start
            }
        };
        let regions = found
            .iter()
            .map(|(name, ext)| Region {
                name: name.clone(),
                bytes: match ext {
                    Extern::Memory(m) => Some((m.data_ptr(&caller), m.data_size(&caller))),
                    _ => None,
                },
            })
            .collect();
        Memories {
            regions: Mutex::new(Some(regions)),
        }
    }

    /// Ends access: the guest resumes (or the call was abandoned).
    pub(crate) fn close(&self) {
        *self.regions.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The embedder's answer to one host call.
#[derive(Default)]
pub(crate) struct Reply {
    state: Mutex<ReplyState>,
}

#[derive(Default)]
struct ReplyState {
    outcome: Option<Result<Arg>>,
    settled: bool,
    waker: Option<Waker>,
}

impl Reply {
    fn lock(&self) -> MutexGuard<'_, ReplyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Resolves once the reply is settled.
pub(crate) struct Wait(pub(crate) Arc<Reply>);

impl Future for Wait {
    type Output = Result<Arg>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Arg>> {
        let mut state = self.0.lock();
        match state.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// One call of a host function, handed to [`crate::HostFunc::call`]. Settle
/// it once, now or later and from any thread; a call dropped unsettled
/// fails the guest's call. While it is unsettled the guest waits, holding
/// no thread, and its memories are reachable through [`HostCall::memory`].
pub struct HostCall {
    args: Vec<Value>,
    memories: Arc<Memories>,
    reply: Arc<Reply>,
    deadline: Option<Instant>,
    instance: InstanceId,
}

thread_local! {
    /// Instances whose host function is running on this thread right now.
    static INSIDE: std::cell::RefCell<Vec<InstanceId>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` marked as inside a host function of `instance`.
pub(crate) fn run_inside<R>(instance: InstanceId, f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            INSIDE.with(|i| i.borrow_mut().pop());
        }
    }
    INSIDE.with(|i| i.borrow_mut().push(instance));
    let _leave = Leave;
    f()
}

/// Whether a host function of `instance` is running on this thread: a
/// call into that instance from here is re-entrant.
pub(crate) fn inside(instance: InstanceId) -> bool {
    INSIDE.with(|i| i.borrow().contains(&instance))
}

impl std::fmt::Debug for HostCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostCall")
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl HostCall {
    pub(crate) fn new(
        args: Vec<Value>,
        memories: Arc<Memories>,
        reply: Arc<Reply>,
        deadline: Option<Instant>,
        instance: InstanceId,
    ) -> HostCall {
        HostCall {
            args,
            memories,
            reply,
            deadline,
            instance,
        }
    }

    /// The calling instance: an embedder that runs the function in its own
    /// async context can refuse calls from there into that instance.
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// Runs `f`, the host function's work for this call, marking this
    /// thread as inside the calling instance's host function: calls into
    /// that instance from `f` are refused (5002) instead of queueing behind
    /// the call that waits for `f`. The core marks its own starts; an
    /// embedder that runs the function later on another thread marks there.
    pub fn run_inside<R>(&self, f: impl FnOnce() -> R) -> R {
        run_inside(self.instance, f)
    }

    /// The arguments, as the import's declared parameters give them.
    pub fn args(&self) -> &[Value] {
        &self.args
    }

    /// When the running call's deadline passes, if it has one: the guest's
    /// call fails with 5012 then, whether or not this call is settled.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Answers the call: the value is converted by the import's declared
    /// results (ignored for none, the value for one, an `Arg::List` for
    /// several). Only the first answer counts.
    pub fn settle(&self, outcome: Result<Arg>) {
        let mut state = self.reply.lock();
        if state.settled {
            return;
        }
        state.settled = true;
        state.outcome = Some(outcome);
        let waker = state.waker.take();
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Whether the call was answered already.
    pub fn is_settled(&self) -> bool {
        self.reply.lock().settled
    }

    /// Memory `name` of the calling instance (with `None`: the export
    /// `memory`, else the first exported memory), while the guest waits.
    pub fn memory(&self, name: Option<&str>) -> Result<HostMemory<'_>> {
        let guard = self
            .memories
            .regions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let Some(regions) = guard.as_ref() else {
            return Err(Error::InvalidInstanceHandle(
                "caller of a finished host call".into(),
            ));
        };
        let label = name.unwrap_or("memory");
        let index = match name {
            Some(n) => regions.iter().position(|r| &*r.name == n),
            None => regions
                .iter()
                .position(|r| &*r.name == "memory")
                .or(if regions.is_empty() { None } else { Some(0) }),
        };
        let Some(index) = index else {
            return Err(memory::missing(label));
        };
        match regions[index].bytes {
            Some(_) => Ok(HostMemory { guard, index }),
            None => Err(memory::shared(label)),
        }
    }
}

impl Drop for HostCall {
    fn drop(&mut self) {
        self.settle(Err(Error::Call {
            message: "the host function was dropped without settling".into(),
            trap: None,
        }));
    }
}

/// One memory of a waiting guest, locked for one operation.
pub struct HostMemory<'a> {
    guard: MutexGuard<'a, Option<Vec<Region>>>,
    index: usize,
}

impl HostMemory<'_> {
    fn bytes(&mut self) -> &mut [u8] {
        let regions = self.guard.as_mut().expect("checked when locked");
        let (ptr, len) = regions[self.index].bytes.expect("checked when locked");
        // SAFETY: see `Memories`: the guest is suspended in this host call
        // (the regions are `Some` and we hold their lock), so its memory is
        // `len` live bytes at `ptr` that nothing else reads or writes now.
        unsafe { std::slice::from_raw_parts_mut(ptr, len) }
    }

    pub fn read(&mut self, offset: u64, len: u64) -> Result<Vec<u8>> {
        memory::read_with(self.bytes(), offset, len, <[u8]>::to_vec)
    }

    pub fn write(&mut self, offset: u64, bytes: &[u8]) -> Result<()> {
        memory::write(self.bytes(), offset, bytes)
    }

    pub fn read_string(&mut self, offset: u64, len: u64) -> Result<String> {
        memory::read_with(self.bytes(), offset, len, |b| {
            String::from_utf8_lossy(b).into_owned()
        })
    }

    /// Writes `text` as UTF-8 and returns the number of bytes written.
    pub fn write_string(&mut self, offset: u64, text: &str) -> Result<usize> {
        memory::write(self.bytes(), offset, text.as_bytes())?;
        Ok(text.len())
    }

    /// Current size in 64 KiB pages.
    pub fn size(&mut self) -> u64 {
        self.bytes().len() as u64 / PAGE_SIZE
    }
}
