#!/usr/bin/env python3
"""The approval and audit attacks of issue 12, through the real MCP server.

Defence in depth: these attacks assume a process that *can* write the gateway's state
directory (the SQLite store, the audit log), or a second agent sharing it, or a raw client
speaking malformed JSON-RPC. Each is judged by its effect: a marker file an approved command
would create, a grant no human signed, what `recourse audit verify` says about a rewritten
log, whether an attempt left an audit record, whether malformed input got an answer.

Usage (the Rust test `approval_attacks` runs it): approval_attacks.py --recourse BIN
--terraform BIN --plugin-dir DIR --base DIR
"""
import argparse
import asyncio
import copy
import hashlib
import json
import os
import sqlite3
import subprocess
import sys

from mcp import ClientSession

import sandbox_attacks as kit
from sandbox_attacks import call, check, give_to_sandbox, session


def fresh(env, name):
    """The same machine, a state directory of its own."""
    e = copy.copy(env)
    e.state = os.path.join(env.base, "state-" + name)
    return e


def attacker_env(env):
    """A process running as the gateway's user, without the operator's configuration."""
    home = os.path.join(env.base, "attacker-home")
    os.makedirs(home, exist_ok=True)
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}


def cli(env, *args, as_attacker=False):
    return subprocess.run([env.args.recourse, *args], env=attacker_env(env) if as_attacker else env.human_env(),
                          capture_output=True, text=True)


def db(env):
    return sqlite3.connect(os.path.join(env.state, "recourse.db"))


def audit_events(env):
    return [json.loads(line) for line in env.audit_text().splitlines()]


async def escalate(s, command, **extra):
    r = await call(s, "gateway_shell_exec", {"command": command, **extra})
    check(r.get("status") == "pending_approval", f"`{command}` escalates", r)
    return r.get("approval_id")


