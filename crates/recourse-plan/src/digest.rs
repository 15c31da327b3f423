//! The canonical plan digest: what an approval of a plan is bound to.

use recourse_policy::Digest;
use serde_json::Value;

use crate::model::PlanParseError;

/// SHA-256 of the plan JSON in canonical form (sorted keys, no insignificant whitespace) with
/// the volatile top-level `timestamp` removed. Two `terraform show -json` runs of the same plan
/// file agree; any change to planned actions or values changes it.
pub fn plan_digest(plan_json: &str) -> Result<Digest, PlanParseError> {
    let mut v: Value =
        serde_json::from_str(plan_json).map_err(|e| PlanParseError::Malformed(e.to_string()))?;
    let Some(obj) = v.as_object_mut() else {
        return Err(PlanParseError::Malformed(
            "the plan is not a JSON object".into(),
        ));
    };
    obj.remove("timestamp");
    Ok(Digest::of_canonical_json(&v))
}
