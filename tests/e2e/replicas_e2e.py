"""Two gateway replicas on one PostgreSQL database, driven by the official Python MCP client
through each in turn.

Run by crates/recourse-cli/tests/replicas_e2e.rs, which starts PostgreSQL, migrates the store,
starts replicas A and B (`serve --http --store postgres://… --log-id …`, each with a state
directory of its own) and passes their URLs, a token and paths. Exits non-zero with a message
on the first failed expectation. Writes what it raced to --report (JSON) for the Rust side to
check against the audit chains in the store.

1. An escalation requested on A is approved by a human (`recourse approvals approve`, another
   process on the same store) and consumed on B.
2. N races: a plan is made (alternately on A and B), approved by the human, then applied by
   four concurrent calls, two through each replica: exactly one runs, the others are refused.
3. A freeze issued while both serve stops the next call on both; a thaw lets calls through.
4. A is killed (SIGKILL) in the middle of an apply: B goes on serving, the plan is not
   applied again through B.
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def check(cond, what, detail=None):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        if detail is not None:
            print(json.dumps(detail, indent=2, default=str)[:4000], file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def sc(result):
    return getattr(result, "structured_content", None) or getattr(result, "structuredContent", None) or {}


def human(args, *cmd):
    """A human at another terminal: a separate `recourse` process on the same store."""
    subprocess.run([args.recourse, *cmd, "--store", args.store], check=True, stdout=subprocess.DEVNULL)


class Agent:
    def __init__(self, url, token):
        self.url, self.token = url, token

    async def __aenter__(self):
        self.http = create_mcp_http_client(headers={"Authorization": f"Bearer {self.token}"})
        self.stream = streamable_http_client(self.url, http_client=self.http)
        read, write = await self.stream.__aenter__()
        self.session = ClientSession(read, write)
        await self.session.__aenter__()
        await self.session.initialize()
        return self.session

    async def __aexit__(self, *exc):
        await self.session.__aexit__(*exc)
        await self.stream.__aexit__(*exc)
        await self.http.aclose()


def write_config(infra, value):
    with open(os.path.join(infra, "main.tf"), "w") as f:
        f.write(f'output "n" {{ value = "{value}" }}\n')


async def escalate_on_a_consume_on_b(args, a, b):
    target = os.path.join(args.workdir, "made-across-replicas")
    cmd = f"mkdir {target}"
    r = await a.call_tool("gateway_shell_exec", {"command": cmd, "cwd": args.workdir})
    check(sc(r).get("status") == "pending_approval", "escalated on replica A", sc(r))
    aid = sc(r)["approval_id"]
    human(args, "approvals", "approve", aid, "--reason", "replicas e2e")
    r = await b.call_tool("gateway_shell_exec", {"command": cmd, "cwd": args.workdir, "approval_id": aid})
    check(sc(r).get("status") == "executed", "approved on the store, consumed on replica B", sc(r))
    check(os.path.isdir(target), "it ran (once)")
    r = await a.call_tool("gateway_shell_exec", {"command": cmd, "cwd": args.workdir, "approval_id": aid})
    check(sc(r).get("status") == "refused", "the same approval refused on replica A afterwards", sc(r))


async def races(args, sessions_a, sessions_b):
    infra = os.path.join(args.workdir, "race")
    os.makedirs(infra, exist_ok=True)
    raced = []
    for i in range(args.races):
        write_config(infra, f"race-{i}")
        planner = sessions_a[0] if i % 2 == 0 else sessions_b[0]
        r = await planner.call_tool("gateway_terraform_plan", {"cwd": infra, "workspace": "default"})
        s = sc(r)
        if not (s.get("plan_id") and s.get("approval_id")):
            check(False, f"race {i}: plan escalates", s)
        plan_id, aid = s["plan_id"], s["approval_id"]
        human(args, "approvals", "approve", aid, "--reason", f"race {i}")
        calls = [
            sess.call_tool("gateway_terraform_apply", {"plan_id": plan_id, "approval_id": aid})
            for sess in sessions_a + sessions_b
        ]
        results = [sc(x) for x in await asyncio.gather(*calls)]
        ran = [x for x in results if x.get("status") == "executed"]
        refused = [x for x in results if x.get("status") == "refused"]
        if len(ran) != 1 or len(refused) != len(results) - 1:
            check(False, f"race {i}: exactly one apply runs", results)
        if ran[0]["output"]["exit_code"] != 0:
            check(False, f"race {i}: the apply succeeded", ran[0])
        raced.append({"plan_id": plan_id, "approval_id": aid, "calls": len(results)})
    check(True, f"{args.races} races of the same approved apply across both replicas: exactly one ran each time")
    with open(os.path.join(infra, "terraform.tfstate")) as f:
        check(json.load(f)["outputs"]["n"]["value"] == f"race-{args.races - 1}", "the last race's plan is in effect")
    return raced


async def freeze(args, a, b):
    human(args, "freeze", "--env", "prod", "--reason", "incident 42: stop all agents")
    for name, s in [("A", a), ("B", b)]:
        r = await s.call_tool("gateway_shell_exec", {"command": "ls", "cwd": args.workdir})
        check(sc(r).get("status") == "refused" and "frozen" in sc(r).get("message", ""),
              f"a freeze stops the next call on replica {name}", sc(r))
    human(args, "thaw", "--env", "prod", "--reason", "incident 42 resolved")
    for name, s in [("A", a), ("B", b)]:
        r = await s.call_tool("gateway_shell_exec", {"command": "ls", "cwd": args.workdir})
        check(sc(r).get("status") == "executed", f"after the thaw replica {name} serves again", sc(r))


async def kill_mid_apply(args, a, b):
    infra = os.path.join(args.workdir, "crash")
    os.makedirs(infra, exist_ok=True)
    write_config(infra, "crash")
    r = await a.call_tool("gateway_terraform_plan", {"cwd": infra, "workspace": "default"})
    plan_id, aid = sc(r)["plan_id"], sc(r)["approval_id"]
    human(args, "approvals", "approve", aid, "--reason", "crash test")
    # The terraform wrapper stalls inside this apply (and says so) while the marker exists.
    open(os.path.join(infra, "stall"), "w").close()
    applying = asyncio.ensure_future(a.call_tool("gateway_terraform_apply", {"plan_id": plan_id, "approval_id": aid}))
    started = os.path.join(infra, "applying")
    deadline = time.time() + 60
    while not os.path.exists(started):
        check(time.time() < deadline, "the apply on A started")
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.3)
    os.kill(args.pid_a, signal.SIGKILL)
    applying.cancel()
    check(True, "replica A killed in the middle of an apply")
    os.remove(os.path.join(infra, "stall"))
    r = await b.call_tool("gateway_shell_exec", {"command": "ls", "cwd": args.workdir})
    check(sc(r).get("status") == "executed", "replica B goes on serving", sc(r))
    r = await b.call_tool("gateway_terraform_apply", {"plan_id": plan_id, "approval_id": aid})
    check(sc(r).get("status") == "refused", "the plan is not applied again through B", sc(r))
    check(not os.path.exists(os.path.join(infra, "terraform.tfstate")), "nothing was applied")
    return {"plan_id": plan_id, "approval_id": aid}


async def main(args):
    async with Agent(args.url_a, args.token) as a, Agent(args.url_b, args.token) as b, \
            Agent(args.url_a, args.token) as a2, Agent(args.url_b, args.token) as b2:
        await escalate_on_a_consume_on_b(args, a, b)
        raced = await races(args, [a, a2], [b, b2])
        await freeze(args, a, b)
        crashed = await kill_mid_apply(args, a, b)
        with open(args.report, "w") as f:
            json.dump({"races": raced, "crashed": crashed}, f)
        print("ok: all phases passed", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    for a in ["recourse", "store", "workdir", "url-a", "url-b", "token", "report"]:
        p.add_argument(f"--{a}", required=True)
    p.add_argument("--races", type=int, default=50)
    p.add_argument("--pid-a", type=int, required=True)
    args = p.parse_args()
    try:
        asyncio.run(main(args))
    except BaseException as e:  # noqa: BLE001
        # Closing the killed replica's session may fail; that is fine once every phase passed
        # (the report is written only then). Anything else is a failure.
        if not os.path.exists(args.report):
            raise
        print(f"note: {type(e).__name__} while closing the killed replica's session", flush=True)
