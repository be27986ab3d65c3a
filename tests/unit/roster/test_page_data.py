"""The roster pages' data travels in a JSON script element that no text can close or unbalance
(it is data, never run: the Content-Security-Policy allows no inline script)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from roster.api import pages
from roster.settings import RosterSettings

HOSTILE = "</script><script>alert(1)</script><!--<script>&'\""


def test_text_cannot_break_out_of_the_page_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(pages.OWN, "search", (HOSTILE, HOSTILE))
    app = FastAPI()
    pages.install(app, RosterSettings())
    html = TestClient(app).get("/roster?lang=en").text
    found = re.findall(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert len(found) == 1, "the page-data element ends at its own end tag"
    data = json.loads(found[0])
    assert data["t"]["search"] == HOSTILE and data["lang"] == "en"
    assert "<script>alert(1)" not in html and "<!--" not in html
    assert html.count("<script") == html.count("</script>")
