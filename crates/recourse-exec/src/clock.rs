//! Time and fresh ids: the only wall-clock and OS-randomness reads of the gateway, so that a
//! host (or a test) can replace the clock, and the pure crates receive `now` as a parameter.

use recourse_plan::Timestamp;

/// The current time.
pub fn system_now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// An injectable clock.
pub(crate) type Clock = Box<dyn Fn() -> Timestamp + Send + Sync>;

/// The OS random source failed: no id can be made, so nothing is created.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the OS random source failed: {0}")]
pub struct RandomError(String);

/// 128 fresh random bits for a plan or approval id.
pub fn new_id_bytes() -> Result<[u8; 16], RandomError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| RandomError(e.to_string()))?;
    Ok(b)
}