async def attack_1_store_writer(env):
    """`recourse approvals approve ID --as alice` from the gateway's user granted the agent's
    own escalation: the store was the only authority. Now a grant needs alice's signature."""
    env = fresh(env, "store")
    marker = os.path.join(env.work, "store-marker")
    async with session(env, "prod") as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        # A genuine approval by alice, for a different command: its signature is real.
        real = await escalate(s, "touch genuinely-approved")
        env.human(real)
        target = await escalate(s, f"touch {marker}")

        out = cli(env, "approvals", "approve", target, "--reason", "pwned", "--state-dir", env.state, as_attacker=True)
        check(out.returncode != 0, "attack 1: the CLI without the operator's key decides nothing", out.stdout + out.stderr)
        key = os.path.join(env.base, "attacker.key")
        cli(env, "approvers", "keygen", "--key", key, as_attacker=True)
        out = cli(env, "approvals", "approve", target, "--reason", "pwned", "--key", key, "--state-dir", env.state,
                  as_attacker=True)
        check(out.returncode != 0 and "not registered" in out.stdout + out.stderr,
              "attack 1: a key nobody registered decides nothing", out.stdout + out.stderr)
        out = cli(env, "break-glass", "plan", "0" * 32, "-e", "prod", "--reason", "pwned", "--state-dir", env.state,
                  as_attacker=True)
        check(out.returncode != 0, "attack 1: break-glass without a registered key is refused", out.stdout + out.stderr)

        # Full write access to the store: copy alice's real statement onto the target, once
        # verbatim and once rewritten to name the target, and mark it approved.
        with db(env) as c:
            rec = json.loads(c.execute("SELECT record FROM approvals WHERE id = ?", (real,)).fetchone()[0])
            stmt = rec["statements"][0]
            row = json.loads(c.execute("SELECT record FROM approvals WHERE id = ?", (target,)).fetchone()[0])
            forged = dict(stmt, approval_id=target, request_digest=row["request_digest"])
            row["statements"] = [stmt, forged]
            c.execute("UPDATE approvals SET state = 'approved', record = ? WHERE id = ?", (json.dumps(row), target))
        res = await call(s, "gateway_shell_exec", {"command": f"touch {marker}", "approval_id": target})
        check(res.get("status") != "executed" and not os.path.exists(marker),
              "attack 1: an approved row written into the store is not honoured", res)
        events = [e.get("event") for e in audit_events(env)]
        check("approval_forgery" in events, "attack 1: the forgery is audited", events)

        # Insert a brand-new approved row with a copied signature for the same request.
        with db(env) as c:
            fake = dict(row, id="f" * 32, statements=[dict(stmt, approval_id="f" * 32,
                                                             request_digest=row["request_digest"])])
            c.execute("INSERT INTO approvals (id, state, request_digest, created_at, record) VALUES (?, 'approved', ?, ?, ?)",
                      (fake["id"], row["request_digest"], 0, json.dumps(fake)))
        res = await call(s, "gateway_shell_exec", {"command": f"touch {marker}", "approval_id": "f" * 32})
        check(res.get("status") != "executed" and not os.path.exists(marker),
              "attack 1: an inserted approved row is not honoured", res)
        chk = await call(s, "gateway_check_approval", {"approval_id": target})
        check(chk.get("data", {}).get("status") != "approved", "attack 1: check_approval does not call it approved", chk)

        # The genuine approval still works: the gate did not refuse everything.
        res = await call(s, "gateway_shell_exec", {"command": "touch genuinely-approved", "approval_id": real})
        check(res.get("status") == "executed", "attack 1: alice's real approval is honoured", res)


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rewrite_log(env, keep):
    """What the attacker did: drop records, renumber, recompute the sha256 chain and the store's
    anchor, so that the chain alone says intact."""
    path = os.path.join(env.state, "audit.jsonl")
    records = [json.loads(line) for line in open(path).read().splitlines()]
    kept = [r for r in records if keep(r)]
    prev = records[0]["prev_hash"]
    lines = []
    for i, r in enumerate(kept, start=1):
        r = dict(r, seq=i, prev_hash=prev)
        r.pop("hash", None)
        r["hash"] = hashlib.sha256(canonical(r).encode()).hexdigest()
        prev = r["hash"]
        lines.append(canonical(r) + "\n")
    with open(path, "w") as f:
        f.writelines(lines)
    with db(env) as c:
        c.execute("UPDATE audit_anchor SET seq = ?, hash = ?", (len(kept), prev))
    first_dropped = next(i for i, r in enumerate(records, start=1) if not keep(r))
    return first_dropped, len(records)


async def some_history(env, s):
    aid = await escalate(s, "touch history-1")
    env.human(aid)
    await call(s, "gateway_shell_exec", {"command": "touch history-1", "approval_id": aid})
    for i in range(3):
        await call(s, "gateway_shell_exec", {"command": f"echo {i}"})
    return aid


async def attack_2_log_rewritten(env):
    """The agent dropped its own records from audit.jsonl and recomputed the unkeyed chain and
    the anchor row: `recourse audit verify` said "chain intact". The gateway now signs
    checkpoints with a key outside the state directory."""
    env = fresh(env, "rewrite")
    async with session(env, "prod") as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        aid = await some_history(env, s)
    # The gateway has exited: its last checkpoint covers every record.
    out = cli(env, "audit", "checkpoint", "--state-dir", env.state)
    check(out.returncode == 0 and "recourse.audit/" in out.stdout, "attack 2: audit checkpoint prints a signed note",
          out.stdout + out.stderr)
    ok = cli(env, "audit", "verify", "--public-key", env.audit_public_key, "--state-dir", env.state)
    check(ok.returncode == 0 and "checkpoint" in ok.stdout, "attack 2: the untouched log verifies against the key",
          ok.stdout + ok.stderr)

    first, _ = rewrite_log(env, lambda rec: aid not in json.dumps(rec))
    plain = cli(env, "audit", "verify", "--state-dir", env.state)
    check(plain.returncode == 0 and "chain intact" in plain.stdout,
          "attack 2: (the rewrite is good enough to fool the unkeyed chain)", plain.stdout + plain.stderr)
    bad = cli(env, "audit", "verify", "--public-key", env.audit_public_key, "--state-dir", env.state)
    text = bad.stdout + bad.stderr
    check(bad.returncode != 0, "attack 2: audit verify --public-key fails on the rewritten log", text)
    check(f"record {first} " in text, f"attack 2: it names the first record that no longer matches ({first})", text)


