"""The one supervisor of a process's long-running work, started, watched and stopped in order.

Every loop a service runs — Kafka consumers, the Faust fan-out, the sender, schedulers, the outbox
publisher — is started here under a name and a stage. A task that ends while the process is not
stopping is a death: logged, counted (`nazar_runtime_task_failures_total`) and reported by
`dead()` (so `/readyz` fails and a worker process exits). `stop()` stops the stages in order,
each given a share of the shutdown budget, and cancels what does not finish in time:

* `WORK` first: what takes work in and acts on it (consumers, the fan-out, senders, schedulers);
* then `RECORD`: what writes down the answers to WORK's last calls (the publisher's recorder);
* `PUBLISH` last: the outbox publisher, so that everything the others committed still goes out.

A task receives its stage's stop event and returns soon after it is set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import IntEnum

import structlog

from nazar_platform.observability import metrics

log = structlog.get_logger(__name__)

Work = Callable[[asyncio.Event], Awaitable[None]]

# Shares of the shutdown budget per stage; what a stage leaves unused passes to the next.
_SHARES = (0.6, 0.15, 0.25)


class Stage(IntEnum):
    WORK = 0
    RECORD = 1
    PUBLISH = 2


class Supervisor:
    def __init__(self) -> None:
        self._stops = {stage: asyncio.Event() for stage in Stage}
        self._stages: dict[str, Stage] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._died = asyncio.Event()

    def stop_event(self, stage: Stage = Stage.WORK) -> asyncio.Event:
        return self._stops[stage]

    @property
    def stopping(self) -> bool:
        return self._stops[Stage.WORK].is_set()

    def start(self, name: str, work: Work, stage: Stage = Stage.WORK) -> asyncio.Task[None]:
        if name in self.tasks:
            raise ValueError(f"a task named {name!r} is already supervised")
        task = asyncio.create_task(self._run(work, stage), name=name)
        metrics.RUNTIME_TASK_FAILURES.labels(name)  # 0 until it fails: a series from the start
        task.add_done_callback(self._ended)
        self.tasks[name] = task
        self._stages[name] = stage
        return task

    async def _run(self, work: Work, stage: Stage) -> None:
        await work(self._stops[stage])

    def _ended(self, task: asyncio.Task[None]) -> None:
        stage = self._stages[task.get_name()]
        if self._stops[stage].is_set() or task.cancelled():
            return
        metrics.RUNTIME_TASK_FAILURES.labels(task.get_name()).inc()
        log.error(
            "service task ended while the service runs",
            task=task.get_name(),
            exc_info=task.exception(),
        )
        self._died.set()

    def dead(self) -> list[str]:
        """Tasks that ended while their stage was not stopping: the process is not healthy."""
        return sorted(
            name
            for name, task in self.tasks.items()
            if task.done() and not self._stops[self._stages[name]].is_set()
        )

    async def until_stopped_or_died(self, stop: asyncio.Event) -> list[str]:
        """Wait for `stop` (a signal) or a death; the names of the dead tasks, if any."""
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._died.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return self.dead()

    async def stop(self, budget: float) -> None:
        """Stop the stages in order (see the module docstring) within `budget` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        spare = 0.0
        for stage, share in zip(Stage, _SHARES, strict=True):
            self._stops[stage].set()
            tasks = [t for n, t in self.tasks.items() if self._stages[n] is stage]
            started = loop.time()
            allowed = min(budget * share + spare, max(0.0, deadline - started))
            await _finish(tasks, allowed)
            spare = max(0.0, allowed - (loop.time() - started))


async def _finish(tasks: list[asyncio.Task[None]], budget: float) -> None:
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=budget)
    for task in pending:
        log.warning("task did not stop in time; cancelling", task=task.get_name())
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
