"""`python -m social_publisher serve`: run the publisher (HTTP, Kafka consumers, senders)."""

from __future__ import annotations

import argparse
import os

import uvicorn
from nazar_platform.logging import configure

from social_publisher.app import create_app
from social_publisher.settings import PublisherSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="social_publisher")
    parser.add_argument("command", choices=["serve"])
    parser.parse_args(argv)
    settings = PublisherSettings()
    port = int(os.environ.get("NAZAR_HTTP_PORT", settings.http_port))
    configure(settings.service_name, settings.log_level, json_output=settings.log_json)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=port,
        log_config=None,
        access_log=False,
        loop="uvloop",  # about a third less CPU per request than asyncio's loop
        timeout_graceful_shutdown=30,
    )


if __name__ == "__main__":
    main()
