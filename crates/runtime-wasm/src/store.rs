//! Per-store state the engine hands to host functions: the WASI context, the
//! resource limiter, the running call's deadline, and the instances in the
//! store with their handles — everything an operation needs besides the
//! store itself, so one can run on the owner's store or on a waiting host
//! call's `Caller` alike.

use crate::error::HostError;
use crate::func::Callee;
use crate::limits::Limiter;
use crate::memory::Exported;
use crate::registry::InstanceId;
use crate::resources::Resources;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::task::{Context, Waker};
use std::thread::ThreadId;
use std::time::Instant;
use wasmtime::{AsContext, ExnRef, OwnedRooted, Tag};
use wasmtime_wasi::p1::WasiP1Ctx;

pub struct StoreData {
    /// The instance this store was made for (the first of a linked group).
    pub(crate) id: InstanceId,
    pub(crate) wasi: Option<WasiP1Ctx>,
    pub(crate) limiter: Limiter,
    /// When the running call must end, if it has a timeout.
    pub(crate) deadline: Option<Instant>,
    /// The instances in the store (one, or a linked group); the first made it.
    pub(crate) members: Vec<Member>,
    /// Shut while the store is lent out (see `Gate`).
    pub(crate) gate: Arc<Gate>,
    /// The store's tags as the embedder names them, and what its host
    /// functions threw during the running call.
    pub(crate) exceptions: Exceptions,
}

impl StoreData {
    /// The engine's instance of the store's member `id`, if it is one.
    pub(crate) fn member_instance(&self, id: InstanceId) -> Option<wasmtime::Instance> {
        self.members
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| m.guest.module())
    }
}

/// A store's tags as the embedder names them (see `exception`), and the
/// exceptions its host functions threw during the running call.
#[derive(Default)]
pub(crate) struct Exceptions {
    /// Guest tags the embedder has been given, with their numbers.
    pub(crate) seen: Vec<(u64, Tag)>,
    /// The tags made in this store for the embedder's own, by its number.
    pub(crate) host: Vec<(u64, Tag)>,
    /// The tag a host function's thrown value travels under (one externref).
    pub(crate) value_tag: Option<Tag>,
    /// The tag a tagged exception of another store travels under (one
    /// externref, what was thrown): no guest here can name its tag, and
    /// only `catch_all` may catch it.
    pub(crate) foreign_tag: Option<Tag>,
    /// Exceptions host functions threw during the running call, with the
    /// value each stands for; forgotten when the call ends.
    pub(crate) thrown: VecDeque<(OwnedRooted<ExnRef>, HostError)>,
}

/// Shut while the store is lent to the thread of a host function that runs
/// an operation nested in its call: no other thread polls a future that owns
/// or waits in the store meanwhile (an async operation's, a sync form's on
/// another thread), so nothing resumes a guest of the store — a timer, a
/// spurious wake — while the borrower uses it. Loans nest (a borrower's
/// nested call may lend the store on), so the gate passes the innermost
/// borrower only.
#[derive(Default)]
pub(crate) struct Gate {
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    borrowers: Vec<ThreadId>,
    waiting: Vec<Waker>,
    /// The store was lent inside a poll still under way: the borrower may
    /// not touch it until that poll is over (the guest's fiber may still be
    /// suspending, writing the store's state on the lender's thread).
    settling: bool,
    /// Borrowers waiting for that.
    parked: Vec<std::thread::Thread>,
}

impl Gate {
    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The store is lent to `borrower` (before the loan is visible), from
    /// inside a poll of one of its futures: the loan is usable once that
    /// poll is over (`settle`).
    pub(crate) fn shut(&self, borrower: ThreadId) {
        let mut state = self.lock();
        state.borrowers.push(borrower);
        state.settling = true;
    }

    /// A poll of one of the store's futures is over: a loan made inside it
    /// may be used now.
    pub(crate) fn settle(&self) {
        let mut state = self.lock();
        if !state.settling {
            return;
        }
        state.settling = false;
        let parked = std::mem::take(&mut state.parked);
        drop(state);
        parked.iter().for_each(std::thread::Thread::unpark);
    }

