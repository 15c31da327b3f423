#!/usr/bin/env python3
"""The web approvals page of issue 16, end to end, in a real headless Chromium.

An agent (the official Python MCP client, as `carol`) makes escalated calls to `recourse
gateway serve`; `recourse control serve` shows them to approvers who log in through a small
local OpenID Connect provider written here (RS256 ID tokens from the committed test key) or a
single-use login link; Playwright drives Debian's Chromium against the page. Judged by effect:
what the page shows (the zero-width character escaped; `<script>` and `javascript:` payloads
inert), whether the agent's retry runs exactly once, what is refused (the requester's own
approval, a POST without the CSRF token, forged ID tokens, a replayed login link, a link used
as a grant) and what the webhook receiver gets (its HMAC signature verifies).

Usage (the Rust test `web_approvals` runs it): web_approvals.py --recourse BIN --terraform BIN
--plugin-dir DIR --base DIR --chromium BIN [--screenshots DIR]
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import http.server
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import jwt
from cryptography.hazmat.primitives import serialization
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from playwright.async_api import async_playwright

import sandbox_attacks as kit
from sandbox_attacks import call, check

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_KEYS = os.path.join(HERE, "..", "..", "crates", "recourse-testkit", "data")
CLIENT_ID = "recourse-web"
CLIENT_SECRET = "s3cret-" + secrets.token_hex(8)
HOOK_SECRET = secrets.token_hex(24)
ZWSP = "\u200b"


def b64url(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def serve(handler):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


class Provider:
    """A small OpenID Connect provider: discovery, JWKS, an authorization endpoint that logs in
    whoever `user` names (no consent screen), and a token endpoint that checks the client
    secret, the code (once) and the PKCE verifier. `forge` makes it misbehave on purpose."""

    def __init__(self):
        with open(os.path.join(TEST_KEYS, "test-issuer-rsa.pem"), "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), None)
        with open(os.path.join(TEST_KEYS, "other-rsa.pem"), "rb") as f:
            self.other = serialization.load_pem_private_key(f.read(), None)
        self.user, self.groups, self.forge = None, [], None
        self.codes, self.token_requests = {}, []
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, status, body=None, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    iss = provider.issuer
                    return self.reply(200, {"issuer": iss, "authorization_endpoint": iss + "/authorize",
                                            "token_endpoint": iss + "/token", "jwks_uri": iss + "/jwks",
                                            "response_types_supported": ["code"],
                                            "id_token_signing_alg_values_supported": ["RS256"],
                                            "code_challenge_methods_supported": ["S256"]})
                if url.path == "/jwks":
                    pub = provider.key.public_key().public_numbers()
                    return self.reply(200, {"keys": [{"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig",
                                                      "n": b64url(pub.n), "e": b64url(pub.e)}]})
                if url.path == "/authorize":
                    ok = (q.get("response_type") == "code" and q.get("client_id") == CLIENT_ID
                          and q.get("code_challenge_method") == "S256" and q.get("code_challenge")
                          and q.get("nonce") and q.get("state"))
                    if not ok:
                        return self.reply(400, {"error": "invalid_request", "got": q})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {"user": provider.user, "groups": list(provider.groups), "nonce": q["nonce"],
                                            "challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"]}
                    loc = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q["state"]})
                    return self.reply(302, None, [("Location", loc)])
                self.reply(404, {"error": "not_found"})

            def do_POST(self):
                form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()))
                provider.token_requests.append(form)
                basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {basic}":
                    return self.reply(401, {"error": "invalid_client"})
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                    return self.reply(400, {"error": "invalid_grant"})
                challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if challenge.rstrip(b"=").decode() != grant["challenge"]:
                    return self.reply(400, {"error": "invalid_grant", "error_description": "PKCE"})
                now = int(time.time())
                claims = {"iss": provider.issuer, "sub": "sub-" + grant["user"], "aud": CLIENT_ID, "iat": now,
                          "exp": now + 300, "nonce": grant["nonce"], "preferred_username": grant["user"],
                          "groups": grant["groups"]}
                key, alg, headers = provider.key, "RS256", {"kid": "rsa-1"}
                if provider.forge == "key":
                    key = provider.other
                elif provider.forge == "nonce":
                    claims["nonce"] = "not-the-login-nonce"
                elif provider.forge == "aud":
                    claims["aud"] = "another-client"
                elif provider.forge == "expired":
                    claims["iat"], claims["exp"] = now - 7200, now - 3600
                if provider.forge == "none":
                    enc = lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).rstrip(b"=").decode()
                    token = enc({"alg": "none", "typ": "JWT", "kid": "rsa-1"}) + "." + enc(claims) + "."
                elif provider.forge == "hs256":
                    pub = provider.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
                    token = jwt.encode(claims, hashlib.sha256(pub).digest(), algorithm="HS256", headers=headers)
                else:
                    token = jwt.encode(claims, key, algorithm=alg, headers=headers)
                self.reply(200, {"access_token": "opaque", "token_type": "Bearer", "id_token": token})

        self.issuer = f"http://127.0.0.1:{serve(Handler)}"


class Receiver:
    """A webhook receiver that verifies what it gets; the first delivery is answered 503 so
    that the retry is exercised."""

    def __init__(self):
        self.got, self.attempts = [], 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.attempts += 1
                status = 503 if receiver.attempts == 1 else 200
                if status == 200:
                    receiver.got.append((self.headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.url = f"http://127.0.0.1:{serve(Handler)}/hook"

    @staticmethod
    def verify(headers, body):
        """Whether the signature header is HMAC-SHA256(secret, "<t>.<body>") and fresh."""
        fields = dict(p.split("=", 1) for p in headers.get("X-Recourse-Signature", "").split(","))
        expected = hmac.new(HOOK_SECRET.encode(), f"{fields.get('t')}.".encode() + body, hashlib.sha256).hexdigest()
        fresh = abs(int(fields.get("t", 0)) - time.time()) < 300
        return hmac.compare_digest(expected, fields.get("v1", "")) and fresh and \
            headers.get("X-Recourse-Timestamp") == fields.get("t")

    def events(self, approval_id):
        out = []
        for headers, body in self.got:
            doc = json.loads(body)
            if doc["approval"]["id"] == approval_id:
                out.append((doc, self.verify(headers, body)))
        return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env, *args):
    return subprocess.run([env.args.recourse, *args], env=env.human_env(), capture_output=True, text=True)


def register(env, name, *groups, on_behalf=False):
    key = os.path.join(env.base, f"{name}.key")
    out = cli(env, "approvers", "keygen", "--key", key)
    check(out.returncode == 0, f"keygen {name}", out.stderr)
    extra = [a for g in groups for a in ("--group", g)] + (["--on-behalf"] if on_behalf else [])
    out = cli(env, "approvers", "add", name, "--public-key", out.stdout.strip(), *extra)
    check(out.returncode == 0, f"register {name}", out.stderr)
    return key


def secret_file(env, name, value):
    path = os.path.join(env.base, name)
    with open(path, "w") as f:
        f.write(value)
    os.chmod(path, 0o600)
    return path


def wait_http(url, what):
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.1)
    check(False, f"{what} answers", url)


async def escalate(s, tool, arguments, what):
    r = await call(s, tool, arguments)
    check(r.get("status") == "pending_approval", f"{what} escalates", r)
    return r.get("approval_id")


async def sso(browser, control, provider, user, groups=(), next_path="/approvals", viewport=None):
    """A fresh browser that logs in as `user` through the provider."""
    ctx = await browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    page = await ctx.new_page()
    provider.user, provider.groups = user, list(groups)
    await page.goto(control + "/login?next=" + urllib.parse.quote(next_path))
    await page.click("text=Sign in with single sign-on")
    return ctx, page


async def main(args):
    env = kit.Env(args)
    policy = os.path.join(env.base, "policy.yaml")
    with open(policy, "w") as f:
        f.write("recourseos:\n  version: '2.0'\n  environments:\n    prod:\n      approvals:\n"
                "        required: 2\n        distinct: true\n        self_approval: deny\n"
                "        approvers: [group:sre, alice, carol]\n        break_glass: [group:oncall]\n")
    web_key = register(env, "web", on_behalf=True)
    register(env, "bob", "sre")
    register(env, "carol")
    provider, receiver = Provider(), Receiver()
    port = free_port()
    control = f"http://127.0.0.1:{port}"
    serve_args = [a if a != "agent-attacker" else "carol" for a in env.serve_args("prod", "-p", policy)]
    params = StdioServerParameters(command=args.recourse, args=serve_args, cwd=env.work, env=env.gateway_env())
    async with stdio_client(params) as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        # The gateway has made its state; the control plane opens it beside the gateway.
        control_proc = subprocess.Popen(
            [args.recourse, "control", "serve", "--http", f"127.0.0.1:{port}", "--state-dir", env.state,
             "--key", web_key, "--oidc-issuer", provider.issuer, "--oidc-client-id", CLIENT_ID,
             "--oidc-client-secret-file", secret_file(env, "client-secret", CLIENT_SECRET),
             "--notify-webhook", receiver.url, "--notify-secret-file", secret_file(env, "hook-secret", HOOK_SECRET),
             "--poll-ms", "300", "--log-level", "warn"],
            env=env.human_env(), stdout=subprocess.DEVNULL, stderr=open(os.path.join(env.base, "control.log"), "w"))
        try:
            wait_http(control + "/healthz", "the control plane")
            await run(args, env, s, provider, receiver, control)
        finally:
            control_proc.terminate()
            control_proc.wait(timeout=10)
    out = cli(env, "audit", "verify", "--state-dir", env.state)
    check(out.returncode == 0, "the audit chain verifies", out.stdout + out.stderr)
    if kit.FAILURES:
        with open(os.path.join(env.base, "control.log")) as f:
            print(f.read()[-3000:], flush=True)
        print(f"{len(kit.FAILURES)} check(s) failed", flush=True)
        sys.exit(1)
    print("web approvals: all checks passed", flush=True)


async def run(args, env, s, provider, receiver, control):
    marker = os.path.join(env.work, "ran-once.txt")
    command = f"printf 'zero{ZWSP}width\\n' >> {marker}"
    aid = await escalate(s, "gateway_shell_exec", {"command": command}, "a shell command with a zero-width space")
    manifest = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: xss\n  namespace: default\n  annotations:\n"
                "    note: \"<script>window.__pwned = 1</script>\"\n    link: \"javascript:window.__pwned=2\"\n"
                "spec:\n  containers:\n  - name: c\n    image: \"<img src=x onerror=window.__pwned=3>\"\n")
    kid = await escalate(s, "gateway_kubectl_apply", {"manifest": manifest}, "a manifest carrying <script>")
    xid = await escalate(s, "gateway_shell_exec",
                         {"command": "printf '%s' '<script>window.__pwned=4</script>' '<a href=\"javascript:window.__pwned=5\">x</a>' > xss.html"},
                         "a command carrying <script> and javascript:")

    pw = await async_playwright().start()
    browser = await pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
    try:
        # A link is never a grant: the approval's URL leads to the login.
        ctx = await browser.new_context()
        page = await ctx.new_page()
        await page.goto(f"{control}/approvals/{aid}")
        check("/login" in page.url and await page.is_visible("text=Sign in with single sign-on"),
              "the approval's link without a session leads to the login", page.url)
        await ctx.close()

        # Forged ID tokens never make a session.
        for forge in ["key", "nonce", "aud", "expired", "none", "hs256"]:
            provider.forge = forge
            ctx, page = await sso(browser, control, provider, "alice")
            await page.wait_for_load_state()
            body = await page.inner_text("body")
            check("ID token refused" in body, f"a forged ID token ({forge}) is refused", body[:300])
            await page.goto(control + "/approvals")
            check("/login" in page.url, f"no session after the forged ID token ({forge})", page.url)
            await ctx.close()
        provider.forge = None

        # The requester's own login cannot approve.
        ctx, page = await sso(browser, control, provider, "carol", next_path=f"/approvals/{aid}")
        await page.wait_for_url(f"**/approvals/{aid}")
        text = await page.inner_text("main")
        check("You requested this action" in text and await page.locator("button.approve").count() == 0,
              "the requester sees no Approve button on its own request", text[:500])
        csrf = await page.get_attribute("form.inline input[name=csrf]", "value")
        resp = await ctx.request.post(f"{control}/approvals/{aid}/decide", headers={"Origin": control},
                                      form={"csrf": csrf, "choice": "approve", "reason": "my own"})
        check(resp.status == 403 and "cannot approve" in await resp.text(),
              "the requester's own approval, posted anyway, is refused", (resp.status, (await resp.text())[:300]))
        # A POST without the CSRF token (a valid session cookie, the right origin) is refused.
        resp = await ctx.request.post(f"{control}/approvals/{aid}/decide", headers={"Origin": control},
                                      form={"choice": "reject", "reason": "no token"})
        check(resp.status == 403 and "CSRF" in await resp.text(), "a POST without the CSRF token is refused",
              resp.status)
        resp = await ctx.request.post(f"{control}/approvals/{aid}/decide", headers={"Origin": "http://evil.example"},
                                      form={"csrf": csrf, "choice": "reject", "reason": "cross-site"})
        check(resp.status == 403, "a POST from another origin is refused", resp.status)
        await ctx.close()

        # alice approves with a reason: 1 of 2.
        ctx, page = await sso(browser, control, provider, "alice", next_path=f"/approvals/{aid}")
        await page.wait_for_url(f"**/approvals/{aid}")
        resp = await page.reload()
        csp = resp.headers.get("content-security-policy", "")
        check("script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp,
              "the CSP forbids inline scripts and framing", csp)
        cookies = {c["name"]: c for c in await ctx.cookies()}
        sc = cookies.get("recourse-session", {})
        check(sc.get("httpOnly") and sc.get("sameSite") == "Strict", "the session cookie is HttpOnly, SameSite=Strict", sc)
        shown = await page.inner_text("pre.command")
        check("\\u{200B}" in shown and ZWSP not in shown, "the page shows the zero-width space escaped", shown)
        check(await page.is_visible("text=Hidden characters"), "the page says the command hides characters")
        check("pending — 0 of 2 approvals" in await page.inner_text("main"), "the page says 0 of 2 approvals")
        await page.fill("#reason", "printf into the work dir: fine")
        if args.screenshots:
            await page.screenshot(path=os.path.join(args.screenshots, "approval-detail.png"), full_page=True)
        await page.click("button.approve")
        await page.wait_for_selector("text=pending — 1 of 2 approvals")
        text = await page.inner_text("main")
        check("approved by alice" in text and "printf into the work dir: fine" in text and "(signed by web)" in text,
              "alice's approval is recorded, signed by the control plane on her behalf", text[:800])
        check(await page.locator("button.approve").count() == 0, "alice cannot approve twice")

        # The list: filterable, and live.
        await page.goto(control + "/approvals")
        check(await page.locator("li.card").count() >= 3, "the list shows the pending approvals")
        await page.select_option("select[name=tool]", "gateway_kubectl_apply")
        await page.click("text=Filter")
        await page.wait_for_url("**tool=gateway_kubectl_apply**")
        check(await page.locator("li.card").count() == 1, "filtered by tool")
        await page.goto(control + "/approvals")
        await escalate(s, "gateway_shell_exec", {"command": "touch live-update-check"}, "a new request")
        try:
            await page.wait_for_selector("text=touch live-update-check", timeout=15000)
            check(True, "the list updates live (server-sent events)")
        except Exception as e:
            check(False, "the list updates live (server-sent events)", repr(e))
        if args.screenshots:
            await page.screenshot(path=os.path.join(args.screenshots, "approvals-list.png"), full_page=True)

        # Payloads in a manifest and a command render inert.
        for what, ident in [("manifest", kid), ("command", xid)]:
            resp = await page.goto(f"{control}/approvals/{ident}")
            await page.wait_for_timeout(300)
            pwned = await page.evaluate("window.__pwned")
            scripts = await page.evaluate("Array.from(document.scripts).map(s => s.src)")
            js_links = await page.evaluate("document.querySelectorAll('[href^=\"javascript:\"], [src^=\"javascript:\"]').length")
            imgs = await page.evaluate("document.images.length")
            text = await page.inner_text("main")
            check(pwned is None and scripts == [control + "/static/app.js"] and js_links == 0 and imgs == 0,
                  f"the {what}'s <script> and javascript: payloads are inert", (pwned, scripts, js_links, imgs))
            check("<script>window.__pwned" in text and "javascript:window.__pwned" in text,
                  f"the {what}'s payloads are shown as text", text[:400])
        await page.goto(f"{control}/approvals/{kid}")
        check(await page.is_visible("text=kubectl apply: 1 object(s)"), "kubectl objects are shown one by one")
        await ctx.close()

        # bob logs in with a single-use link and gives the second approval.
        out = subprocess.run([args.recourse, "approvers", "login-link", "bob", "--url", control],
                             env=env.human_env(), capture_output=True, text=True)
        link = out.stdout.strip()
        check(out.returncode == 0 and "/login/link?token=" in link, "a login link for bob", out.stderr)
        ctx = await browser.new_context()
        page = await ctx.new_page()
        await page.goto(link)
        await page.click("button:has-text('Sign in as bob')")
        await page.wait_for_url("**/approvals")
        await page.goto(f"{control}/approvals/{aid}")
        await page.fill("#reason", "second pair of eyes: ok")
        await page.click("button.approve")
        await page.wait_for_selector(".statusline >> text=approved")
        check("approved by bob" in await page.inner_text("main"), "bob's approval completes the grant")
        await ctx.close()
        ctx = await browser.new_context()
        page = await ctx.new_page()
        resp = await page.goto(link)
        check(resp.status == 403 and "not valid" in await page.inner_text("body"), "a used login link is refused",
              resp.status)
        await ctx.close()

        if args.screenshots:
            phone = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                              is_mobile=True, has_touch=True)
            page = await phone.new_page()
            provider.user, provider.groups = "alice", []
            await page.goto(control + f"/login?next=/approvals/{kid}")
            await page.click("text=Sign in with single sign-on")
            await page.wait_for_url(f"**/approvals/{kid}")
            await page.screenshot(path=os.path.join(args.screenshots, "approval-detail-phone.png"), full_page=True)
            await page.goto(control + "/approvals")
            await page.screenshot(path=os.path.join(args.screenshots, "approvals-list-phone.png"), full_page=True)
            await phone.close()
    finally:
        await browser.close()
        await pw.stop()

    # The agent's retry runs exactly once.
    res = await call(s, "gateway_shell_exec", {"command": command, "approval_id": aid})
    check(res.get("status") == "executed", "the agent's retry runs", res)
    res = await call(s, "gateway_shell_exec", {"command": command, "approval_id": aid})
    check(res.get("status") != "executed", "a second retry is refused", res)
    with open(marker) as f:
        lines = f.read().splitlines()
    check(lines == [f"zero{ZWSP}width"], "the command ran exactly once", lines)

    # The webhooks: requested and decided, signed.
    for _ in range(100):
        if {d["event"] for d, _ in receiver.events(aid)} >= {"approval.requested", "approval.decided"}:
            break
        await asyncio.sleep(0.1)
    events = receiver.events(aid)
    kinds = [d["event"] for d, _ in events]
    check("approval.requested" in kinds and "approval.decided" in kinds, "webhooks for a new and a decided approval",
          kinds)
    check(events and all(ok for _, ok in events), "every webhook's HMAC signature verifies", events)
    check(events and all(d["url"] == f"{control}/approvals/{aid}" for d, _ in events),
          "the webhook links to the approval's page", events)
    check(receiver.attempts > len(receiver.got), "a refused delivery was retried", receiver.attempts)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    for a in ["recourse", "terraform", "plugin-dir", "base", "chromium"]:
        p.add_argument("--" + a, required=True)
    p.add_argument("--screenshots", default=os.environ.get("RECOURSE_SCREENSHOTS", ""))
    p.set_defaults(terraform_wrapper=None)
    parsed = p.parse_args()
    if parsed.screenshots:
        # Relative to the repository root (RECOURSE_SCREENSHOTS=docs), wherever this runs from.
        parsed.screenshots = os.path.join(HERE, "..", "..", parsed.screenshots)
    asyncio.run(main(parsed))
