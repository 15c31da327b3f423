//! The permit: permission to run exactly one decided job. [`Permit::mint`] is its only
//! constructor; it is visible to the gate alone and needs a [`Decided`] proof, which only
//! `Recorder::decided` makes after the "decided" record is on disk. Runners receive permits by
//! value and never make one, so "no execution path outside the gate" and "recorded before the
//! effect" are compile-time facts.

use crate::state::record::Decided;

/// Permission to run exactly one decided job of kind `T` (a kubectl process, a shell job, a
/// terraform plan or apply). Each runner accepts only its own kind.
#[derive(Debug)]
pub struct Permit<T> {
    permitted: T,
}

impl<T> Permit<T> {
    /// The only constructor: a job and the proof that its decision is recorded.
    pub(super) fn mint(_proof: Decided, job: T) -> Permit<T> {
        Permit { permitted: job }
    }

    /// What is permitted (for the runner that consumes the permit).
    pub(crate) fn into_permitted(self) -> T {
        self.permitted
    }
}
