"""The directive service's command line.

python -m directive serve      # HTTP API, fan-out, consumers, scheduler (what the stack runs)
python -m directive worker     # everything but HTTP (scale-out fan-out and consumers); /metrics
                               # on the internal metrics listener when NAZAR_METRICS_PORT is set
python -m directive migrate    # apply the migrations and exit
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from nazar_platform.observability import metrics_listener
from nazar_platform.observability.logging import configure

from directive.runtime import Worker, migrate
from directive.settings import DirectiveSettings


async def _worker(settings: DirectiveSettings) -> None:
    worker = Worker(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    listener = None
    if settings.metrics_port is not None:
        listener = metrics_listener.start(settings.metrics_host, settings.metrics_port)
    try:
        await worker.start()
        await stop.wait()
        await worker.stop()
    finally:
        if listener is not None:
            listener.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="directive", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["serve", "worker", "migrate"])
    args = parser.parse_args(argv)
    settings = DirectiveSettings()
    configure(settings.service_name, settings.log_level, json_output=settings.log_json)
    if args.command == "migrate":
        asyncio.run(migrate(settings.dsn))
    elif args.command == "worker":
        asyncio.run(_worker(settings))
    else:
        from directive.app import serve

        serve(settings)


if __name__ == "__main__":
    main()
