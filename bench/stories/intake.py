"""Stories with photos: `--clients` concurrent field clients each write a story, attach one
~1 MB, 2,048-px JPEG and send it up, against story-intake running as its own process on a fresh
database (Kafka for its outbox). Reports stories/s, p50/p99 of a whole story (the three
requests), and the service's CPU seconds per story (/proc). Same-run baseline: the same Pillow
pipeline (`story_intake.adapters.images.process`: orient, strip, re-encode, two renditions) run
in a bare loop on the same files, in as many threads as the service has image workers; the
ratio is the service's rate over the bare loop's. Target (README's reference 2-core machine):
≥ 0.7 × the bare pipeline's rate with p99 ≤ 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint
from PIL import Image, ImageDraw
from story_intake.adapters.images import process
from story_intake.domain.media import JPEG, ImageLimits
from story_intake.store import units

from bench.common import (
    ROOT,
    create_database,
    create_topics,
    delete_topics,
    drop_database,
    infra,
    report,
)

TREE = [
    units.UnitRow("RJ", "state", ("RJ",), 1),
    units.UnitRow("DST-KT", "district", ("RJ", "DST-KT"), 1),
    units.UnitRow("CIR-TIJARA", "circle", ("RJ", "DST-KT", "CIR-TIJARA"), 1),
    units.UnitRow("PS-TIJARA", "police_station", ("RJ", "DST-KT", "CIR-TIJARA", "PS-TIJARA"), 1),
]
STORY = {
    "kind": "recovery",
    "title": {"hi": "तिजारा पुलिस ने चोरी की मोटरसाइकिलें बरामद कीं"},
    "text": {"hi": "नाकाबंदी के दौरान चोरी की सात मोटरसाइकिलें बरामद कर तीन आरोपियों को पकड़ा गया।"},
    "place": "तिजारा",
}
IMAGE_WORKERS = 2
TARGET_RATIO, TARGET_P99_S = 0.7, 3.0


def photos(count: int, side: int, folder: Path) -> list[Path]:
    """`count` different JPEGs, `side` px wide (3:4), about 1 MB each at 2,048 px: a smooth
    scene with noise (as a phone's photo compresses), each with its own number painted in."""
    rng = random.Random(2026)
    height = side * 3 // 4
    noise = Image.effect_noise((side, height), 48).convert("RGB")
    scene = Image.linear_gradient("L").resize((side, height)).convert("RGB")
    base = Image.blend(scene, noise, 0.35)
    out = []
    for i in range(count):
        image = base.copy()
        ImageDraw.Draw(image).rectangle(
            (i % 40 * 20, 0, i % 40 * 20 + 60, 60), fill=(rng.randrange(256), 90, 30)
        )
        path = folder / f"photo-{i}.jpg"
        image.save(path, "JPEG", quality=78)
        out.append(path)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bare_pipeline(files: list[Path], workdir: Path, threads: int) -> dict[str, float]:
    limits = ImageLimits(15_000_000, 40_000_000)
    out_dir = workdir / "bare"
    out_dir.mkdir(exist_ok=True)

    def one(path: Path) -> None:
        process(path, JPEG, limits, out_dir, 320, 1280).discard()

    cpu, started = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, files))
    wall = time.perf_counter() - started
    return {
        "photos_per_s": len(files) / wall,
        "cpu_s_per_photo": (time.process_time() - cpu) / len(files),
    }


async def _client(
    base_url: str, token: str, files: list[Path], latencies: list[float], failures: list[str]
) -> None:
    async with httpx.AsyncClient(
        base_url=base_url, timeout=120, headers={"Authorization": f"Bearer {token}"}
    ) as c:
        for path in files:
            started = time.perf_counter()
            r = await c.post("/api/v1/stories", json=STORY)
            if r.status_code != 201:
                failures.append(f"create {r.status_code}")
                continue
            story_id = r.json()["id"]
            with path.open("rb") as f:
                r = await c.post(
                    f"/api/v1/stories/{story_id}/photos",
                    files={"file": (path.name, f, "image/jpeg")},
                )
            if r.status_code != 201:
                failures.append(f"photo {r.status_code} {r.text[:120]}")
                continue
            r = await c.post(f"/api/v1/stories/{story_id}/submit")
            if r.status_code != 200:
                failures.append(f"submit {r.status_code}")
                continue
            latencies.append(time.perf_counter() - started)


