"""What every resource handler shares: the call context, keys from the path, ETag and If-Match,
the answers of creates, updates and actions, and the paged list response (api/visma.md 5-7).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.jsonio import JSONResponse, dumps, read_json
from visma_airbase_pipeline.sandbox.visma.auth import Grant
from visma_airbase_pipeline.sandbox.visma.dto import Dto
from visma_airbase_pipeline.sandbox.visma.query import ListSpec, page_of, parse_query
from visma_airbase_pipeline.sandbox.visma.store import Entry, VismaStore

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.visma.app import VismaSandbox

LEGACY_PREFIX = "/API/controller/api"


@dataclass
class Call:
    """One authenticated ERP call: the request, the token's grant and the sandbox serving it."""

    request: Request
    grant: Grant
    sb: VismaSandbox
    background: bool = False

    @property
    def store(self) -> VismaStore:
        """The company's records."""
        return self.sb.store

    def key(self, name: str) -> str:
        """A path key; ``b64(<base64url>)`` is decoded (keys with reserved URL characters)."""
        raw = str(self.request.path_params[name])
        if raw.startswith("b64(") and raw.endswith(")"):
            encoded = raw[4:-1]
            try:
                standard = encoded.translate(str.maketrans("-_", "+/")) + "=" * (-len(encoded) % 4)
                return base64.b64decode(standard, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise ApiError(400, f"The key '{raw}' is not valid base64url.") from None
        return raw

    async def body(self) -> Dto:
        """The JSON object of a write, after Visma's same-request rule (identical bodies count)."""
        raw = await self.request.body()
        self.sb.check_same_write(self.request, self.grant, hashlib.sha256(raw).hexdigest())
        return Dto(await read_json(self.request))

    async def optional_body(self) -> Dto | None:
        """An action's body, which may be empty."""
        raw = await self.request.body()
        self.sb.check_same_write(self.request, self.grant, hashlib.sha256(raw).hexdigest())
        return Dto(await read_json(self.request)) if raw.strip() else None

    def base(self) -> str:
        """Scheme, host and API prefix the client used (legacy callers get legacy Locations)."""
        original = str(self.request.scope.get("vab_original_path", self.request.url.path))
        root = str(self.request.base_url).rstrip("/")
        return root + LEGACY_PREFIX if original.lower().startswith(LEGACY_PREFIX.lower() + "/") else root


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class ApiRoute:
    """One method on one path (after the ``/v1``/``/v2`` prefix), with the token scope it needs."""

    path: str
    method: str
    handler: Handler
    scope: str = "read"


def etag_header(entry: Entry) -> dict[str, str]:
    """``ETag: "<base64 version>"`` (quoted, as Visma sends it)."""
    return {"ETag": f'"{entry.etag}"'}


def single(body: dict[str, Any], entry: Entry) -> Response:
    """A single GET: the record with its ETag header."""
    return JSONResponse(body, headers=etag_header(entry))


def created(call: Call, path: str, entry: Entry) -> Response:
    """``201``, empty body, ``Location: <base>/v1/<path>`` and the new ETag."""
    headers = {"Location": f"{call.base()}/v1/{quote(path, safe='/')}", **etag_header(entry)}
    return Response(status_code=201, headers=headers)


def updated(entry: Entry) -> Response:
    """``204`` with the record's new ETag."""
    return Response(status_code=204, headers=etag_header(entry))


def action_result(entry: Entry, error: str | None = None) -> Response:
    """``200`` + ``{"actionId","actionResult","errorInfo"}`` and the record's (possibly new) ETag."""
    body = {"actionId": str(uuid.uuid4()), "actionResult": "Failed" if error else "Done", "errorInfo": error}
    return JSONResponse(body, headers=etag_header(entry))


def check_if_match(call: Call, entry: Entry, *, action: bool = False) -> None:
    """412 when ``If-Match`` names another version; absent = last write wins (api/visma.md 7)."""
    header = call.request.headers.get("if-match")
    # Visma checks If-Match on actions only in background mode; the sandbox by default always does.
    relaxed = action and not call.sb.config.if_match_on_actions and not call.background
    if header is None or relaxed:
        return
    if call.sb.edited_concurrently():
        call.sb.store[entry.collection].touch(entry, call.sb.store.clock)
    wanted = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    if "*" not in wanted and entry.etag not in wanted:
        raise ApiError(412, "The record was changed by someone else (ETag does not match If-Match).")


def not_found(what: str) -> ApiError:
    """Visma's 404 for a missing record."""
    return ApiError(404, f"{what} not found.")


def list_response(
    call: Call,
    spec: ListSpec,
    source: Callable[[], Iterable[Entry]],
    version: Hashable,
    render: Callable[[Entry], dict[str, Any]] = Entry.read,
) -> Response:
    """A list GET: filter (cached per version), page, and stamp every item with ``metadata``."""
    sb = call.sb
    query = parse_query(
        spec, call.request.query_params, strict=sb.config.strict_params, max_page_size=sb.config.max_page_size
    )
    items = sb.cache.get(query.key, version, lambda: [e for e in source() if query.matches(e)])
    if not spec.paginated:
        return JSONResponse([render(e) for e in items])
    page = page_of(items, query, sb.shuffle_seed(call.request))
    meta = {"totalCount": len(items), "maxPageSize": sb.config.max_page_size}
    if render is not Entry.read:
        return JSONResponse([{**render(e), "metadata": meta} for e in page])
    # The same bytes as above, from each record's JSON kept since it last changed.
    tail = b',"metadata":' + dumps(meta) + b"}"
    parts = []
    for entry in page:
        head = entry.read_json_open()
        parts.append(head + tail if head is not None else dumps({**entry.read(), "metadata": meta}))
    return Response(b"[" + b",".join(parts) + b"]", media_type="application/json")
