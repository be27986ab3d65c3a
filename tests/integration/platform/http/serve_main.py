"""The test application as a service's `__main__` runs it: `serve()` in a process of its own.

    TESTAPP_TOPIC=... NAZAR_HTTP_PORT=... NAZAR_DATABASE_URL=... NAZAR_KAFKA_BOOTSTRAP=... \\
        python -m tests.integration.platform.http.serve_main
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from nazar_platform.config.settings import PlatformSettings
from nazar_platform.service import serve

from tests.integration.platform.http.testapp import build_app


def create() -> FastAPI:
    return build_app(PlatformSettings(), os.environ["TESTAPP_TOPIC"])


if __name__ == "__main__":
    serve(create, PlatformSettings())
