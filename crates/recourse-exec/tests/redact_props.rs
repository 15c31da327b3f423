//! Redaction never panics on arbitrary text, and never leaves a known secret shape behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use recourse_exec::redact::Redactor;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics(s in any::<String>()) {
        let _ = Redactor::with_literals(["literal-secret".to_owned()]).redact(&s);
    }

    #[test]
    fn key_ids_never_survive(prefix in "\\PC{0,20}", suffix in "\\PC{0,20}") {
        let text = format!("{prefix} AKIAIOSFODNN7EXAMPLE {suffix} password=hunter2hunter2 ");
        let out = Redactor::default().redact(&text);
        prop_assert!(!out.contains("AKIAIOSFODNN7EXAMPLE"), "{}", out);
        prop_assert!(!out.contains("hunter2hunter2"), "{}", out);
    }
}
