#!/usr/bin/env python3
"""The terraform attacks of issue 11, through the real MCP server with real terraform 1.0.3.

`terraform plan` on a configuration the agent wrote runs the agent's code. Each attack is what
a hostile agent did before the gateway screened configurations, controlled provider supply,
sanitized terraform's output and bound plans to everything apply loads; each is judged by its
effect (a marker a planted provider would create, a canary secret in any result or audit
record, what the approver is shown, whether a changed configuration is applied).

Usage (the Rust test `terraform_attacks` runs it): terraform_attacks.py --recourse BIN
--terraform BIN --plugin-dir DIR --base DIR
"""
import argparse
import asyncio
import json
import os
import subprocess
import sys

from mcp import ClientSession

import sandbox_attacks as kit
from sandbox_attacks import check, give_to_sandbox, output, session

AWS = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "3.39.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAIOSFODNN7EXAMPLE"
  secret_key                  = "not-a-real-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
"""


def project(env, name, files):
    d = os.path.join(env.work, name)
    for rel, body in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(body)
        if rel.endswith(".sh") or "terraform-provider-" in rel:
            os.chmod(p, 0o755)
    give_to_sandbox(env.work)
    return d


def show(env, approval_id):
    return subprocess.run([env.args.recourse, "approvals", "show", approval_id, "--state-dir", env.state],
                          capture_output=True, text=True).stdout


async def plan(s, cwd, *args, workspace="default"):
    return await kit.call(s, "gateway_terraform_plan", {"cwd": cwd, "workspace": workspace, "args": list(args)})


async def attack_1_planted_provider(env):
    """A "provider" the agent placed under the working directory (a `.terraform/` prepared by
    `terraform init -plugin-dir=…`) ran during plan with the cloud credentials."""
    marker = os.path.join(env.work, "evil-provider-ran")
    evil = f"#!/bin/sh\ntouch {marker}\necho \"EVIL-STDOUT $(env | base64 -w0)\"\n"
    plugin = ".terraform/providers/registry.terraform.io/hashicorp/evil/1.0.0/linux_amd64/terraform-provider-evil_v1.0.0"
    for label, main in (("declared", 'terraform {\n  required_providers {\n    evil = { source = "hashicorp/evil" }\n  }\n}\nprovider "evil" {}\n'),
                        ("implicit", 'resource "evil_thing" "x" {}\n')):
        d = project(env, f"tf-evil-{label}", {"main.tf": main, plugin: evil,
                                                "terraform.d/plugins/registry.terraform.io/hashicorp/evil/1.0.0/linux_amd64/terraform-provider-evil_v1.0.0": evil})
        async with session(env, "dev") as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            res = await plan(s, d)
            text = json.dumps(res)
            check(res.get("status") in ("blocked", "refused", "rejected_input"), f"attack 1 ({label}): the plan did not run", res)
            check("EVIL-STDOUT" not in text, f"attack 1 ({label}): no provider output reached the agent", text[:400])
        check(not os.path.exists(marker), f"attack 1 ({label}): the planted provider never ran", "")
    check("EVIL-STDOUT" not in env.audit_text(), "attack 1: no provider output in the audit log", "")


async def attack_2_file_reads(env):
    """`file("/proc/self/environ")`, `file("~/.aws/credentials")`, `filebase64("<state>/recourse.db")`
    quoted back through `tonumber(base64encode(…))`'s error message (and stored in the audit)."""
    direct = project(env, "tf-read", {"main.tf": f"""
locals {{
  x = join("\\n", [file("/proc/self/environ"), file("{env.home}/.aws/credentials"), filebase64("{env.state}/recourse.db")])
}}
output "o" {{ value = tonumber(base64encode(local.x)) }}
"""})
    computed = project(env, "tf-read-var", {"main.tf": """
variable "p" { type = string }
output "o" { value = tonumber(file(var.p)) }
output "b" { value = tonumber(base64encode(file(var.p))) }
"""})
    for env_name in ("dev", "prod"):
        async with session(env, env_name) as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            res = await plan(s, direct)
            check(res.get("status") == "blocked", f"attack 2 ({env_name}): credential and /proc reads are blocked before planning", res)
            check(not env.leaked(json.dumps(res)), f"attack 2 ({env_name}): no canary in the result", env.leaked(json.dumps(res)))
            # A path chosen at plan time cannot be screened; approved by a human, it still reads
            # nothing that reaches the agent: /proc is terraform's own sandbox, the output is
            # sanitized, and the gateway's secrets are redacted.
            res = await plan(s, computed, "-var=p=/proc/self/environ")
            if res.get("status") == "pending_approval":
                env.human(res["approval_id"])
                res = await kit.call(s, "gateway_terraform_plan", {"cwd": computed, "workspace": "default",
                                                                    "args": ["-var=p=/proc/self/environ"], "approval_id": res["approval_id"]})
            check(res.get("status") != "planned", f"attack 2 ({env_name}): the computed read fails", res)
            check(not env.leaked(json.dumps(res)), f"attack 2 ({env_name}): no canary from the computed read", env.leaked(json.dumps(res)))
    check(not env.leaked(env.audit_text()), "attack 2: no canary in the audit log", env.leaked(env.audit_text()))


