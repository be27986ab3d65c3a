"""What a running service holds: settings, the database pool, the shared producer, its supervisor.

`nazar_platform.service.started` builds one (for `serve` in the app's lifespan, and for a
worker process); request code reaches it with `runtime_of(request)`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer
from starlette.requests import HTTPConnection

from nazar_platform.config.settings import PlatformSettings
from nazar_platform.runtime.supervisor import Stage, Supervisor


@dataclass
class Runtime:
    settings: PlatformSettings
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    supervisor: Supervisor = field(default_factory=Supervisor)

    @property
    def stop(self) -> asyncio.Event:
        """Set once on shutdown, first: what takes work in watches it."""
        return self.supervisor.stop_event(Stage.WORK)

    @property
    def tasks(self) -> dict[str, asyncio.Task[None]]:
        return self.supervisor.tasks

    def dead_tasks(self) -> list[str]:
        """Tasks that ended while the service is not stopping: the service is not healthy."""
        return self.supervisor.dead()


class RuntimeNotStartedError(RuntimeError):
    pass


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime = getattr(connection.app.state, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise RuntimeNotStartedError("the app's lifespan has not started (no app.state.runtime)")
    return runtime
