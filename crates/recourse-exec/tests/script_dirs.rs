//! Scripts found from the directory the shell will be in, and code that cannot be bound,
//! through the real gateway: approval, summary, view, sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use recourse_exec::Status;
use recourse_exec::view::{ApprovalView, Part};
use recourse_plan::Tally;
use recourse_policy::Environment;

fn write(path: &std::path::Path, text: &str, mode: u32) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn after_cd_the_script_in_the_new_directory_is_bound_and_pinned() {
    let h = harness(Environment::Prod);
    let run = h.work().join("sub/run.sh");
    write(&run, "#!/bin/sh\necho approved\n", 0o755);
    // A decoy where the command was started: not what runs.
    write(&h.work().join("run.sh"), "#!/bin/sh\necho decoy\n", 0o755);
    recourse_testkit::give_to_sandbox(&h.work());
    let cmd = "cd sub && ./run.sh";
    let r = h.shell(cmd);
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    let id = r.approval_id.unwrap();
    let shown = h.control().approval(id).unwrap();
    let scripts = &shown.summary["details"]["scripts"];
    assert_eq!(scripts[0]["path"], "sub/run.sh", "{scripts:#}");
    assert_eq!(scripts[0]["content"], "#!/bin/sh\necho approved\n");
    assert_eq!(scripts.as_array().map(Vec::len), Some(1), "{scripts:#}");
    h.approve(id);
    // The agent changes the script that will run: the retry is refused, naming it.
    let marker = h.work().join("PWNED");
    write(
        &run,
        &format!("#!/bin/sh\ntouch {}\n", marker.display()),
        0o755,
    );
    let r = h.shell_approved(cmd, id);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert!(
        r.message.contains("sub/run.sh") && r.message.contains("changed"),
        "{}",
        r.message
    );
    assert!(!exists(&marker));
    // Put back, the approved bytes run (pinned, and still executable).
    write(&run, "#!/bin/sh\necho approved\n", 0o755);
    let r = h.shell_approved(cmd, id);
    assert_executed(&r);
    assert_eq!(stdout(&r), "approved\n");
}

