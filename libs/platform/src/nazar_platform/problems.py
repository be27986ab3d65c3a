"""Placeholder for the RFC 9457 problem module, written on the `http` branch.

Only the constructor below is relied on by `nazar_platform.auth` / `nazar_platform.access_fastapi`;
when the branches meet, the `http` branch's file replaces this one.
"""

from __future__ import annotations


class ProblemError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        *,
        detail_params: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail_params = dict(detail_params or {})
        self.headers = dict(headers or {})
