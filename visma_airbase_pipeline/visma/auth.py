"""Visma Connect client-credentials tokens: one fresh token per client session, renewed early.

A token is fetched on the first call of a session (a batch cycle), renewed when less than the
margin (5 min) of its life remains, and dropped when the API answers 401 so the next call fetches a
new one. The client secret and the token never leave this object except in the form body and the
``Authorization`` header: no repr, no log line, no error message carries them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import SecretStr

from visma_airbase_pipeline.errors import AuthError, RemoteError, ValidationFailed
from visma_airbase_pipeline.transport import Transport, decode_json

logger = logging.getLogger(__name__)

DEFAULT_SCOPE = (
    "vismanet_erp_service_api:read vismanet_erp_service_api:create "
    "vismanet_erp_service_api:update vismanet_erp_service_api:delete"
)


@dataclass
class AccessToken:
    """A bearer token and the clock time at which it should be replaced."""

    value: SecretStr = field(repr=False)
    refresh_at: float


class VismaAuth:
    """Fetches and caches the Visma Connect token for one client session."""

    def __init__(
        self,
        transport: Transport,
        *,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        tenant_id: str,
        scope: str = DEFAULT_SCOPE,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin_s: float = 300.0,
    ) -> None:
        self._transport = transport
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.tenant_id = tenant_id
        self.scope = scope
        self._clock = clock
        self.refresh_margin_s = refresh_margin_s
        self._token: AccessToken | None = None
        self.fetches = 0

    def __repr__(self) -> str:
        return (
            f"VismaAuth(token_url={self.token_url!r}, client_id={self.client_id!r}, fetches={self.fetches})"
        )

    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header for the next API call."""
        return {"Authorization": f"Bearer {self.token()}"}

    def token(self) -> str:
        """A token valid for at least the refresh margin, fetching one when needed."""
        if self._token is None or self._clock() >= self._token.refresh_at:
            self._token = self._fetch()
        return self._token.value.get_secret_value()

    @property
    def current(self) -> AccessToken | None:
        """The token held now (None before the first call or after a 401)."""
        return self._token

    def adopt(self, token: AccessToken | None) -> None:
        """Start from a token fetched earlier in the same batch cycle (one token per run, not one
        per step); an expired or missing one is simply not adopted."""
        if token is not None and self._clock() < token.refresh_at:
            self._token = token

    def invalidate(self) -> None:
        """Forget the token (after an API 401) so the next call fetches a new one."""
        self._token = None

    def _fetch(self) -> AccessToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret.get_secret_value(),
            "tenant_id": self.tenant_id,
            "scope": self.scope,
        }
        template = urlsplit(self.token_url).path or "/connect/token"
        try:
            response = self._transport.request(
                "POST", template, url=self.token_url, form=form, idempotent=True
            )
        except (ValidationFailed, AuthError) as error:
            # Visma Connect answers 400 {"error": "invalid_client" | "invalid_tenant" | ...}: never retried.
            raise AuthError(
                f"Visma Connect refused the token request: {error.message}",
                method="POST",
                path=error.path,
                status=error.status,
                code=error.code,
                request_id=error.request_id,
            ) from None
        self.fetches += 1
        body = decode_json(response) or {}
        access_token = body.get("access_token") if isinstance(body, dict) else None
        if not access_token:
            raise RemoteError("Visma Connect answered without an access_token", method="POST", path=template)
        self._transport.scrub.add(access_token)
        lifetime = float(body.get("expires_in") or 3600)
        # Renew `margin` before expiry, but never sooner than half-way for short-lived tokens.
        refresh_in = max(lifetime - self.refresh_margin_s, lifetime / 2)
        logger.info("Visma token fetched (valid %.0f s, renewed after %.0f s)", lifetime, refresh_in)
        return AccessToken(value=SecretStr(access_token), refresh_at=self._clock() + refresh_in)
