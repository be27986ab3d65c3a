"""What a running service holds: settings, the database pool, the shared producer, its tasks.

`nazar_platform.service.create_app` builds one in the app's lifespan and puts it in
`app.state.runtime`; request code reaches it with `runtime_of(request)`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer
from starlette.requests import HTTPConnection

from nazar_platform.config.settings import PlatformSettings


@dataclass
class Runtime:
    settings: PlatformSettings
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    # Set once on shutdown; every long-running task watches it.
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def dead_tasks(self) -> list[str]:
        """Tasks that ended while the service is not stopping: the service is not healthy."""
        if self.stop.is_set():
            return []
        return sorted(name for name, task in self.tasks.items() if task.done())


class RuntimeNotStartedError(RuntimeError):
    pass


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime = getattr(connection.app.state, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise RuntimeNotStartedError("the app's lifespan has not started (no app.state.runtime)")
    return runtime
