"""bench/push: Web Push from the publisher's client, with real encryption (issue 17, target
>= 500 pushes/s on the 2-core reference machine).

    uv run python -m bench.push [--seconds 20] [--concurrency 32] [--subscriptions 500]

The fake push service (`python -m nazar_fakes push`, its own process) makes `--subscriptions`
subscriptions as a browser would and decrypts every push it accepts with their keys, refusing
one that does not decrypt or whose VAPID token does not verify, as a real one does. This process
sends with `social_publisher.adapters.webpush.WebPushClient`, the publisher's own client: a fresh
ECDH key and AES-128-GCM (RFC 8291) per push, the VAPID token (RFC 8292) signed once per push
service. Baseline in the same run, from the same process with the same concurrency: WhatsApp
template messages with `WhatsAppClient` to the fake WhatsApp Cloud API (its own process, no
webhooks), the channel push goes before.

Figures: pushes/s and sends/s, the ratio, CPU ms per push and per send of this process and of
each fake, and every push's answer (all must be 201: a refused push counts against the target).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from nazar_contracts.directives import Priority
from py_vapid import Vapid02
from social_publisher.adapters.errors import ProviderCallError
from social_publisher.adapters.webpush import WebPushClient
from social_publisher.adapters.whatsapp import WhatsAppClient
from social_publisher.domain.messages import template_message
from social_publisher.domain.push import PushNotice, PushSubscription

from bench.common import ROOT, report
from bench.sender.procs import cpu_seconds

TARGET = 500.0  # pushes a second (issue 17)
PNID = "100000000000001"
TITLE = "थाना क्षेत्र में रात्रि गश्त बढ़ाएं — आदेश संख्या 17"
SUBJECT = "mailto:phq-it@police.rajasthan.gov.in"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "nazar_fakes", *args], cwd=ROOT, stdout=out, stderr=out,
        env=os.environ.copy(), start_new_session=True,
    )  # fmt: skip


async def _ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(200):
        try:
            async with session.get(url) as r:
                if r.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(url)


def _vapid() -> tuple[str, str]:
    vapid = Vapid02()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return vapid.private_pem().decode(), base64.urlsafe_b64encode(public).rstrip(b"=").decode()


async def _drive(
    seconds: float, concurrency: int, one: Callable[[int], Awaitable[str]], fake_pid: int
) -> dict[str, Any]:
    """Send as fast as `concurrency` workers can for `seconds`; count answers and CPU."""
    answers: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    cpu0, fake0 = time.process_time(), cpu_seconds(fake_pid)
    started = time.monotonic()

    async def worker(w: int) -> None:
        n = w
        while time.monotonic() < deadline:
            answers[await one(n)] += 1
            n += concurrency

    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    wall = time.monotonic() - started
    done = sum(answers.values())
    return {
        "count": done,
        "per_second": done / wall,
        "cpu_ms_client": 1000 * (time.process_time() - cpu0) / max(done, 1),
        "cpu_ms_fake": 1000 * (cpu_seconds(fake_pid) - fake0) / max(done, 1),
        "answers": dict(answers),
    }


async def main(args: argparse.Namespace) -> None:
    logs = ROOT / ".state" / "bench-push"
    logs.mkdir(parents=True, exist_ok=True)
    push_port, wa_port = _port(), _port()
    fakes = [
        _spawn(["push", "--port", str(push_port), "--mps-cap", "1000000"], logs / "push.log"),
        _spawn(
            ["whatsapp", "--port", str(wa_port), "--webhook-url", "http://127.0.0.1:9/",
             "--app-secret", "bench", "--token", "bench-token", "--phone-number-ids", PNID,
             "--mps-cap", "1000000", "--config", json.dumps({"webhooks_paused": True})],
            logs / "whatsapp.log",
        ),
    ]  # fmt: skip
    private_pem, public = _vapid()
    limits = aiohttp.TCPConnector(limit=args.concurrency)
    try:
        async with aiohttp.ClientSession(connector=limits) as session:
            push_base, wa_base = f"http://127.0.0.1:{push_port}", f"http://127.0.0.1:{wa_port}"
            await _ready(session, f"{push_base}/_fake/config")
            await _ready(session, f"{wa_base}/_fake/config")
            subscriptions = []
            for _ in range(args.subscriptions):
                async with session.post(
                    f"{push_base}/_fake/subscriptions", json={"application_server_key": public}
                ) as r:
                    made = await r.json()
                subscriptions.append(
                    PushSubscription(made["endpoint"], made["keys"]["p256dh"], made["keys"]["auth"])
                )
            pusher = WebPushClient(session, private_pem, SUBJECT)

            async def push(n: int) -> str:
                notice = PushNotice(f"msg-{uuid.uuid4().hex[:12]}", TITLE)
                sub = subscriptions[n % len(subscriptions)]
                result = await pusher.send(sub, notice, Priority.URGENT, timedelta(hours=1))
                return str(result.status)

            whatsapp = WhatsAppClient(session, wa_base, "v21.0", "bench-token")

            async def send(n: int) -> str:
                message = template_message(
                    to=f"+9170{n % 100_000_000:08d}",
                    template="nazar_message",
                    language="hi",
                    parameters=[TITLE, "रात्रि गश्त बढ़ाएं।", "https://nazar.example/inbox/x"],
                    button_payload=None,
                    callback_data=str(uuid.uuid4()),
                )
                try:
                    await whatsapp.send(PNID, message)
                    return "200"
                except ProviderCallError as exc:
                    return f"error {exc}"

            await _drive(2, args.concurrency, push, fakes[0].pid)  # warm-up: connections, JIT-free
            pushes = await _drive(args.seconds, args.concurrency, push, fakes[0].pid)
            sends = await _drive(args.seconds, args.concurrency, send, fakes[1].pid)
    finally:
        for fake in fakes:
            fake.terminate()
        for fake in fakes:
            fake.wait(10)
    refused = {k: v for k, v in pushes["answers"].items() if k != "201"}
    report(
        "push",
        {
            "pushes_per_second": round(pushes["per_second"], 1),
            "target_pushes_per_second": TARGET,
            "pushes": pushes["count"],
            "pushes_refused": sum(refused.values()),
            "push_answers": json.dumps(pushes["answers"]),
            "cpu_ms_per_push_client": round(pushes["cpu_ms_client"], 3),
            "cpu_ms_per_push_fake": round(pushes["cpu_ms_fake"], 3),
            "baseline_whatsapp_sends_per_second": round(sends["per_second"], 1),
            "whatsapp_answers": json.dumps(sends["answers"]),
            "cpu_ms_per_send_client": round(sends["cpu_ms_client"], 3),
            "cpu_ms_per_send_fake": round(sends["cpu_ms_fake"], 3),
            "ratio_push_to_whatsapp": round(
                pushes["per_second"] / max(sends["per_second"], 1e-9), 3
            ),
            "seconds": args.seconds,
            "concurrency": args.concurrency,
            "subscriptions": args.subscriptions,
        },
    )


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.push", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--subscriptions", type=int, default=500)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(_args()))
