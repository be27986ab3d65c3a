"""Command line of deploy/stack; see docs/DEVELOPING.md."""

from __future__ import annotations

import argparse
import sys
import time

from . import services
from .checks import chaos, test
from .common import StackError, State, say
from .infra import infra_down, infra_up
from .install import install
from .proxy import origin
from .status import print_logs, print_status

DEV = "dev"


def main(argv: list[str]) -> int:
    if argv[:1] == ["test"] and argv[1:2] not in (["-h"], ["--help"]):
        # Everything after `test` belongs to pytest, options included (argparse would eat them).
        return test(argv[1:])
    if argv[:1] == ["chaos"] and argv[1:2] not in (["-h"], ["--help"]):
        return chaos(argv[1:])
    parser = argparse.ArgumentParser(prog="deploy/stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="install what is missing (apt, uv, venv, Kafka jars)")
    sub.add_parser("up", help="install, start the dev stack and its services, print where to look")
    sub.add_parser("down", help="stop everything of the dev stack")
    status = sub.add_parser("status", help="what runs, pids, ports, health")
    status.add_argument("--name", default=DEV)
    logs = sub.add_parser("logs", help="show the logs of one component or all")
    logs.add_argument("component", nargs="?")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-n", "--lines", type=int, default=40)
    logs.add_argument("--name", default=DEV)
    up = sub.add_parser("infra-up", help="start Kafka and PostgreSQL for .state/NAME")
    up.add_argument("--name", required=True)
    down = sub.add_parser("infra-down", help="stop everything started for .state/NAME")
    down.add_argument("--name", required=True)
    down.add_argument("--wipe", action="store_true", help="also delete .state/NAME")
    run_tests = sub.add_parser("test", help="lint, type-check, then pytest [args]")
    run_tests.add_argument("pytest_args", nargs=argparse.REMAINDER)
    run_chaos = sub.add_parser("chaos", help="long runs: tests/chaos, tests/soak [pytest args]")
    run_chaos.add_argument("pytest_args", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    if args.command == "install":
        install()
    elif args.command == "up":
        return _up()
    elif args.command == "down":
        infra_down(DEV)
    elif args.command == "status":
        return print_status(State(args.name))
    elif args.command == "logs":
        return print_logs(State(args.name), args.component, args.follow, args.lines)
    elif args.command == "infra-up":
        values = infra_up(args.name)
        say(f"{args.name} is up: {State(args.name).env_file}")
        for key, value in values.items():
            print(f"{key}={value}")
    elif args.command == "infra-down":
        infra_down(args.name, wipe=args.wipe)
    elif args.command == "test":
        return test(args.pytest_args)
    elif args.command == "chaos":
        return chaos(args.pytest_args)
    return 0


def _up() -> int:
    started = time.monotonic()
    install()
    state = State(DEV)
    values = infra_up(DEV)
    services.start_all(state)
    ports = state.ports()
    here = origin(ports.base)
    lines = [
        f"Nazar dev stack is up ({time.monotonic() - started:.1f}s)",
        f"  one origin        {here}/  (every console, API, link and webhook, under its prefix)",
        f"    directive       {here}/directive/console  (dev sign-in: pick a member)",
        f"    moderation      {here}/stories/console",
        f"    roster          {here}/roster/roster",
        f"    publisher       {here}/publisher/docs  (webhooks: {here}/publisher/webhooks/...)",
        f"  Kafka bootstrap   {values['NAZAR_KAFKA_BOOTSTRAP']}",
        f"  PostgreSQL        {values['NAZAR_PG_DSN']}",
        f"  Prometheus        {values['NAZAR_PROMETHEUS_URL']}  (scrapes every service and Kafka)",
        f"  environment       {state.env_file}  (source it: set -a; . {state.env_file}; set +a)",
        f"  logs              {state.logs}/<component>.log  (deploy/stack logs [component] -f)",
    ]
    lines += [f"  {s.name:<17} {s.url(ports, s.look_path)}" for s in services.SERVICES]
    lines += [
        f"  {s.name + ' console':<17} {s.url(ports, s.console_path)}  (dev sign-in: pick a member)"
        for s in services.SERVICES
        if s.console_path
    ]
    lines += [
        f"  {s.name + ' metrics':<17} {s.metrics_url(ports)}  (internal listener)"
        for s in services.SERVICES
        if s.metrics_url(ports)
    ]
    lines.append("  stop with         deploy/stack down")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except StackError as error:
        say(f"error: {error}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
