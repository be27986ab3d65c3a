from __future__ import annotations

import json
import logging

import pytest
import structlog
from nazar_platform.observability.logging import configure, mask_phones


@pytest.mark.parametrize(
    "text",
    [
        "+919876543210",
        "9876543210",
        "+91 98765 43210",
        "+91-98765-43210",
        "संपर्क 9876543210 पर करें",
    ],
)
def test_phone_numbers_are_masked(text: str) -> None:
    masked = mask_phones(text)
    assert "98765" not in masked
    assert masked.endswith(("10", "करें"))


@pytest.mark.parametrize(
    "text",
    [
        "delivery 4f6c5a8e-1111-4d2b-9a3e-000000000001",
        "offset 12345",
        "2026-11-28T10:30:00Z",
        "member m-000123",
    ],
)
def test_other_numbers_survive(text: str) -> None:
    assert mask_phones(text) == text


def test_configured_logger_masks_event_fields_and_exceptions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("test", json_output=True)
    log = structlog.get_logger("t")
    log.info("sent to +919876543210", contact={"whatsapp": "+919812345678"})
    try:
        raise ValueError("bad number 9123456789")
    except ValueError:
        log.exception("failed")
    logging.getLogger("aiokafka.test").warning("stdlib 9988776655")
    err = capsys.readouterr().err
    for number in ("9876543210", "9812345678", "9123456789", "9988776655"):
        assert number not in err
    first = json.loads(err.splitlines()[0])
    assert first["service"] == "test"
    assert first["contact"]["whatsapp"].endswith("78")
