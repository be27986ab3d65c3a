"""The running system for the end-to-end tests: one per session, on the session's test stack."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.conftest import DEFAULT_TEST_PORT_BASE, DEV_KEY_VARIABLE, STACK_NAME, StackEnv
from tests.e2e.system import System, running_system

# Test-sized waits, never other code: the publisher resends an unanswered send after
# ANSWER_WAIT (10 min in production; here it must outlast a restart and the webhooks queued
# meanwhile), and a killed member of a consumer group is noticed after the session timeout.
OVERRIDES = {
    "social-publisher": {"NAZAR_ANSWER_WAIT": "PT12S", "NAZAR_CONSUMER_SESSION_TIMEOUT_MS": "6000"},
    "directive": {
        "NAZAR_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "NAZAR_SCHEDULER_INTERVAL": "PT1S",
        "NAZAR_REACH_STREAM_INTERVAL": "PT0.5S",
    },
}


@pytest.fixture(scope="session")
async def system(stack_env: StackEnv) -> AsyncIterator[System]:
    env = {
        "NAZAR_KAFKA_BOOTSTRAP": stack_env.kafka_bootstrap,
        "NAZAR_PG_DSN": stack_env.pg_dsn,
        "NAZAR_PORT_BASE": os.environ.get("NAZAR_PORT_BASE", DEFAULT_TEST_PORT_BASE),
        "NAZAR_STACK_NAME": STACK_NAME,
    }
    if DEV_KEY_VARIABLE in os.environ:
        env[DEV_KEY_VARIABLE] = os.environ[DEV_KEY_VARIABLE]
    async with running_system(env, OVERRIDES) as running:
        yield running
