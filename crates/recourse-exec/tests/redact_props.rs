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

    /// Whatever the text, redacting it inside a JSON document keeps the document's shape and
    /// never leaves a key id behind.
    #[test]
    fn json_keeps_its_shape(s in any::<String>()) {
        let doc = serde_json::json!({"command": format!("{s} AKIAIOSFODNN7EXAMPLE"), "n": 1});
        let out = Redactor::default().redact_json(doc);
        prop_assert!(out["command"].is_string());
        prop_assert_eq!(&out["n"], 1);
        prop_assert!(!out.to_string().contains("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn key_ids_never_survive(prefix in "\\PC{0,20}", suffix in "\\PC{0,20}") {
        let text = format!("{prefix} AKIAIOSFODNN7EXAMPLE {suffix} password=hunter2hunter2 ");
        let out = Redactor::default().redact(&text);
        prop_assert!(!out.contains("AKIAIOSFODNN7EXAMPLE"), "{}", out);
        prop_assert!(!out.contains("hunter2hunter2"), "{}", out);
    }
}
