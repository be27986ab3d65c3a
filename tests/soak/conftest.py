"""Long runs at the state's full size (the roster's 110,000 police and their groups through Kafka):
`deploy/stack chaos` runs them with the kill runs of tests/chaos; `deploy/stack test` does not
(pyproject's `norecursedirs`). The roster's generated state files are shared from its
integration tests."""

from __future__ import annotations

from tests.integration.roster.conftest import state_files

__all__ = ["state_files"]
