//! Group commit: many threads each need their own record durable before they go on, and one
//! fsync can cover all of them.
//!
//! A thread submits its item and waits. If no flush is running, it becomes the leader: it takes
//! every item queued so far, flushes them together (one write, one fsync) outside the lock, hands
//! each waiter its own result and wakes them. Items submitted while a flush runs queue up and go
//! into the next one, so under load a batch grows to the number of concurrent callers and the
//! cost of an fsync is shared, while a lone caller waits for exactly one flush, as before.
//!
//! Nobody returns before the flush that covered its own item finished: the guarantee the gate
//! needs ("decided" is on disk before the effect) is per item, not per batch.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Condvar, Mutex, MutexGuard};

/// A group-commit queue of `T`s whose flush yields one `R` per item.
#[derive(Debug)]
pub(crate) struct GroupCommit<T, R> {
    state: Mutex<Queue<T, R>>,
    flushed: Condvar,
}

#[derive(Debug)]
struct Queue<T, R> {
    next_ticket: u64,
    pending: Vec<(u64, T)>,
    /// A flush is running.
    leader: bool,
    /// Results not yet collected by their submitter.
    results: HashMap<u64, R>,
}

impl<T, R> GroupCommit<T, R> {
    pub(crate) fn new() -> Self {
        GroupCommit {
            state: Mutex::new(Queue {
                next_ticket: 0,
                pending: Vec::new(),
                leader: false,
                results: HashMap::new(),
            }),
            flushed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue<T, R>> {
        // The queue's invariants hold between statements; a panic elsewhere cannot break them.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `item` and returns its result once a flush covering it has finished. `flush`
    /// must return exactly one result per item, in order; `lost` stands in for results a flush
    /// did not return (it panicked, or returned too few).
    pub(crate) fn submit(
        &self,
        item: T,
        flush: impl FnOnce(Vec<T>) -> Vec<R>,
        lost: impl Fn() -> R,
    ) -> R {
        let mut q = self.lock();
        let ticket = q.next_ticket;
        q.next_ticket += 1;
        q.pending.push((ticket, item));
        let mut flush = Some(flush);
        loop {
            if let Some(r) = q.results.remove(&ticket) {
                return r;
            }
            if q.leader {
                q = self.flushed.wait(q).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Lead: our own item is still pending (its result is not in), so the batch is not
            // empty and `flush` has not been used yet (a leader always collects its own result).
            let Some(flush) = flush.take() else {
                // Unreachable by the argument above; never leave our caller waiting.
                return lost();
            };
            q.leader = true;
            let batch = std::mem::take(&mut q.pending);
            drop(q);
            let (tickets, items): (Vec<u64>, Vec<T>) = batch.into_iter().unzip();
            let outcome = catch_unwind(AssertUnwindSafe(|| flush(items)));
            q = self.lock();
            q.leader = false;
            let (results, panic) = match outcome {
                Ok(r) => (r, None),
                Err(p) => (Vec::new(), Some(p)),
            };
            let mut results = results.into_iter();
            for t in tickets {
                let r = results.next().unwrap_or_else(&lost);
                q.results.insert(t, r);
            }
            self.flushed.notify_all();
            if let Some(p) = panic {
                drop(q);
                resume_unwind(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_lone_caller_gets_its_own_result() {
        let g: GroupCommit<u32, u32> = GroupCommit::new();
        let r = g.submit(7, |b| b.into_iter().map(|x| x * 2).collect(), || 0);
        assert_eq!(r, 14);
    }

    #[test]
    fn concurrent_callers_share_flushes_and_each_gets_its_own_result() {
        let g = Arc::new(GroupCommit::<usize, usize>::new());
        let flushes = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..32)
            .map(|i| {
                let g = Arc::clone(&g);
                let flushes = Arc::clone(&flushes);
                std::thread::spawn(move || {
                    (0..50)
                        .map(|j| {
                            let item = i * 1000 + j;
                            let r = g.submit(
                                item,
                                |b| {
                                    flushes.fetch_add(1, Ordering::SeqCst);
                                    // A slow "fsync", so that others queue up behind it.
                                    std::thread::sleep(std::time::Duration::from_millis(1));
                                    b.into_iter().map(|x| x + 1).collect()
                                },
                                || usize::MAX,
                            );
                            assert_eq!(r, item + 1);
                        })
                        .count()
                })
            })
            .collect();
        let done: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(done, 32 * 50);
        let n = flushes.load(Ordering::SeqCst);
        assert!(n < 32 * 50, "no batching happened: {n} flushes");
    }

    #[test]
    fn a_flush_that_returns_too_little_or_panics_does_not_strand_anyone() {
        let g: GroupCommit<u32, Option<u32>> = GroupCommit::new();
        assert_eq!(g.submit(1, |_| Vec::new(), || None), None);
        let g = Arc::new(g);
        let g2 = Arc::clone(&g);
        let panicked = std::thread::spawn(move || {
            g2.submit(2, |_| panic!("flush failed"), || None);
        })
        .join();
        assert!(panicked.is_err());
        // The queue is usable afterwards.
        assert_eq!(
            g.submit(3, |b| b.into_iter().map(Some).collect(), || None),
            Some(3)
        );
    }
}
