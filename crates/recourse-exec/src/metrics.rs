//! What the gateway counts while it works, for `/metrics` (rendered by the HTTP server; the
//! counting is here so that stdio gateways count the same way).
//!
//! Plain atomics and one small map: a call costs a few uncontended increments, no allocation
//! once a (tool, decision) pair has been seen.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use recourse_policy::Decision;

/// Upper bounds (seconds) of the latency buckets: decisions are microseconds, an fsync is
/// around a millisecond, a slow disk tens of milliseconds.
const BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5,
];

/// A latency histogram with fixed buckets.
#[derive(Debug)]
pub struct Histogram {
    counts: Vec<AtomicU64>,
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

/// A histogram's state at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// (upper bound in seconds, cumulative count), ascending; `+Inf` is `count`.
    pub buckets: Vec<(f64, u64)>,
    /// Sum of observations in seconds.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: BUCKETS.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_nanos: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The current state, cumulative per bucket as Prometheus wants it.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut acc = 0;
        let buckets = BUCKETS
            .iter()
            .zip(&self.counts)
            .map(|(b, c)| {
                acc += c.load(Ordering::Relaxed);
                (*b, acc)
            })
            .collect();
        HistogramSnapshot {
            buckets,
            sum: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            count: self.count.load(Ordering::Relaxed),
        }
    }
}

/// The gateway's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    calls: Mutex<BTreeMap<(&'static str, Decision), u64>>,
    /// Time from a call's arrival to its decision (normalize, assess, decide, bind/permit),
    /// without the audit write or any execution.
    pub decision_duration: Histogram,
    /// Time from submitting an audit record to its being on disk (includes waiting for the
    /// group commit that carries it).
    pub audit_append_duration: Histogram,
    audit_batches: AtomicU64,
    audit_records: AtomicU64,
}

impl Metrics {
    /// Counts one answered call.
    pub(crate) fn count_call(&self, tool: &'static str, decision: Decision) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        *calls.entry((tool, decision)).or_insert(0) += 1;
    }

    /// Counts one group commit of `records` records.
    pub(crate) fn count_audit_batch(&self, records: usize) {
        self.audit_batches.fetch_add(1, Ordering::Relaxed);
        self.audit_records
            .fetch_add(records as u64, Ordering::Relaxed);
    }

    /// Answered calls per (tool, decision).
    pub fn calls(&self) -> Vec<(&'static str, Decision, u64)> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.iter().map(|((t, d), n)| (*t, *d, *n)).collect()
    }

    /// (fsynced batches, records in them) of the audit log since start.
    pub fn audit_commits(&self) -> (u64, u64) {
        (
            self.audit_batches.load(Ordering::Relaxed),
            self.audit_records.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(30));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(10));
        let s = h.snapshot();
        assert_eq!(s.count, 3);
        assert_eq!(s.buckets[0], (0.000_05, 1));
        let at_5ms = s.buckets.iter().find(|(b, _)| *b == 0.005).unwrap();
        assert_eq!(at_5ms.1, 2);
        assert_eq!(s.buckets.last().unwrap().1, 2, "10 s is only in +Inf");
        assert!((s.sum - 10.003_03).abs() < 1e-6);
    }
}
