"""The chaos suite: long SIGKILL runs on the whole system, apart from `deploy/stack test` and CI
(pyproject's `norecursedirs` leaves this folder out of runs that do not name it):

    NAZAR_PORT_BASE=… ./deploy/stack chaos [pytest args]

It uses the session's fixtures of tests/conftest.py as the integration and end-to-end suites do
(`system`: the processes of `deploy/stack up` on the test stack, each one killable; the test
stack's `kafka_bootstrap`, to read what the services put on the topics). Every test here is
`slow`. The moved kill runs of each service keep their helpers where their integration tests
are; the publisher's module-scoped `stack` fixture is shared from there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.publisher.conftest import stack

__all__ = ["stack"]

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    del config
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)