async def attack_3_cut_after_checkpoint(env):
    """Records cut off the end of the log (and the anchor moved back) are detected, also when
    the checkpoints file itself is deleted, from a checkpoint copied elsewhere."""
    env = fresh(env, "cut")
    async with session(env, "prod") as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        await some_history(env, s)
    saved = os.path.join(env.base, "ticket-checkpoint.txt")
    with open(saved, "w") as f:
        f.write(cli(env, "audit", "checkpoint", "--state-dir", env.state).stdout)
    path = os.path.join(env.state, "audit.jsonl")
    n = len(open(path).read().splitlines())
    rewrite_log(env, lambda rec: rec["seq"] <= n - 2)
    bad = cli(env, "audit", "verify", "--public-key", env.audit_public_key, "--state-dir", env.state)
    text = bad.stdout + bad.stderr
    check(bad.returncode != 0 and f"record {n - 1} onwards was cut off" in text,
          f"attack 3: the cut is detected, naming record {n - 1}", text)
    os.remove(os.path.join(env.state, "checkpoints.jsonl"))
    bad = cli(env, "audit", "verify", "--public-key", env.audit_public_key, "--state-dir", env.state)
    check(bad.returncode != 0 and "no signed checkpoint" in bad.stdout + bad.stderr,
          "attack 3: deleting the checkpoints fails verification", bad.stdout + bad.stderr)
    bad = cli(env, "audit", "verify", "--public-key", env.audit_public_key, "--checkpoint", saved,
              "--state-dir", env.state)
    check(bad.returncode != 0 and "cut off" in bad.stdout + bad.stderr,
          "attack 3: the checkpoint copied to a ticket still detects the cut", bad.stdout + bad.stderr)


async def attack_4_script_changed(env):
    """`sh cleanup.sh` escalated, the human read the script and approved, the agent rewrote the
    script, and the approved call ran the new content."""
    env = fresh(env, "script")
    script = os.path.join(env.work, "cleanup.sh")
    evil = os.path.join(env.work, "evil-marker")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho cleaning up\nrm -f ./tmp-*.log\n")
    give_to_sandbox(env.work)
    async with session(env, "prod") as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        aid = await escalate(s, "sh cleanup.sh")
        shown = cli(env, "approvals", "show", aid or "", "--state-dir", env.state)
        check("rm -f ./tmp-*.log" in shown.stdout, "attack 4: approvals show prints the script", shown.stdout + shown.stderr)
        env.human(aid)
        with open(script, "w") as f:
            f.write(f"#!/bin/sh\ntouch {evil}\n")
        give_to_sandbox(env.work)
        res = await call(s, "gateway_shell_exec", {"command": "sh cleanup.sh", "approval_id": aid})
        check(res.get("status") != "executed" and not os.path.exists(evil),
              "attack 4: the rewritten script does not run under the old approval", res)
        message = res.get("message", "")
        check("cleanup.sh" in message and "changed" in message, "attack 4: the refusal names the changed file", res)
        # A link can be re-pointed between the check and the run: a script reached through one
        # is not bound, the call is refused naming the target.
        os.symlink("cleanup.sh", os.path.join(env.work, "link.sh"))
        res = await call(s, "gateway_shell_exec", {"command": "sh link.sh"})
        check(res.get("status") == "rejected_input" and "cleanup.sh" in res.get("message", ""),
              "attack 4: a script reached through a symlink is refused, naming its target", res)
        # Redaction never hides code from the approver: a "password" whose value runs a command.
        pending = await escalate(s, f'export DB_PASSWORD="$(touch {evil})"; true')
        shown = cli(env, "approvals", "show", pending or "", "--state-dir", env.state).stdout
        check(f"touch {evil}" in shown, "attack 4: code in a secret-looking value is shown to the approver", shown[:800])


