"""The internal metrics listener: `/metrics` on its own port, never on the public one.

The public HTTP port is what members, officers and webhooks reach (through a proxy in a
deployment); the Prometheus exposition names routes, consumers, topics and queue depths and is
for the monitoring network only. `create_app`'s lifespan starts this listener on
`NAZAR_METRICS_HOST:NAZAR_METRICS_PORT` when a port is set (`deploy/stack` and the compose file
always set one; port 0 takes a free port, for tests) and stops it on shutdown.

It is prometheus_client's own HTTP server, in a thread of its own: a scrape needs nothing of the
event loop, so metrics still answer while the loop is busy, which is when they matter.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import start_http_server

log = structlog.get_logger(__name__)


@dataclass
class MetricsListener:
    host: str
    port: int  # the bound one (a request for port 0 gets a free port)
    _server: WSGIServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def stop(self) -> None:
        """Blocks until the server's loop has ended (at most its half-second poll)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start(host: str, port: int) -> MetricsListener:
    server, thread = start_http_server(port, addr=host)
    listener = MetricsListener(host, server.server_port, server, thread)
    log.info("metrics listener started", url=listener.url)
    return listener
