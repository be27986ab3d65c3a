"""Nazar's own processes on top of the infrastructure.

A service issue adds its service by appending one entry to SERVICES (and, if it loads data once
the stack is up, a command to AFTER_UP); `deploy/stack up/down/status/logs` pick it up from here,
and so does the end-to-end test (`tests/e2e/system.py`), through `argv_of` and `env_of`, so that
it runs exactly what `up` runs. In commands and env values, "{python}" is the workspace venv's
interpreter, "{base+N}" is NAZAR_PORT_BASE + N, "{state}" the stack's state folder and "{origin}"
the stack's one origin (http://localhost:<base+80>, the proxy in front of every service).
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from .common import ROOT, Ports, StackError, State, read_env_file, run, say, venv_python
from .procs import (
    cmdline,
    pid_alive,
    pids_referencing,
    pids_with_env,
    read_pid,
    start_detached,
    stop_processes,
    tail,
    wait_until,
)
from .proxy import PORT_OFFSET as PROXY_OFFSET
from .proxy import origin

# Every process a service starts inherits this, so `down` finds even one whose pid file is lost.
STATE_MARKER = "NAZAR_STACK_STATE"


@dataclass(frozen=True)
class Service:
    name: str
    # argv, with the placeholders above.
    command: list[str]
    # HTTP port = NAZAR_PORT_BASE + port_offset (see docs/DEVELOPING.md, "Ports").
    port_offset: int
    health_path: str = "/readyz"
    env: dict[str, str] = field(default_factory=dict)
    # Internal metrics listener (/metrics) = NAZAR_PORT_BASE + metrics_offset; None for a fake.
    metrics_offset: int | None = None
    # The web pages a person opens first (a console), if the service serves any.
    console_path: str | None = None
    # What `up` prints for it: its API documentation, or for a fake its message log.
    look_path: str = "/docs"

    def port(self, ports: Ports) -> int:
        return ports.service(self.port_offset)

    def url(self, ports: Ports, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port(ports)}{path}"

    def metrics_port(self, ports: Ports) -> int | None:
        return None if self.metrics_offset is None else ports.service(self.metrics_offset)

    def metrics_url(self, ports: Ports) -> str | None:
        port = self.metrics_port(ports)
        return None if port is None else f"http://127.0.0.1:{port}/metrics"


# Local secrets of the fake providers: the fakes check them exactly as the real ones would.
_FAKE_WA = ["--token", "local-whatsapp-token", "--app-secret", "local-app-secret"]
_FAKE_SMS = ["--token", "local-sms-key", "--app-secret", "local-sms-secret"]
# The local stack's Facebook Page and the token the fake accepts: the `facebook-state`
# account's, seeded into the publisher as NAZAR_SOCIAL_SEED_TOKENS.
_FB_PAGE, _FB_TOKEN = "100000000000101", "local-facebook-token"
_FAKE_X = ["--client-id", "local-x-client", "--client-secret", "local-x-client-secret"]
# A token pair the fake X knows from the start, for an account seeded with
# NAZAR_SOCIAL_SEED_TOKENS (the OAuth flow at /api/v1/social/accounts/{id}/connect makes others).
_FAKE_X_SEED = (
    '{"static_tokens": [{"access_token": "local-x-access-token", '
    '"refresh_token": "local-x-refresh-token", "user_id": "1500000000000000001"}]}'
)

# Started in this order by `up`, stopped in reverse by `down` (placeholders: see the top).
SERVICES: list[Service] = [
    Service(
        "roster",
        ["{python}", "-m", "roster", "serve"],
        port_offset=101,
        metrics_offset=111,
        console_path="/roster",
    ),
    Service(
        "directive",
        ["{python}", "-m", "directive", "serve"],
        port_offset=102,
        metrics_offset=112,
        console_path="/console",
        env={
            # The dev stack's state folder; inbox links (https only, by contract) keep the
            # default base, and the page itself is at http://127.0.0.1:<base+102>/inbox/d/...
            "NAZAR_ATTACHMENT_DIR": "{state}/directive/attachments",
            "NAZAR_FAUST_DATADIR": "{state}/directive/faust",
        },
    ),
    Service(
        "fake-whatsapp",
        ["{python}", "-m", "nazar_fakes", "whatsapp", "--port", "{base+201}",
         "--webhook-url", "{origin}/publisher/webhooks/whatsapp", *_FAKE_WA,
         "--phone-number-ids", "100000000000001", "--mps-cap", "80", "--reply-share", "0.5",
         "--log", "{state}/logs/fake-whatsapp-messages.jsonl"],
        port_offset=201,
        health_path="/healthz",
        look_path="/_fake/messages",
    ),
    Service(
        "fake-sms",
        ["{python}", "-m", "nazar_fakes", "sms", "--port", "{base+202}",
         "--webhook-url", "{origin}/publisher/webhooks/sms", *_FAKE_SMS,
         "--log", "{state}/logs/fake-sms-messages.jsonl"],
        port_offset=202,
        health_path="/healthz",
        look_path="/_fake/messages",
    ),
    Service(
        "fake-x",
        ["{python}", "-m", "nazar_fakes", "x", "--port", "{base+203}", *_FAKE_X,
         "--config", _FAKE_X_SEED],
        port_offset=203,
        health_path="/healthz",
        look_path="/_fake/posts",
    ),
    Service(
        "fake-facebook",
        ["{python}", "-m", "nazar_fakes", "facebook", "--port", "{base+204}",
         "--token", _FB_TOKEN, "--page-ids", _FB_PAGE,
         "--log", "{state}/logs/fake-facebook-posts.jsonl"],
        port_offset=204,
        health_path="/healthz",
        look_path="/_fake/messages",
    ),
    Service(
        "fake-instagram",
        ["{python}", "-m", "nazar_fakes", "instagram", "--port", "{base+205}",
         "--token", "local-instagram-token", "--ig-user-ids", "17841400000000001",
         "--log", "{state}/logs/fake-instagram-calls.jsonl"],
        port_offset=205,
        health_path="/healthz",
        look_path="/_fake/messages",
    ),
    Service(
        "social-publisher",
        ["{python}", "-m", "social_publisher", "serve"],
        port_offset=103,
        metrics_offset=113,
        env={
            "NAZAR_WHATSAPP_BASE_URL": "http://127.0.0.1:{base+201}",
            "NAZAR_WHATSAPP_PHONE_NUMBER_IDS": '["100000000000001"]',
            "NAZAR_WHATSAPP_TOKEN": "local-whatsapp-token",
            "NAZAR_WHATSAPP_APP_SECRET": "local-app-secret",
            "NAZAR_WHATSAPP_VERIFY_TOKEN": "local-verify-token",
            "NAZAR_SMS_BASE_URL": "http://127.0.0.1:{base+202}",
            "NAZAR_SMS_API_KEY": "local-sms-key",
            "NAZAR_SMS_WEBHOOK_SECRET": "local-sms-secret",
            "NAZAR_FACEBOOK_BASE_URL": "http://127.0.0.1:{base+204}",
            "NAZAR_FACEBOOK_API_VERSION": "v23.0",
            # Fernet key of the local stack only (32 bytes, urlsafe base64).
            "NAZAR_SOCIAL_TOKEN_KEY": "bmF6YXItbG9jYWwtc3RhY2stc29jaWFsLXRva2VucyE=",
            # The official accounts of the local stack, one per network (the fakes' ids), and the
            # tokens the fakes accept, sealed into accounts that have none at the first start.
            "NAZAR_SOCIAL_ACCOUNTS": (
                '[{"account_id": "x-state", "network": "x", "name": "Rajasthan Police (X, local)",'
                ' "provider_account_id": "1500000000000000001", "handle": "PoliceRajasthan"},'
                ' {"account_id": "facebook-state", "network": "facebook",'
                ' "name": "Rajasthan Police (Facebook, local)",'
                ' "provider_account_id": "100000000000101", "handle": "PoliceRajasthan"},'
                ' {"account_id": "instagram-state", "network": "instagram",'
                ' "name": "Rajasthan Police (Instagram, local)",'
                ' "provider_account_id": "17841400000000001", "handle": "policerajasthan"}]'
            ),
            "NAZAR_SOCIAL_SEED_TOKENS": (
                '{"x-state": {"access_token": "local-x-access-token",'
                ' "refresh_token": "local-x-refresh-token"},'
                ' "facebook-state": {"access_token": "local-facebook-token"},'
                ' "instagram-state": {"access_token": "local-instagram-token"}}'
            ),
            "NAZAR_X_API_BASE_URL": "http://127.0.0.1:{base+203}",
            "NAZAR_X_AUTHORIZE_URL": "http://127.0.0.1:{base+203}/i/oauth2/authorize",
            "NAZAR_X_CLIENT_ID": "local-x-client",
            "NAZAR_X_CLIENT_SECRET": "local-x-client-secret",
            # X sends the browser back, and Instagram fetches creatives, through the one origin.
            "NAZAR_X_REDIRECT_URL": "{origin}/publisher/oauth/x/callback",
            "NAZAR_PUBLIC_BASE_URL": "{origin}/publisher",
            # The media store: creatives kept here, served to the fake Instagram at /media/...
            "NAZAR_MEDIA_DIR": "{state}/publisher-media",
            "NAZAR_PUBLIC_MEDIA_KEY": "local-publisher-public-media-link-key",
            "NAZAR_INSTAGRAM_BASE_URL": "http://127.0.0.1:{base+205}",
            # Only the local stack and tests talk to fakes; production keeps this false.
            "NAZAR_ALLOW_SYNTHETIC": "true",
        },
    ),
    Service(
        "story-intake",
        ["{python}", "-m", "story_intake", "serve"],
        port_offset=104,
        metrics_offset=114,
        console_path="/console",  # the moderation console
        env={
            # Signed media URLs (creatives in publish requests, alerts' photos) under the one
            # origin: the publisher fetches them through it, officers open them there.
            "NAZAR_PUBLIC_BASE_URL": "{origin}/stories",
            "NAZAR_DIRECTIVE_CONSOLE_URL": "{origin}/directive",
        },
    ),
    # The one origin (issue 16): nginx in front of the four services, each under its prefix
    # (/roster, /directive, /stories, /publisher; deploy/nginx/). Last, so that SERVICES[0] stays
    # the roster; it proxies to ports, so it starts before them as well as after.
    Service(
        "proxy",
        ["{python}", "-m", "stackctl.proxy", "--state", "{state}", "--base", "{base+0}"],
        port_offset=PROXY_OFFSET,
        health_path="/healthz",
        env={"PYTHONPATH": "deploy"},  # stackctl, from the repository root (the cwd)
        look_path="/",
    ),
]  # fmt: skip

# Commands run once every service is healthy, e.g. loading the demo roster; "{python}" as above.
AFTER_UP: list[list[str]] = [
    # The synthetic demo roster (two districts' circles, a few hundred members), into an empty
    # roster only: running `up` again leaves what was changed since as it is.
    ["{python}", "-m", "nazar_rostergen", "seed", "--scale", "demo"],
    # A demo story at each step of the moderation chain (draft, at the CO, the SP, PHQ, sent
    # back, rejected, approved), through story-intake's API with Idempotency-Keys: a second
    # `up` creates and decides nothing twice.
    # Through the one origin, like every URL the stack prints.
    ["{python}", "-m", "nazar_rostergen.stories",
     "--roster", "{origin}/roster", "--story-intake", "{origin}/stories"],
    # Where to watch a field alert on the demo roster: the demo station's gram rakshak who raises
    # it, the SHO, CO, SP and range IG it reaches (printed; it raises nothing).
    ["{python}", "-m", "nazar_rostergen.alerts",
     "--roster", "{origin}/roster", "--directive", "{origin}/directive",
     "--story-intake", "{origin}/stories",
     "--fake-whatsapp", "http://127.0.0.1:{base+201}"],
]  # fmt: skip


_PLACEHOLDER = re.compile(r"\{base\+(\d+)\}|\{state\}|\{python\}|\{origin\}")


def expand(value: str, ports: Ports, state: State) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return str(ports.base + int(m.group(1)))
        if m.group(0) == "{origin}":
            return origin(ports.base)
        return str(state.dir) if m.group(0) == "{state}" else str(venv_python())

    return _PLACEHOLDER.sub(one, value)


def argv_of(service: Service, ports: Ports, state: State) -> list[str]:
    return [expand(part, ports, state) for part in service.command]


def env_of(
    service: Service, ports: Ports, state: State, stack_env: Mapping[str, str]
) -> dict[str, str]:
    """The environment `up` starts `service` with: the stack's values, the service's own."""
    return {
        **os.environ,
        **stack_env,
        **{key: expand(value, ports, state) for key, value in service.env.items()},
        "NAZAR_SERVICE_NAME": service.name,
        # Every process a service starts inherits this, so `down` finds even a lost one.
        STATE_MARKER: str(state.dir),
        "NAZAR_HTTP_PORT": str(service.port(ports)),
        # The one origin every page, link and cookie is under (WebAuthn's relying party).
        "NAZAR_PUBLIC_ORIGIN": origin(ports.base),
        # The roster is the identity provider: every service verifies its sign-in's tokens
        # through its JWKS, and the dev sign-in's tokens (the dev key's kid) beside them.
        "NAZAR_AUTH_JWKS_URL": SERVICES[0].url(ports, "/.well-known/jwks.json"),
        "NAZAR_AUTH_DEV_KEY_WITH_JWKS": "true",
        # The roster signs ES256; the dev key and tests' keys are RSA.
        "NAZAR_AUTH_ALGORITHMS": '["ES256", "RS256"]',
        **(
            {"NAZAR_METRICS_PORT": str(service.metrics_port(ports))}
            if service.metrics_offset is not None
            else {}
        ),
    }


def service_pid(state: State, service: Service) -> int | None:
    pid = read_pid(state.pids / f"{service.name}.pid")
    if pid is None:
        return None
    # The marker check rules out a pid that was reused by an unrelated process. nginx (the
    # proxy) writes its process title over its environment, but its title keeps its command
    # line, which names its folder in the state dir.
    if pid in pids_with_env(f"{STATE_MARKER}={state.dir}") or str(state.dir) in cmdline(pid):
        return pid
    return None


def start_all(state: State) -> None:
    ports = state.ports()
    stack_env = read_env_file(state.env_file)
    for service in SERVICES:
        if service_pid(state, service) is None:
            _start(state, ports, stack_env, service)
    for service in SERVICES:
        _wait_healthy(state, ports, service)
    for command in AFTER_UP:
        run(argv_of(Service("after-up", command, 0), ports, state), env={**os.environ, **stack_env})


def _start(state: State, ports: Ports, stack_env: dict[str, str], service: Service) -> None:
    env = env_of(service, ports, state, stack_env)
    log = state.logs / f"{service.name}.log"
    say(f"starting {service.name} on {service.url(ports)} (log: {log})")
    pid = start_detached(argv_of(service, ports, state), log, env=env, cwd=ROOT)
    state.pids.mkdir(parents=True, exist_ok=True)
    (state.pids / f"{service.name}.pid").write_text(f"{pid}\n")


def healthy(ports: Ports, service: Service) -> bool:
    try:
        url = service.url(ports, service.health_path)  # always http://127.0.0.1
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_healthy(state: State, ports: Ports, service: Service, timeout: float = 60) -> None:
    pid = read_pid(state.pids / f"{service.name}.pid")

    def done() -> bool:
        return healthy(ports, service) or pid is None or not pid_alive(pid)

    wait_until(done, timeout, 0.3)
    if not healthy(ports, service):
        log = state.logs / f"{service.name}.log"
        raise StackError(f"{service.name} is not healthy; last log lines:\n{tail(log)}")


def stop_all(state: State) -> None:
    for service in reversed(SERVICES):
        pid = service_pid(state, service)
        if pid is not None:
            say(f"stopping {service.name} (pid {pid})")
            stop_processes([pid], timeout=20)
        (state.pids / f"{service.name}.pid").unlink(missing_ok=True)
    strays = pids_with_env(f"{STATE_MARKER}={state.dir}")
    strays += [p for p in pids_referencing(f"{state.dir}/nginx/") if p not in strays]
    if strays:
        say(f"stopping stray service processes {strays}")
        stop_processes(strays, timeout=20)