    /// Waits until the poll that lent the store is over.
    pub(crate) fn wait_settled(&self) {
        loop {
            let mut state = self.lock();
            if !state.settling {
                return;
            }
            state.parked.push(std::thread::current());
            drop(state);
            std::thread::park();
        }
    }

    /// The innermost loan ended.
    pub(crate) fn open(&self) {
        let mut state = self.lock();
        state.borrowers.pop();
        let waiting = std::mem::take(&mut state.waiting);
        drop(state);
        waiting.into_iter().for_each(Waker::wake);
    }

    /// Whether a future of the store may be polled on this thread now; when
    /// not, `cx` is woken once a loan ends.
    pub(crate) fn passes(&self, cx: &Context<'_>) -> bool {
        let mut state = self.lock();
        match state.borrowers.last() {
            Some(t) if *t != std::thread::current().id() => {
                state.waiting.push(cx.waker().clone());
                false
            }
            _ => true,
        }
    }
}

/// What a member of a store instantiated.
pub(crate) enum Guest {
    Module(wasmtime::Instance),
    /// A component, alone in its store (components link nothing yet).
    Component(wasmtime::component::Instance),
}

impl Guest {
    /// The module instance, for a module's member.
    pub(crate) fn module(&self) -> Option<wasmtime::Instance> {
        match self {
            Guest::Module(i) => Some(*i),
            Guest::Component(_) => None,
        }
    }
}

/// One instance in a store, with the handles made for it.
pub(crate) struct Member {
    pub(crate) id: InstanceId,
    pub(crate) guest: Guest,
    /// Function handles (exports and table entries), by id.
    pub(crate) funcs: Vec<Callee>,
    /// Handles of the exports called so far, by name.
    pub(crate) exported: HashMap<String, u32>,
    /// Handles by the engine's reference to the function (from tables and
    /// exports alike).
    pub(crate) from_tables: HashMap<usize, u32>,
    /// Its exported memories and where they are.
    pub(crate) memories: Exported,
    /// The resources a component member gave the host and it still holds.
    pub(crate) resources: Resources,
}

impl Member {
    pub(crate) fn new(id: InstanceId, guest: Guest, memories: Exported) -> Member {
        Member {
            id,
            guest,
            funcs: Vec::new(),
            exported: HashMap::new(),
            from_tables: HashMap::new(),
            memories,
            resources: Resources::default(),
        }
    }
}

/// Records where every instance's memories in the store are now, for the
/// embedder's views of them (they hear of each one that grew).
pub(crate) fn refresh_views(store: impl AsContext<Data = StoreData>) {
    let store = store.as_context();
    for m in &store.data().members {
        if let Some((list, lent)) = m.memories.get() {
            lent.refresh(&store, list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Gate;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A loan made inside a poll is the borrower's only once the poll is
    /// over: the borrower waits in `wait_settled` until `settle`.
    #[test]
    fn a_borrower_waits_until_the_lending_poll_is_over() {
        let gate = Arc::new(Gate::default());
        let borrower = std::thread::current().id();
        gate.shut(borrower);
        let over = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (gate, over) = (gate.clone(), over.clone());
            std::thread::spawn(move || {
                gate.wait_settled();
                over.load(Ordering::SeqCst)
            })
        };
        // The waiter parks (a deadlock guard, not a timing bound).
        let guard = Instant::now() + Duration::from_secs(60);
        while gate.lock().parked.is_empty() {
            assert!(Instant::now() < guard, "the borrower never waited");
            std::thread::yield_now();
        }
        over.store(true, Ordering::SeqCst);
        gate.settle();
        assert!(
            waiter.join().unwrap(),
            "the borrower went on before the poll was over"
        );
        // Settled, a later wait returns at once.
        gate.wait_settled();
        gate.open();
    }
}
