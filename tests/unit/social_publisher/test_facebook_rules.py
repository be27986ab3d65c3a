"""Facebook's pure rules: the error table, the schedule window, the usage headers, links."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from social_publisher.domain import facebook as fb
from social_publisher.domain.social import ErrorKind, Network

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _graph(code: int, message: str = "", subcode: int | None = None) -> fb.GraphError:
    return fb.GraphError(code=code, message=message, type="OAuthException", subcode=subcode)


def _buc(minutes: int, call_count: int = 100) -> fb.Usage:
    header = json.dumps(
        {
            "1234567890": [
                {
                    "type": "pages",
                    "call_count": call_count,
                    "total_cputime": 40,
                    "total_time": 55,
                    "estimated_time_to_regain_access": minutes,
                }
            ]
        }
    )
    return fb.parse_usage(None, header)


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_rate_limit_codes_wait_until_meta_says_access_returns(code: int) -> None:
    err = fb.classify(400, _graph(code, "(#x) limit"), _buc(12), NOW, write=True)
    assert err.kind is ErrorKind.RATE_LIMITED
    assert err.network is Network.FACEBOOK
    assert err.code == str(code)
    assert err.retry_at == NOW + timedelta(minutes=12)
    assert f"code {code}" in err.reason
    assert "10:12 UTC" in err.reason
    assert "100 %" in err.reason


def test_rate_limit_without_an_estimate_leaves_the_back_off_to_the_queue() -> None:
    err = fb.classify(400, _graph(4), fb.NO_USAGE, NOW, write=False)
    assert err.kind is ErrorKind.RATE_LIMITED
    assert err.retry_at is None


@pytest.mark.parametrize(
    ("subcode", "words"),
    [(463, "it expired"), (460, "password changed"), (None, "revoked or is invalid")],
)
def test_190_stops_the_account_and_says_why(subcode: int | None, words: str) -> None:
    err = fb.classify(
        400, _graph(190, "Error validating access token", subcode), fb.NO_USAGE, NOW, write=True
    )
    assert err.kind is ErrorKind.ACCOUNT
    assert err.code == "190"
    assert words in err.reason
    assert "reconnect the Page" in err.reason


def test_200_names_the_missing_permission() -> None:
    message = (
        "(#200) If posting to a page, requires both pages_read_engagement and "
        "pages_manage_posts permission with page token"
    )
    err = fb.classify(403, _graph(200, message), fb.NO_USAGE, NOW, write=True)
    assert err.kind is ErrorKind.ACCOUNT
    assert err.code == "200"
    assert "the permission pages_read_engagement and pages_manage_posts" in err.reason


def test_200_without_a_named_permission_still_says_what_to_do() -> None:
    err = fb.classify(403, _graph(200, "(#200) Permissions error"), fb.NO_USAGE, NOW, write=True)
    assert err.kind is ErrorKind.ACCOUNT
    assert "a permission it needs" in err.reason
    assert "A Page admin must grant it" in err.reason


def test_368_policy_block_stops_the_account() -> None:
    err = fb.classify(400, _graph(368, "temporarily blocked"), fb.NO_USAGE, NOW, write=True)
    assert err.kind is ErrorKind.ACCOUNT
    assert err.code == "368"
    assert "temporarily blocked" in err.reason
    assert "policy" in err.reason


def test_506_is_a_refused_duplicate() -> None:
    err = fb.classify(
        400, _graph(506, "(#506) Duplicate status message"), fb.NO_USAGE, NOW, write=True
    )
    assert (err.kind, err.code, err.duplicate) == (ErrorKind.REFUSED, "506", True)
    assert "duplicate" in err.reason


def test_100_is_refused_and_not_retried() -> None:
    err = fb.classify(400, _graph(100, "(#100) Invalid parameter"), fb.NO_USAGE, NOW, write=True)
    assert (err.kind, err.code, err.duplicate) == (ErrorKind.REFUSED, "100", False)
    assert "will not be retried" in err.reason
    assert "(#100) Invalid parameter" in err.reason


@pytest.mark.parametrize(("status", "code"), [(500, 1), (500, 2), (503, 2), (502, None)])
def test_server_side_errors_are_unclear_after_a_write_and_transient_on_a_read(
    status: int, code: int | None
) -> None:
    graph = _graph(code, "An unexpected error has occurred.") if code else None
    write = fb.classify(status, graph, fb.NO_USAGE, NOW, write=True)
    read = fb.classify(status, graph, fb.NO_USAGE, NOW, write=False)
    assert write.kind is ErrorKind.UNCLEAR
    assert "checked before any retry" in write.reason
    assert read.kind is ErrorKind.TRANSIENT
    assert write.code == str(code if code is not None else status)


def test_an_unknown_client_error_is_refused_with_meta_words() -> None:
    err = fb.classify(400, _graph(324, "(#324) Requires upload file"), fb.NO_USAGE, NOW, write=True)
    assert (err.kind, err.code) == (ErrorKind.REFUSED, "324")
    assert "Requires upload file" in err.reason


def test_transport_failures() -> None:
    assert fb.transport_failure(connected=False, write=True, what="x").kind is ErrorKind.TRANSIENT
    unclear = fb.transport_failure(connected=True, write=True, what="TimeoutError")
    assert (unclear.kind, unclear.code) == (ErrorKind.UNCLEAR, "no_answer")
    assert fb.transport_failure(connected=True, write=False, what="x").kind is ErrorKind.TRANSIENT
    assert fb.unreadable_answer(write=True).kind is ErrorKind.UNCLEAR


@pytest.mark.parametrize(
    ("ahead", "refused"),
    [
        (timedelta(minutes=10), None),
        (timedelta(days=30), None),
        (timedelta(minutes=9, seconds=59), "schedule_too_soon"),
        (timedelta(minutes=5), "schedule_too_soon"),
        (timedelta(minutes=-1), "schedule_too_soon"),
        (timedelta(days=30, seconds=1), "schedule_too_far"),
    ],
)
def test_schedule_window(ahead: timedelta, refused: str | None) -> None:
    err = fb.schedule_refusal(NOW + ahead, NOW)
    if refused is None:
        assert err is None
        return
    assert err is not None
    assert (err.kind, err.code) == (ErrorKind.REFUSED, refused)
    assert "Choose" in err.reason


def test_schedule_refusal_words() -> None:
    soon = fb.schedule_refusal(NOW + timedelta(minutes=5), NOW)
    past = fb.schedule_refusal(NOW - timedelta(minutes=5), NOW)
    far = fb.schedule_refusal(NOW + timedelta(days=45), NOW)
    assert soon is not None and "only 5 minutes ahead" in soon.reason
    assert past is not None and "already passed" in past.reason
    assert far is not None and "45 days" in far.reason


def test_usage_headers() -> None:
    app = json.dumps({"call_count": 28, "total_time": 25, "total_cputime": 91})
    usage = fb.parse_usage(app, None)
    assert usage.app == {"call_count": 28, "total_time": 25, "total_cputime": 91}
    assert usage.percent == 91
    assert usage.regain_at(NOW) is None
    buc = _buc(7, call_count=97)
    assert buc.business[0] == fb.BusinessUsage("1234567890", "pages", 97, 40, 55, 7)
    assert buc.percent == 97
    assert buc.regain_at(NOW) == NOW + timedelta(minutes=7)


def test_several_businesses_the_longest_wait_wins() -> None:
    header = json.dumps(
        {
            "1": [{"type": "pages", "call_count": 10, "estimated_time_to_regain_access": 3}],
            "2": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 40}],
        }
    )
    usage = fb.parse_usage(None, header)
    assert usage.percent == 100
    assert usage.regain_at(NOW) == NOW + timedelta(minutes=40)


@pytest.mark.parametrize(
    ("app", "buc"),
    [("not json", "{"), ("[1, 2]", '{"1": "x"}'), (None, '{"1": [3, {"call_count": "a"}]}')],
)
def test_malformed_usage_headers_say_nothing(app: str | None, buc: str) -> None:
    usage = fb.parse_usage(app, buc)
    assert usage.percent == 0
    assert usage.regain_at(NOW) is None


def test_pace_grows_as_usage_nears_100() -> None:
    gap = timedelta(minutes=5)
    assert fb.pace(0, slow_from=75, max_gap=gap) == timedelta(0)
    assert fb.pace(75, slow_from=75, max_gap=gap) == timedelta(0)
    middle = fb.pace(90, slow_from=75, max_gap=gap)
    assert timedelta(0) < middle < gap
    assert fb.pace(100, slow_from=75, max_gap=gap) == gap
    assert fb.pace(120, slow_from=75, max_gap=gap) == gap


def test_parse_error_reads_graph_bodies() -> None:
    body = json.dumps(
        {
            "error": {
                "message": "(#506) Duplicate status message",
                "type": "OAuthException",
                "code": 506,
                "error_subcode": 1455006,
                "fbtrace_id": "AbCdEf",
                "is_transient": False,
            }
        }
    ).encode()
    assert fb.parse_error(body) == fb.GraphError(
        506, "(#506) Duplicate status message", "OAuthException", 1455006, "AbCdEf", False
    )
    assert fb.parse_error(b"<html>502</html>") is None
    assert fb.parse_error(b'{"error": "x"}') is None


def test_link_and_public_url_and_times() -> None:
    text = (
        "जयपुर पुलिस ने गिरोह पकड़ा 🚔 पूरी ख़बर: https://police.rajasthan.gov.in/news/42। "
        "#RajasthanPolice"
    )
    assert fb.link_of(text) == "https://police.rajasthan.gov.in/news/42"
    assert fb.link_of("कोई लिंक नहीं 🙏") is None
    assert fb.public_url("100000000000101_122") == "https://www.facebook.com/100000000000101_122"
    assert fb.parse_time("2026-12-03T14:05:00+0000") == datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
    assert fb.parse_time("yesterday") is None


def test_page_usage_counts_like_app_usage() -> None:
    page = json.dumps({"call_count": 12, "total_cputime": 99, "total_time": 40})
    usage = fb.parse_usage(None, None, page)
    assert usage.page == {"call_count": 12, "total_cputime": 99, "total_time": 40}
    assert usage.percent == 99


def test_http_429_without_a_graph_code_is_a_rate_limit() -> None:
    err = fb.classify(429, None, fb.NO_USAGE, NOW, write=True)
    assert (err.kind, err.code) == (ErrorKind.RATE_LIMITED, "429")