#[test]
fn code_loaded_by_options_and_variables_is_named_in_the_summary() {
    let h = harness(Environment::Prod);
    write(&h.work().join("evil.js"), "console.log('loaded')\n", 0o644);
    write(&h.work().join("app.js"), "console.log('app')\n", 0o644);
    write(&h.work().join("x.sh"), "echo from-bash-env\n", 0o644);
    recourse_testkit::give_to_sandbox(&h.work());

    // Loaded from a literal path: bound and shown like a script.
    let r = h.shell("node -r ./evil.js app.js");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    let s = h.control().approval(id).unwrap().summary;
    let paths: Vec<&str> = s["details"]["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["./evil.js", "app.js"], "{s:#}");
    assert_eq!(
        s["details"]["scripts"][0]["content"],
        "console.log('loaded')\n"
    );

    let r = h.shell("BASH_ENV=./x.sh bash -c true");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    let s = h.control().approval(id).unwrap().summary;
    assert_eq!(s["details"]["scripts"][0]["path"], "./x.sh", "{s:#}");

    // Found by name where the gateway cannot bind it: listed as unbound, with the reason,
    // and the approver's view warns that it is neither shown nor pinned.
    let cmd = "NODE_OPTIONS='--require evilpkg' node app.js";
    let r = h.shell(cmd);
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    assert!(
        r.message.contains("evilpkg") || format!("{r:?}").contains("shell.unbound_code"),
        "{r:#?}"
    );
    let id = r.approval_id.unwrap();
    let approval = h.control().approval(id).unwrap();
    let unbound = &approval.summary["details"]["unbound"];
    assert_eq!(unbound[0]["what"], "evilpkg", "{unbound:#}");
    assert!(
        unbound[0]["why"].as_str().unwrap().contains("node_modules"),
        "{unbound:#}"
    );
    let view = ApprovalView::new(&approval, &Tally::Pending { have: 0, need: 1 }, &[]);
    let listed = view.parts.iter().find_map(|p| match p {
        Part::Unbound(u) => Some(u),
        _ => None,
    });
    assert_eq!(listed.map(|u| u[0].what.as_str()), Some("evilpkg"));
    assert!(
        view.reasons
            .iter()
            .any(|r| r.rule.as_str() == "shell.unbound_code" && r.decision == "escalate"),
        "{:?}",
        view.reasons
    );

    // A directory decided at run time: the script is unbound, and says why.
    let r = h.shell("cd \"$HOME\" && ./run.sh");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    let s = h.control().approval(id).unwrap().summary;
    assert_eq!(s["details"]["unbound"][0]["what"], "./run.sh", "{s:#}");
    assert!(s["details"].get("scripts").is_none(), "{s:#}");
}

/// The scripts of an approval's summary (paths) and its unbound code (what).
fn listed(h: &Harness, id: recourse_plan::ApprovalId) -> (Vec<String>, Vec<String>) {
    let s = h.control().approval(id).unwrap().summary;
    let list = |key: &str, field: &str| -> Vec<String> {
        s["details"][key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x[field].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    (list("scripts", "path"), list("unbound", "what"))
}

/// Red-team rt2 N2, N3, N6, N7: what the approver is shown is what runs, or it is named as
/// neither shown nor pinned.
#[test]
fn scripts_found_from_elsewhere_are_bound_there_or_named_unbound() {
    let h = harness(Environment::Prod);
    let marker = h.work().join("PWNED");
    let evil = format!("#!/bin/sh\ntouch {}\n", marker.display());
    write(&h.work().join("x.sh"), "#!/bin/sh\necho benign\n", 0o755);
    write(&h.work().join("sub/x.sh"), &evil, 0o755);
    write(&h.work().join("interp"), &evil, 0o755);
    write(&h.work().join("rel.sh"), "#!./interp\necho hi\n", 0o755);
    write(&h.work().join("sys.sh"), "#!/bin/sh\necho sys\n", 0o755);
    recourse_testkit::give_to_sandbox(&h.work());

    // N3: `env -C sub` runs sub/x.sh: that one is bound and shown, and pinned.
    let cmd = "env -C sub sh x.sh";
    let r = h.shell(cmd);
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(listed(&h, id), (vec!["sub/x.sh".to_owned()], vec![]));
    let s = h.control().approval(id).unwrap().summary;
    assert_eq!(s["details"]["scripts"][0]["content"], evil.as_str());
    // Approved for benign content, swapped after: refused.
    write(
        &h.work().join("sub/x.sh"),
        "#!/bin/sh\necho benign\n",
        0o755,
    );
    let r = h.shell(cmd);
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    h.approve(id);
    write(&h.work().join("sub/x.sh"), &evil, 0o755);
    let r = h.shell_approved(cmd, id);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert!(!exists(&marker));
    // The harmless form binds ./x.sh.
    let r = h.shell("env sh x.sh");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(listed(&h, id), (vec!["x.sh".to_owned()], vec![]));

    // N2: `-execdir` runs sub/x.sh, not ./x.sh: nothing is shown as the script it runs.
    let r = h.shell("find sub -name x.sh -execdir sh x.sh \\;");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(listed(&h, id), (vec![], vec!["x.sh".to_owned()]));
    let r = h.shell("find sub -name x.sh -exec sh x.sh \\;");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(listed(&h, id), (vec!["x.sh".to_owned()], vec![]));

    // N7: after PATH changes, `. x.sh` may be sub/x.sh: named as unbound.
    let r = h.shell("PATH=sub:$PATH; . x.sh");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(listed(&h, id).1, ["x.sh"]);
    let r = h.shell(". x.sh");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(listed(&h, id), (vec!["x.sh".to_owned()], vec![]));

    // N6: `#!./interp` runs ./interp: named as unbound, and escalated with its reason.
    let r = h.shell("./rel.sh");
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "shell.relative_interpreter"),
        "{r:#?}"
    );
    let id = r.approval_id.unwrap();
    assert_eq!(
        listed(&h, id),
        (vec!["./rel.sh".to_owned()], vec!["./interp".to_owned()])
    );
    let r = h.shell("./sys.sh");
    let id = r.approval_id.unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(listed(&h, id), (vec!["./sys.sh".to_owned()], vec![]));
    assert!(!exists(&marker));
}
