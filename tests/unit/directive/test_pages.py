"""The inbox page renders in both languages and escapes what officers wrote."""

from __future__ import annotations

from datetime import UTC, datetime

from directive.api.pages import render, shown_time


def page(lang: str, body: str) -> str:
    return render(
        "inbox_message.html",
        lang,
        title="<b>शीर्षक</b>",
        body=body,
        note=None,
        kind="original",
        priority="flash",
        requested_at="28-11-2026 10:30 IST",
        acked_at=None,
        ack_requested=True,
        ack_url="/inbox/d/x/ack",
        expires_at="12-12-2026 10:30 IST",
        attachments=[],
    )


def test_hindi_and_english_pages() -> None:
    hi, en = page("hi", "पाठ"), page("en", "text")
    assert 'lang="hi"' in hi and "प्राप्त हुआ — पावती दें" in hi and "फ़्लैश" in hi
    assert 'lang="en"' in en and "Received — acknowledge" in en and "Flash" in en


def test_text_is_escaped() -> None:
    html = page("hi", "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>शीर्षक</b>" not in html


def test_times_are_shown_in_ist() -> None:
    assert shown_time(datetime(2026, 11, 28, 5, 0, tzinfo=UTC)) == "28-11-2026 10:30 IST"
