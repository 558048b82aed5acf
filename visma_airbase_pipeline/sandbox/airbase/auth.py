"""Airbase API keys (``api/airbase.md`` section 2): ``Authorization: Token <key>``, or ``Bearer <key>``.

Keys never expire and have no scopes. Each has a numeric id, echoed as ``X-Airbase-Auth-Token-Id``;
the rate-limit budget belongs to the key. The failure texts are Django REST Framework's.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The sandbox's well-known keys (a second one lets tests show that budgets are per key).
TOKENS: dict[str, int] = {"vab-sandbox-airbase-token": 4711, "vab-sandbox-airbase-token-2": 4712}
SCHEMES = ("token", "bearer")
NOT_PROVIDED = "Authentication credentials were not provided."
INVALID = "Invalid token."


@dataclass(frozen=True)
class AuthResult:
    """Who is calling (``token``/``token_id``) or why not (``failure``, a DRF ``detail`` text)."""

    token: str | None = None
    token_id: int | None = None
    failure: str | None = None


def authenticate(authorization: str | None) -> AuthResult:
    """Check an ``Authorization`` header the way DRF's ``TokenAuthentication`` does."""
    parts = (authorization or "").split()
    if not parts or parts[0].lower() not in SCHEMES:
        return AuthResult(failure=NOT_PROVIDED)
    if len(parts) == 1:
        return AuthResult(failure="Invalid token header. No credentials provided.")
    if len(parts) > 2:
        return AuthResult(failure="Invalid token header. Token string should not contain spaces.")
    token_id = TOKENS.get(parts[1])
    if token_id is None:
        return AuthResult(failure=INVALID)
    return AuthResult(token=parts[1], token_id=token_id)
