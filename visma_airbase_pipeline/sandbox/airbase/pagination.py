"""Airbase's page-number pagination (``api/airbase.md`` section 7), with DRF's quirks kept.

``page`` is 1-based (below 1 or not an integer: ``404 {"detail": "Invalid page."}``); ``page_size``
defaults to 100 and is silently capped (a bad value silently means the default, as in DRF); past
the last page the answer is 200 with empty ``data``. ``next``/``previous`` are absolute URLs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from visma_airbase_pipeline.sandbox.airbase.endpoints import ok
from visma_airbase_pipeline.sandbox.framework import ApiError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 250
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page")
    if raw is None or raw == "":
        return 1
    if not _INTEGER.match(raw) or int(raw) < 1:
        raise ApiError(404, "Invalid page.")
    return int(raw)


def _page_size(request: Request, max_page_size: int) -> int:
    raw = request.query_params.get("page_size", "")
    if not _INTEGER.match(raw) or int(raw) < 1:
        return min(DEFAULT_PAGE_SIZE, max_page_size)
    return min(int(raw), max_page_size)


def paginate(
    request: Request, items: Sequence[Any], *, max_page_size: int = MAX_PAGE_SIZE, shuffle: int | None = None
) -> Response:
    """One page of ``items`` in Airbase's envelope.

    The order is the store's (stable across a paging sequence) unless a shuffle fault hands a seed:
    then every page is cut from a fresh random order, as an unstable real listing would be.
    """
    page, size = _page_number(request), _page_size(request, max_page_size)
    ordered = items
    if shuffle is not None:
        ordered = list(items)
        random.Random(shuffle).shuffle(ordered)
    start = (page - 1) * size
    data = list(ordered[start : start + size])
    has_next = start + size < len(ordered)
    pagination = {
        "next": str(request.url.include_query_params(page=page + 1)) if has_next else None,
        "previous": str(request.url.include_query_params(page=page - 1)) if page > 1 else None,
        "page": page,
        "page_size": size,
    }
    return ok({"data": data, "pagination": pagination})
