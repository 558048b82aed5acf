"""Airbase page iteration: ``page``/``page_size``, response ``{"data", "pagination": {"next"}}``.

A recorded first page had ``next: null`` and was followed by an empty page 2, and the server caps
``page_size`` silently (250), so: stop when ``data`` is empty, or when ``next`` is null *and* the
page is shorter than the effective page size.
"""

from __future__ import annotations

from typing import Any


class AirbasePager:
    """Tracks the page number and decides when the listing is exhausted."""

    def __init__(self, page_size: int = 250) -> None:
        self.page, self.requested, self.done = 1, page_size, False

    def advance(self, body: Any) -> list[dict[str, Any]]:
        """Record one response and return its items."""
        if isinstance(body, list):  # an unpaginated listing: everything at once
            self.done = True
            return body
        body = body or {}
        data: list[dict[str, Any]] = body.get("data") or []
        pagination = body.get("pagination") or {}
        size = min(self.requested, int(pagination.get("page_size") or self.requested))
        if not data or (pagination.get("next") is None and len(data) < size):
            self.done = True
        self.page += 1
        return data
