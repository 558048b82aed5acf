"""Visma Connect for the sandbox: the client-credentials token endpoint and the bearer check that
guards every ERP call (api/visma.md sections 2 and 3).

Well-known test credentials: client ``vab-sandbox-client`` / ``vab-sandbox-secret``; the company
tenant ``vab-sandbox-tenant`` (company ``1000001``) and a *customer* tenant
``vab-sandbox-customer-tenant`` whose tokens are issued but refused by every ERP call (the §2 gotcha).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.jsonio import JSONResponse
from visma_airbase_pipeline.sandbox.visma.errors import FAULT_COMPANY, FAULT_SCOPE

CLIENT_ID = "vab-sandbox-client"
CLIENT_SECRET = "vab-sandbox-secret"
COMPANY_TENANT = "vab-sandbox-tenant"
CUSTOMER_TENANT = "vab-sandbox-customer-tenant"
COMPANY_ID = "1000001"
SCOPE_PREFIX = "vismanet_erp_service_api:"
SCOPES = ("read", "create", "update", "delete")
TOKEN_PATH = "/connect/token"
# Grant types Visma Connect knows but a client-credentials integration cannot use.
_OTHER_GRANTS = frozenset({"authorization_code", "refresh_token", "password"})
_DENIED = "Authorization has been denied for this request."


@dataclass(frozen=True)
class Grant:
    """What a bearer token stands for: client, tenant, company (None for a customer tenant), scopes."""

    token: str
    client_id: str
    tenant_id: str
    company_id: str | None
    scopes: frozenset[str]
    expires_at: float

    @property
    def rate_key(self) -> str:
        """Visma budgets calls per company and client."""
        return f"{self.company_id}:{self.client_id}"


class TokenStore:
    """Issued tokens (opaque random strings) with their expiry; survives a data reset like Connect would."""

    def __init__(self, ttl: int, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self.tenants: dict[str, str | None] = {COMPANY_TENANT: COMPANY_ID, CUSTOMER_TENANT: None}

    def issue(self, client_id: str, tenant_id: str, scopes: frozenset[str]) -> Grant:
        """A new token for the tenant, valid for the current ``ttl`` seconds."""
        now = self._clock()
        grant = Grant(
            secrets.token_urlsafe(32), client_id, tenant_id, self.tenants[tenant_id], scopes, now + self.ttl
        )
        with self._lock:
            if len(self._grants) > 10_000:
                self._grants = {k: g for k, g in self._grants.items() if g.expires_at > now}
            self._grants[grant.token] = grant
        return grant

    def expire_all(self) -> int:
        """Expire every unexpired token now; how many there were."""
        now = self._clock()
        with self._lock:
            live = [token for token, grant in self._grants.items() if grant.expires_at > now]
            for token in live:
                self._grants[token] = replace(self._grants[token], expires_at=now)
        return len(live)

    def issued(self) -> list[str]:
        """Every token issued and not yet pruned (a hygiene test looks for them in logs)."""
        with self._lock:
            return list(self._grants)

    def lookup(self, token: str) -> Grant | None:
        """The grant of a token, expired or not; None when the token was never issued."""
        with self._lock:
            return self._grants.get(token)

    def valid(self, request: Request) -> Grant | None:
        """The unexpired grant of the request's bearer token, or None."""
        token = bearer_token(request)
        grant = self.lookup(token) if token else None
        return grant if grant is not None and grant.expires_at > self._clock() else None

    def authenticate(self, request: Request, scope: str) -> Grant:
        """The grant behind an ERP call, or the 401/403 Visma answers (api/visma.md sections 2-3)."""
        token = bearer_token(request)
        if not token:
            raise ApiError(401, _DENIED)
        grant = self.lookup(token)
        if grant is None:
            raise ApiError(401, _DENIED)
        if grant.expires_at <= self._clock():
            raise ApiError(401, "The access token has expired.")
        if grant.company_id is None:
            # A customer (contract) tenant token: issued fine, useless for the ERP.
            raise ApiError(401, _DENIED)
        if scope not in grant.scopes:
            raise ApiError(
                403,
                f"The access token lacks the scope {SCOPE_PREFIX}{scope} needed for this call.",
                fault_code=FAULT_SCOPE,
            )
        company = request.headers.get("ipp-company-id")
        if company is not None and company.strip() != grant.company_id:
            raise ApiError(
                403,
                f"User is not authorized to access company {company.strip()!r}.",
                fault_code=FAULT_COMPANY,
            )
        return grant


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header (scheme case-insensitive)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _oauth_error(code: str) -> Response:
    return JSONResponse({"error": code}, status_code=400, headers={"Cache-Control": "no-store"})


def _client_from_basic(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user, password


def parse_scopes(raw: str | None) -> frozenset[str] | None:
    """Requested scopes (space separated, full names); none requested = all four; None = invalid."""
    names = (raw or "").split()
    if not names:
        return frozenset(SCOPES)
    granted = set()
    for name in names:
        short = name.removeprefix(SCOPE_PREFIX)
        if not name.startswith(SCOPE_PREFIX) or short not in SCOPES:
            return None
        granted.add(short)
    return frozenset(granted)


async def token_endpoint(request: Request, store: TokenStore) -> Response:
    """``POST /connect/token`` (form-encoded client credentials), answering as Visma Connect does."""
    try:
        form = {
            k: v[-1] for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()
        }
    except (UnicodeDecodeError, ValueError):
        return _oauth_error("invalid_request")
    grant_type = form.get("grant_type")
    if not grant_type:
        return _oauth_error("invalid_request")
    if grant_type != "client_credentials" and grant_type not in _OTHER_GRANTS:
        return _oauth_error("unsupported_grant_type")
    basic_id, basic_secret = _client_from_basic(request)
    client_id = form.get("client_id") or basic_id
    client_secret = form.get("client_secret") or basic_secret
    if client_id != CLIENT_ID or not secrets.compare_digest(str(client_secret or ""), CLIENT_SECRET):
        return _oauth_error("invalid_client")
    if grant_type != "client_credentials":
        return _oauth_error("invalid_grant")
    tenant_id = form.get("tenant_id")
    if not tenant_id:
        return _oauth_error("invalid_request")
    if tenant_id not in store.tenants:
        return _oauth_error("invalid_tenant")
    scopes = parse_scopes(form.get("scope"))
    if scopes is None:
        return _oauth_error("invalid_scope")
    grant = store.issue(client_id, tenant_id, scopes)
    body = {
        "access_token": grant.token,
        "expires_in": store.ttl,
        "token_type": "Bearer",
        "scope": " ".join(SCOPE_PREFIX + s for s in SCOPES if s in scopes),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