async def attack_5_two_agents(env):
    """Two agents on one state directory: agent-b repeated agent-a's escalated call, got the
    same approval_id, and consumed agent-a's approval."""
    env = fresh(env, "agents")
    marker = os.path.join(env.work, "agents-marker")
    cmd = f"touch {marker}"

    def as_agent(name):
        e = copy.copy(env)
        e.serve_args = lambda env_name, *extra: [a if a != "agent-attacker" else name
                                                 for a in env.serve_args(env_name, *extra)]
        return e

    a_env, b_env = as_agent("agent-a"), as_agent("agent-b")
    async with session(a_env, "prod") as (ra, wa), ClientSession(ra, wa) as a, \
            session(b_env, "prod") as (rb, wb), ClientSession(rb, wb) as b:
        await a.initialize()
        await b.initialize()
        aid = await escalate(a, cmd)
        env.human(aid)
        rb_res = await call(b, "gateway_shell_exec", {"command": cmd})
        check(rb_res.get("approval_id") != aid, "attack 5: agent-b's identical call gets its own approval id", rb_res)
        res = await call(b, "gateway_shell_exec", {"command": cmd, "approval_id": aid})
        check(res.get("status") != "executed" and not os.path.exists(marker),
              "attack 5: agent-b cannot consume agent-a's approval", res)
        res = await call(a, "gateway_shell_exec", {"command": cmd, "approval_id": aid})
        check(res.get("status") == "executed" and os.path.exists(marker), "attack 5: agent-a still can", res)


class Raw:
    """A raw JSON-RPC client on the gateway's stdio: sends bytes, reads one answer line."""

    def __init__(self, env, env_name="prod"):
        self.p = subprocess.Popen([env.args.recourse, *env.serve_args(env_name)], cwd=env.work, env=env.gateway_env(),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.send(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}).encode())
        self.answer()
        self.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')

    def send(self, raw):
        self.p.stdin.write(raw + b"\n")
        self.p.stdin.flush()

    def answer(self, timeout=20):
        import select
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return None
        line = self.p.stdout.readline()
        return json.loads(line) if line else None

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


async def attack_6_unaudited_attempts(env):
    """An unknown tool name, `tools/call` with non-object or missing arguments, and
    `gateway_request_approval` on a `block` plan left no audit record."""
    env = fresh(env, "unaudited")
    raw = Raw(env)
    calls = {
        "unknown tool": {"name": "gateway_approve", "arguments": {"approval_id": "0" * 32}},
        "array arguments": {"name": "gateway_shell_exec", "arguments": ["rm", "-rf", "/"]},
        "string arguments": {"name": "gateway_shell_exec", "arguments": "rm -rf /"},
        "no params": None,
    }
    for i, (what, params) in enumerate(calls.items(), start=1):
        msg = {"jsonrpc": "2.0", "id": i, "method": "tools/call"}
        if params is not None:
            msg["params"] = params
        raw.send(json.dumps(msg).encode())
        a = raw.answer() or {}
        check(a.get("id") == i and a.get("error", {}).get("code") == -32602,
              f"attack 6: {what}: a JSON-RPC invalid-params error", a)
    raw.close()
    rejected = [e for e in audit_events(env) if e.get("event") == "rejected_input"]
    check(len(rejected) == len(calls), f"attack 6: each of the {len(calls)} attempts is audited as rejected_input",
          [e.get("error") for e in rejected])
    check(all(e.get("agent", {}).get("id") == "agent-attacker" for e in rejected),
          "attack 6: each record names the caller", rejected)
    check(sum(1 for e in rejected if e.get("raw_sha256")) >= 3,
          "attack 6: malformed calls carry a digest of the raw request", rejected)
    check(any(e.get("tool") == "gateway_approve" for e in rejected), "attack 6: the unknown tool is named", rejected)
    # A plan the policy blocks (here every mutation in prod): asking for its approval is
    # refused and recorded.
    import terraform_attacks as tf
    infra = tf.project(env, "infra-blocked", {"main.tf": tf.AWS + 'resource "aws_s3_bucket" "b" { bucket = "recourse-blocked" }\n'})
    policy = os.path.join(env.base, "block-mutations.yaml")
    with open(policy, "w") as f:
        f.write("recourseos:\n  version: '2.0'\n  environments:\n    prod: { default_mutation: block }\n")
    async with session(env, "prod", "-p", policy) as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        plan = await call(s, "gateway_terraform_plan", {"cwd": infra, "workspace": "default"})
        check(plan.get("decision") == "block" and plan.get("plan_id"), "attack 6: the plan is blocked", plan)
        before = len(audit_events(env))
        res = await call(s, "gateway_request_approval", {"operation": "apply", "target": "infra", "reason": "please",
                                                          "plan_id": plan.get("plan_id") or ""})
        check(res.get("status") == "blocked" and not res.get("approval_id"),
              "attack 6: request_approval on a blocked plan is refused, no approval made", res)
    after = audit_events(env)[before:]
    check(any(e.get("tool") == "gateway_request_approval" and e.get("decision") == "block" for e in after),
          "attack 6: the refused request_approval is recorded", [e.get("event") for e in after])


