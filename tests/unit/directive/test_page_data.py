"""The console's page data travels in a JSON script element that no text can close or unbalance
(it is data, never run: the Content-Security-Policy allows no inline script)."""

from __future__ import annotations

import json
import re

from directive.api.console import render

# Each closes the element, or (`<!--` + `<script`) keeps the real end tag from closing it.
HOSTILE = "</script><script>alert(1)</script><!--<script>&'\""


def page_data(html: str) -> object:
    found = re.findall(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert len(found) == 1, "the page-data element ends at its own end tag"
    return json.loads(found[0])


def test_text_cannot_break_out_of_the_page_data() -> None:
    html = bytes(render("directive.html", "hi", "directive", directive_id=HOSTILE).body).decode()
    data = page_data(html)
    assert isinstance(data, dict) and data["directive_id"] == HOSTILE
    assert "<script>alert(1)" not in html and "<!--" not in html
    assert html.count("<script") == html.count("</script>")


def test_hindi_stays_readable_in_the_page_data() -> None:
    html = bytes(render("list.html", "hi", "list").body).decode()
    data = page_data(html)
    assert isinstance(data, dict) and data["lang"] == "hi"
    assert "निर्देश" in html.split('id="page-data"', 1)[1]
