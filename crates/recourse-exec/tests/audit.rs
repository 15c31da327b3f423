//! The audit chain: every kind of tampering is detected and named; appends from several
//! processes stay chained.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use recourse_exec::audit::{AuditLog, GENESIS};
use recourse_plan::Timestamp;
use recourse_policy::Digest;
use serde_json::{Map, json};

fn log_with(n: u64) -> (tempfile::TempDir, AuditLog, (u64, String)) {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    let mut last = (0, GENESIS.to_owned());
    for i in 0..n {
        let mut m = Map::new();
        m.insert("i".into(), json!(i));
        let rec = log
            .append("decided", Digest::of(b"p"), Timestamp(1_800_000_000 + i), m)
            .unwrap();
        last = (
            rec["seq"].as_u64().unwrap(),
            rec["hash"].as_str().unwrap().to_owned(),
        );
    }
    (dir, log, last)
}

fn lines(log: &AuditLog) -> Vec<String> {
    std::fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write(log: &AuditLog, lines: &[String]) {
    std::fs::write(log.path(), lines.join("\n") + "\n").unwrap();
}

#[test]
fn sound_chain_verifies() {
    let (_d, log, anchor) = log_with(5);
    let v = log.verify(Some(anchor.clone())).unwrap();
    assert_eq!(v.records, 5);
    assert_eq!(v.last_hash, anchor.1);
    let first: serde_json::Value = serde_json::from_str(&lines(&log)[0]).unwrap();
    assert_eq!(first["prev_hash"], GENESIS);
    assert_eq!(first["seq"], 1);
}

#[test]
fn edit_is_detected_and_named() {
    let (_d, log, anchor) = log_with(5);
    let mut l = lines(&log);
    l[2] = l[2].replace("\"i\":2", "\"i\":9");
    write(&log, &l);
    let e = log.verify(Some(anchor)).unwrap_err();
    assert_eq!((e.line, e.seq), (3, Some(3)));
    assert!(e.problem.contains("edited"), "{e}");
}

#[test]
fn deletion_is_detected() {
    let (_d, log, anchor) = log_with(5);
    let mut l = lines(&log);
    l.remove(1);
    write(&log, &l);
    let e = log.verify(Some(anchor)).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.problem.contains("deleted"), "{e}");
}

#[test]
fn reorder_is_detected() {
    let (_d, log, anchor) = log_with(5);
    let mut l = lines(&log);
    l.swap(1, 2);
    write(&log, &l);
    assert_eq!(log.verify(Some(anchor)).unwrap_err().line, 2);
}

#[test]
fn truncation_mid_record_is_detected() {
    let (_d, log, anchor) = log_with(3);
    let text = std::fs::read_to_string(log.path()).unwrap();
    std::fs::write(log.path(), &text[..text.len() - 20]).unwrap();
    let e = log.verify(Some(anchor)).unwrap_err();
    assert_eq!(e.line, 3);
    assert!(
        e.problem.contains("truncated") || e.problem.contains("incomplete"),
        "{e}"
    );
    // and appending to a damaged log is refused (fail closed)
    assert!(
        log.append("decided", Digest::of(b"p"), Timestamp(1), Map::new())
            .is_err()
    );
}

#[test]
fn records_cut_off_the_end_are_detected_with_the_anchor() {
    let (_d, log, anchor) = log_with(5);
    let l = lines(&log);
    write(&log, &l[..3]);
    // The chain itself is consistent…
    assert!(log.verify(None).is_ok());
    // …but the store's anchor says record 5 was written.
    let e = log.verify(Some(anchor)).unwrap_err();
    assert!(e.problem.contains("cut off"), "{e}");
}

#[test]
fn concurrent_appends_from_threads_stay_chained() {
    let (_d, log, _) = log_with(0);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let mut m = Map::new();
                    m.insert("t".into(), json!(t));
                    m.insert("i".into(), json!(i));
                    log.append("decided", Digest::of(b"p"), Timestamp(1), m)
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(log.verify(None).unwrap().records, 100);
}

#[test]
fn log_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, log, _) = log_with(1);
    let mode = std::fs::metadata(log.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

fn add(log: &AuditLog, i: u64) -> u64 {
    let mut m = Map::new();
    m.insert("i".into(), json!(i));
    log.append("decided", Digest::of(b"p"), Timestamp(1_800_000_100 + i), m)
        .unwrap()["seq"]
        .as_u64()
        .unwrap()
}

/// A log keeps its file open between appends; what others did to the file meanwhile is
/// still seen: their appends (the chain goes on after them), a file renamed over the path
/// (the records go to the file the path names) and a damaged tail (refused).
#[test]
fn appends_after_another_writer_or_a_replaced_file_stay_chained() {
    let (_d, log, _) = log_with(2);
    let other = AuditLog::new(log.path());
    assert_eq!(add(&other, 10), 3);
    assert_eq!(
        add(&log, 11),
        4,
        "the other writer's record is chained after"
    );
    log.verify(None).unwrap();

    // The path now names another file (a sound chain of one record).
    let dir = tempfile::tempdir().unwrap();
    let fresh = AuditLog::new(dir.path().join("audit.jsonl"));
    add(&fresh, 0);
    std::fs::rename(fresh.path(), log.path()).unwrap();
    assert_eq!(add(&log, 12), 2, "appended to the file the path names");
    assert_eq!(lines(&log).len(), 2);
    log.verify(None).unwrap();

    // Someone left half a record at the end: the next append refuses.
    let mut l = lines(&log);
    l.push("{\"seq\":3".into());
    std::fs::write(log.path(), l.join("\n")).unwrap();
    let mut m = Map::new();
    m.insert("i".into(), json!(13));
    let e = log
        .append("decided", Digest::of(b"p"), Timestamp(1_800_000_200), m)
        .unwrap_err();
    assert!(e.to_string().contains("damaged"), "{e}");
}

/// Someone rewrites the log in place with other records of the same length: the next append
/// chains after what the file now holds, not after what this process remembers.
#[test]
fn a_log_rewritten_in_place_to_the_same_length_is_read_again() {
    use std::io::Write;
    let (_d, log, _) = log_with(2);
    let dir = tempfile::tempdir().unwrap();
    let other = AuditLog::new(dir.path().join("audit.jsonl"));
    for i in 0..2 {
        let mut m = Map::new();
        m.insert("i".into(), json!(i));
        other
            .append("decided", Digest::of(b"q"), Timestamp(1_800_000_050 + i), m)
            .unwrap();
    }
    let bytes = std::fs::read(other.path()).unwrap();
    assert_eq!(
        bytes.len() as u64,
        std::fs::metadata(log.path()).unwrap().len()
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(log.path())
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    assert_eq!(add(&log, 20), 3);
    log.verify(None).unwrap();
}