async def _measure(
    port: int, pid: int, key_path: Path, files: list[Path], clients: int
) -> dict[str, Any]:
    settings = AuthSettings(dev_private_key_path=key_path)
    key = ensure_dev_keypair(key_path)

    def token(i: int) -> str:
        return mint(
            f"M-BENCH-{i}", [Grant.parse("constable:PS-TIJARA")], private_key=key,
            issuer=settings.issuer, audience=settings.audience, ttl=timedelta(hours=2),
            kid=settings.dev_kid,
        )  # fmt: skip

    base_url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base_url) as probe:
        for _ in range(300):
            assert Path(f"/proc/{pid}").exists(), "story-intake died; see its log"
            try:
                if (await probe.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    shares = [files[i::clients] for i in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    cpu, started = _cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(
        *(_client(base_url, token(i), shares[i], latencies, failures) for i in range(clients))
    )
    wall = time.perf_counter() - started
    cpu = _cpu_seconds(pid) - cpu
    latencies.sort()
    done = len(latencies)
    return {
        "stories posted (one photo each)": done,
        "failures": len(failures),
        "first failures": failures[:3],
        "stories/s": done / wall,
        "story p50 s": statistics.median(latencies) if latencies else 0.0,
        "story p99 s": latencies[min(done - 1, int(done * 0.99))] if latencies else 0.0,
        "service CPU s per story": cpu / max(done, 1),
    }


async def run(count: int, clients: int, side: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-stories-"))
    files = photos(count, side, workdir)
    key_path = workdir / "dev-key.pem"
    with infra(name="bench-stories", port_base=os.environ.get("NAZAR_PORT_BASE", "37400")) as srv:
        dsn = await create_database(srv.pg_dsn, "bench_stories")
        # An empty units topic of its own: the tree is written directly, and a consumer polling a
        # missing topic would spend the CPU being measured.
        units_topic = f"bench.stories.units.{uuid.uuid4().hex[:6]}"
        await create_topics(srv.kafka_bootstrap, units_topic, partitions=1)
        port = _free_port()
        env = {
            **os.environ, "NAZAR_DATABASE_URL": dsn, "NAZAR_KAFKA_BOOTSTRAP": srv.kafka_bootstrap,
            "NAZAR_HTTP_PORT": str(port), "NAZAR_ENVIRONMENT": "test", "NAZAR_LOG_LEVEL": "WARNING",
            "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH": str(key_path),
            "NAZAR_MEDIA_DIR": str(workdir / "media"), "NAZAR_IMAGE_WORKERS": str(IMAGE_WORKERS),
            "NAZAR_TOPIC_UNITS": units_topic,
        }  # fmt: skip
        service = subprocess.Popen(
            [sys.executable, "-m", "story_intake", "serve"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=(workdir / "story-intake.log").open("wb"),
        )  # fmt: skip
        try:
            await _tree(dsn)
            figures = await _measure(port, service.pid, key_path, files, clients)
        finally:
            service.terminate()
            service.wait(30)
            await drop_database(srv.pg_dsn, dsn)
            await delete_topics(srv.kafka_bootstrap, units_topic)
    sizes = [p.stat().st_size for p in files]
    bare = bare_pipeline(files, workdir, IMAGE_WORKERS)
    one_thread = bare_pipeline(files[: max(1, len(files) // 4)], workdir, 1)
    ratio = figures["stories/s"] / bare["photos_per_s"]
    return {
        "photo MB (mean)": statistics.mean(sizes) / 1e6,
        "photo px": f"{side}x{side * 3 // 4}",
        "clients": clients,
        **figures,
        f"baseline: bare pipeline photos/s ({IMAGE_WORKERS} threads)": bare["photos_per_s"],
        "baseline: bare pipeline photos/s (1 thread)": one_thread["photos_per_s"],
        "baseline: bare pipeline CPU s per photo": bare["cpu_s_per_photo"],
        "service / bare pipeline rate": ratio,
        "target >= 0.7 x bare and p99 <= 3 s met": str(
            ratio >= TARGET_RATIO and figures["story p99 s"] <= TARGET_P99_S
        ),
    }


async def _tree(dsn: str) -> None:
    """The service creates its tables at start; the units read model is written directly."""
    for _ in range(150):
        try:
            conn = await asyncpg.connect(dsn)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        try:
            if await conn.fetchval("SELECT to_regclass('units') IS NOT NULL"):
                await units.upsert(conn, TREE)
                return
        finally:
            await conn.close()
        await asyncio.sleep(0.2)
    raise RuntimeError("story-intake did not create its tables")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stories", description=__doc__)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--photo-px", type=int, default=2048, help="the photos' long side")
    args = parser.parse_args()
    figures = asyncio.run(run(args.stories, args.clients, args.photo_px))
    report("stories", figures)


if __name__ == "__main__":
    main()