async def attack_3_provisioner_shown(env):
    """A `local-exec` provisioner escalated, but the approver was shown only "the plan changes
    1 resource(s) in prod"."""
    command = "env | grep AWS_SECRET | base64 > /tmp/exfil"
    d = project(env, "tf-provisioner", {"main.tf": AWS + f"""
resource "aws_s3_bucket" "b" {{
  bucket = "recourse-test-bucket"
  provisioner "local-exec" {{
    command = "{command}"
  }}
}}
"""})
    async with session(env, "prod") as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        res = await plan(s, d, "-refresh=false")
        check(res.get("status") == "pending_approval", "attack 3: a provisioner makes planning escalate in prod", res)
        shown = show(env, res.get("approval_id", ""))
        check(command in shown, "attack 3: the approver sees the provisioner's command in full", shown[-800:])
        check("main.tf:" in shown, "attack 3: ... with its source location", shown[-800:])
        env.human(res["approval_id"])
        res = await kit.call(s, "gateway_terraform_plan", {"cwd": d, "workspace": "default", "args": ["-refresh=false"],
                                                            "approval_id": res["approval_id"]})
        check(res.get("decision") == "escalate" and res.get("plan_id") and res.get("approval_id"), "attack 3: planned; applying needs an approval", res)
        shown = show(env, res.get("approval_id", ""))
        for needle in (command, "aws_s3_bucket.b", "registry.terraform.io/hashicorp/aws", "default"):
            check(needle in shown, f"attack 3: the apply approval shows {needle}", shown[-1500:])


async def attack_4_changed_after_approval(env):
    """The plan file was bound, but the modules and the lock file (which apply also loads)
    could change between approval and apply."""
    d = project(env, "tf-module", {
        "main.tf": 'module "m" { source = "./mod" }\noutput "greeting" { value = module.m.v }\n',
        "mod/main.tf": 'output "v" { value = "approved" }\n',
    })
    async with session(env, "prod") as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        res = await plan(s, d)
        check(res.get("decision") == "escalate" and res.get("approval_id"), "attack 4: planned (applying escalates in prod)", res)
        plan_id, aid = res.get("plan_id"), res.get("approval_id")
        env.human(aid)
        with open(os.path.join(d, "mod/main.tf"), "w") as f:
            f.write('output "v" { value = "swapped-after-approval" }\n')
        res = await kit.call(s, "gateway_terraform_apply", {"plan_id": plan_id, "approval_id": aid})
        check(res.get("status") == "refused" and "mod/main.tf changed" in res.get("message", ""),
              "attack 4: a module changed after approval: not applied, and the refusal says what changed", res)
        state = os.path.join(d, "terraform.tfstate")
        check(not os.path.exists(state) or "swapped" not in open(state).read(), "attack 4: the swapped module never ran", "")
    aws = project(env, "tf-lock", {"main.tf": AWS + 'resource "aws_s3_bucket" "b" { bucket = "recourse-lock-test" }\n'})
    async with session(env, "dev") as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        res = await plan(s, aws, "-refresh=false")
        check(res.get("plan_id") is not None, "attack 4: an AWS plan was made (lock file written)", res)
        lock = os.path.join(aws, ".terraform.lock.hcl")
        check(os.path.exists(lock), "attack 4: terraform wrote the lock file", "")
        with open(lock, "a") as f:
            f.write("# tampered\n")
        res = await kit.call(s, "gateway_terraform_apply", {"plan_id": res.get("plan_id")})
        check(res.get("status") == "refused" and ".terraform.lock.hcl changed" in res.get("message", ""),
              "attack 4: a changed lock file: not applied, named", res)


async def main(args):
    env = kit.Env(args)
    which = set(args.only.split(",")) if args.only else None
    for n, attack in enumerate([attack_1_planted_provider, attack_2_file_reads, attack_3_provisioner_shown,
                                attack_4_changed_after_approval], start=1):
        if which and str(n) not in which:
            continue
        try:
            await attack(env)
        except Exception as e:
            check(False, f"attack {n} raised", repr(e))
    check(not env.leaked(env.audit_text()), "no canary anywhere in the audit log", env.leaked(env.audit_text()))
    if kit.FAILURES:
        print(f"{len(kit.FAILURES)} check(s) failed", flush=True)
        sys.exit(1)
    print("all terraform attacks failed to reach their goal", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    for a in ["recourse", "terraform", "plugin-dir", "base"]:
        p.add_argument("--" + a, required=True)
    p.add_argument("--only", default="")
    p.set_defaults(terraform_wrapper=None)
    asyncio.run(main(p.parse_args()))
