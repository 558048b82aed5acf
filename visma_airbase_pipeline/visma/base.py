"""Plumbing of the Visma client: auth headers, 401 handling, paths, lazy paging, ETags, creates, actions.

``client.py`` declares the endpoints on top of this; everything here is endpoint-agnostic. Every call
carries ``Authorization: Bearer`` and ``ipp-company-id``; an API 401 gets exactly one new token and
one retry of the same request, and a second 401 raises ``AuthError``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, SecretStr, ValidationError

from visma_airbase_pipeline.errors import AuthError, NotFound, RemoteError
from visma_airbase_pipeline.transport import (
    RateBudget,
    Scrubber,
    Transport,
    TransportConfig,
    decode_json,
    expand,
)
from visma_airbase_pipeline.transport.client import TransportClient
from visma_airbase_pipeline.transport.http import Query
from visma_airbase_pipeline.visma.auth import DEFAULT_SCOPE, VismaAuth
from visma_airbase_pipeline.visma.etag import Versioned, quote_etag
from visma_airbase_pipeline.visma.paging import Deduper, ListEndpoint, VismaPager, parse_visma_datetime
from visma_airbase_pipeline.visma.results import ActionOutcome, Created, number_from_location, settle_action
from visma_airbase_pipeline.visma.writes import WriteModel

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Payload = Mapping[str, Any] | WriteModel
#: Told about each record that does not fit its model (the raw record and why); it is then left out
#: of the stream, so one bad record does not stop the read. Without it, the ValidationError raises.
OnUnreadable = Callable[[dict[str, Any], ValidationError], None]


def _payload(payload: Payload) -> dict[str, Any]:
    return payload.to_payload() if isinstance(payload, WriteModel) else dict(payload)


class VismaBase(TransportClient):
    """Session-level behaviour shared by every Visma endpoint method."""

    def __init__(
        self,
        *,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: SecretStr | str,
        tenant_id: str,
        company_id: str,
        scope: str = DEFAULT_SCOPE,
        use_legacy_path: bool = False,
        page_size: int = 500,
        config: TransportConfig | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        refresh_margin_s: float = 300.0,
        delta_overlap_s: float = 600.0,
        session: requests.Session | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        secret = client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        self.transport = Transport(
            base_url,
            system="visma",
            config=config,
            sleep=sleep,
            clock=clock,
            wall=wall,
            rng=rng,
            scrubber=Scrubber([secret.get_secret_value()]),
            session=session,
            budget=budget,
        )
        self.auth = VismaAuth(
            self.transport,
            token_url=token_url,
            client_id=client_id,
            client_secret=secret,
            tenant_id=tenant_id,
            scope=scope,
            clock=clock,
            refresh_margin_s=refresh_margin_s,
        )
        self.company_id = str(company_id)
        self.use_legacy_path = use_legacy_path
        self.page_size = page_size
        self.delta_overlap_s = delta_overlap_s
        self._sleep = sleep
        self.action_poll_waits: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
        base_path = urlsplit(base_url).path.rstrip("/")
        self._legacy_root = "/controller/api" if base_path.lower().endswith("/api") else "/API/controller/api"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.transport.base_url!r}, company_id={self.company_id!r}, "
            f"legacy={self.use_legacy_path})"
        )

    def authenticate(self) -> None:
        """Fetch a token now (ping and start-of-cycle checks); calls do this lazily otherwise."""
        self.auth.token()

    def _path(self, path: str) -> str:
        return f"{self._legacy_root}{path}" if self.use_legacy_path else path

    def _call(
        self,
        method: str,
        template: str,
        *,
        params: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Any = None,
        if_match: str | None = None,
        idempotent: bool = False,
    ) -> requests.Response:
        path = self._path(expand(template, **(params or {})))
        headers = {"ipp-company-id": self.company_id}
        if if_match:
            headers["If-Match"] = quote_etag(if_match)
        for attempt in (1, 2):
            auth = self.auth.headers()
            try:
                return self.transport.request(
                    method,
                    path,
                    template=template,
                    query=query,
                    json_body=body,
                    headers={**headers, **auth},
                    idempotent=idempotent,
                )
            except AuthError as error:
                if error.status != 401:
                    raise
                if attempt == 2:
                    raise AuthError(
                        f"{error.message} (401 again with a fresh token)",
                        method=error.method,
                        path=error.path,
                        status=401,
                        code=error.code,
                        request_id=error.request_id,
                    ) from None
                logger.warning(
                    "Visma answered 401 to %s %s; fetching a new token, retrying once", method, template
                )
                self.auth.invalidate()
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_json(
        self, template: str, *, params: Mapping[str, object] | None = None, query: Query | None = None
    ) -> Any:
        return decode_json(self._call("GET", template, params=params, query=query))

    def _iter_raw(
        self, endpoint: ListEndpoint, query: list[tuple[str, Any]], page_size: int, read_ahead: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Lazily yield deduped raw records, page by page; re-run once if keys fall short of totalCount.

        ``read_ahead``: once a page says another follows, that one is requested while this one is
        consumed, so Visma prepares the next page while we store this one. For reads consumed whole
        (no call more); a reader that stops early would spend one call on a page it never uses."""
        dedupe = Deduper(endpoint.key)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="visma-read-ahead") as ahead:
            for run in (1, 2):
                pager = VismaPager(page_size)
                following: Future[list[Any]] | None = None
                while not pager.done:
                    if following is None:
                        items = self._page(endpoint, query, pager.page, page_size)
                    else:
                        items, following = following.result(), None
                    pager.advance(items)
                    if read_ahead and not pager.done:
                        following = ahead.submit(self._page, endpoint, query, pager.page, page_size)
                    yield from (raw for raw in items if dedupe.admit(raw))
                if pager.total is None or dedupe.distinct >= pager.total:
                    return
                if run == 1:
                    logger.warning(
                        "Visma %s: %d distinct records for totalCount %d (rows moved between pages);"
                        " reading once more",
                        endpoint.template,
                        dedupe.distinct,
                        pager.total,
                    )
                else:
                    logger.warning(
                        "Visma %s: still %d distinct records for totalCount %d after a re-read",
                        endpoint.template,
                        dedupe.distinct,
                        pager.total,
                    )

    def _page(
        self, endpoint: ListEndpoint, query: list[tuple[str, Any]], number: int, page_size: int
    ) -> list[Any]:
        page = [*query, ("pageNumber", number), ("pageSize", page_size)]
        items = self._get_json(endpoint.template, query=page)
        if not isinstance(items, list):
            raise RemoteError(f"expected a JSON list from {endpoint.template}", path=endpoint.template)
        return items

    def _models(
        self,
        raws: Iterator[dict[str, Any]],
        model: type[M],
        until: str | None,
        on_unreadable: OnUnreadable | None = None,
    ) -> Iterator[M]:
        limit = parse_visma_datetime(until) if until else None
        for raw in raws:
            stamp = raw.get("lastModifiedDateTime")
            if limit is not None and stamp and parse_visma_datetime(stamp) >= limit:
                continue
            try:
                record = model.model_validate(raw)
            except ValidationError as error:
                if on_unreadable is None:
                    raise
                on_unreadable(raw, error)
                continue
            yield record

    def _get_versioned(
        self,
        template: str,
        params: Mapping[str, object],
        model: type[M],
        on_unreadable: OnUnreadable | None = None,
    ) -> Versioned[M] | None:
        try:
            response = self._call("GET", template, params=params)
        except NotFound:
            return None
        raw = decode_json(response) or {}
        etag = response.headers.get("ETag") or (raw.get("timeStamp") if isinstance(raw, dict) else None)
        try:
            record = model.model_validate(raw)
        except ValidationError as error:
            if on_unreadable is None or not isinstance(raw, dict):
                raise
            on_unreadable(raw, error)
            return None
        return Versioned(record=record, etag=etag)

    def _create(self, template: str, payload: Payload) -> Created:
        response = self._call("POST", template, body=_payload(payload), idempotent=False)
        location = response.headers.get("Location")
        if not location:
            raise RemoteError(
                "create answered without a Location header",
                method="POST",
                path=template,
                status=response.status_code,
            )
        return Created(
            number=number_from_location(location), etag=response.headers.get("ETag"), location=location
        )

    def _put(
        self,
        template: str,
        params: Mapping[str, object],
        payload: Payload,
        *,
        if_match: str | None,
        idempotent: bool,
    ) -> str | None:
        response = self._call(
            "PUT", template, params=params, body=_payload(payload), if_match=if_match, idempotent=idempotent
        )
        return response.headers.get("ETag")

    def _action(
        self,
        template: str,
        params: Mapping[str, object],
        *,
        body: Any,
        if_match: str | None,
        reread: Callable[[], Versioned[T] | None],
        done: Callable[[T], bool],
    ) -> ActionOutcome[T]:
        """POST an action (never blind-retried); Failed/errorInfo raises, Queued/InProcess re-reads."""
        response = self._call("POST", template, params=params, body=body, if_match=if_match, idempotent=False)
        return settle_action(
            response, reread=reread, done=done, sleep=self._sleep, poll_waits=self.action_poll_waits
        )
