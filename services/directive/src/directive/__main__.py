"""The directive service's command line.

python -m directive serve      # HTTP API, fan-out, consumers, scheduler (what the stack runs)
python -m directive worker     # everything but HTTP (scale-out fan-out and consumers); /metrics
                               # on the internal metrics listener when NAZAR_METRICS_PORT is set
python -m directive migrate    # apply the migrations and exit
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from nazar_platform.observability.logging import configure
from nazar_platform.service import migrate, run_worker

from directive.app import parts, serve
from directive.settings import DirectiveSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="directive", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["serve", "worker", "migrate"])
    args = parser.parse_args(argv)
    settings = DirectiveSettings()
    configure(settings.service_name, settings.log_level, json_output=settings.log_json)
    if args.command == "migrate":
        asyncio.run(migrate(parts(settings)))
    elif args.command == "worker":
        sys.exit(asyncio.run(run_worker(parts(settings))))
    else:
        serve(settings)


if __name__ == "__main__":
    main()
