"""The synthetic rosters as files, generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("roster-demo")
    write(directory, Scale.DEMO)
    return directory


@pytest.fixture(scope="session")
def state_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("roster-state")
    write(directory, Scale.STATE)
    return directory