async def attack_7_jsonrpc_hygiene(env):
    """Malformed JSON, a line with invalid UTF-8, a batch array and a 100k-deep nesting got no
    JSON-RPC reply at all."""
    env = fresh(env, "hygiene")
    raw = Raw(env)
    for what, line, code in [
        ("malformed JSON", b'{"jsonrpc": "2.0", "id": 1, "method": ', -32700),
        ("invalid UTF-8", b'{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"x":"\xff\xfe"}}', -32700),
        ("a batch array", b'[{"jsonrpc":"2.0","id":3,"method":"tools/list"}]', -32600),
        ("100k-deep nesting", b'{"jsonrpc":"2.0","id":4,"method":"tools/list","params":' + b"[" * 100000 + b"]" * 100000 + b"}", -32700),
        ("a bare number", b"42", -32600),
    ]:
        raw.send(line)
        a = raw.answer() or {}
        check(a.get("error", {}).get("code") == code and "id" in a and a["id"] is None,
              f"attack 7: {what} is answered with {code} (id null)", a)
    raw.send(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "tools/list"}).encode())
    a = raw.answer() or {}
    check(a.get("id") == 99 and "result" in a, "attack 7: the server keeps serving", a)
    raw.close()
    rejected = [e for e in audit_events(env) if e.get("event") == "rejected_input"]
    check(len(rejected) == 5 and all(e.get("raw_sha256") for e in rejected),
          "attack 7: each malformed message is audited with a digest of what was sent", rejected)


async def main(args):
    env = kit.Env(args)
    which = set(args.only.split(",")) if args.only else None
    for n, attack in enumerate([attack_1_store_writer, attack_2_log_rewritten, attack_3_cut_after_checkpoint,
                                attack_4_script_changed, attack_5_two_agents, attack_6_unaudited_attempts,
                                attack_7_jsonrpc_hygiene], start=1):
        if which and str(n) not in which:
            continue
        try:
            await attack(env)
        except Exception as e:
            check(False, f"attack {n} raised", repr(e))
    if kit.FAILURES:
        print(f"{len(kit.FAILURES)} check(s) failed", flush=True)
        sys.exit(1)
    print("all approval attacks failed to reach their goal", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    for a in ["recourse", "terraform", "plugin-dir", "base"]:
        p.add_argument("--" + a, required=True)
    p.add_argument("--only", default="")
    p.set_defaults(terraform_wrapper=None)
    asyncio.run(main(p.parse_args()))
