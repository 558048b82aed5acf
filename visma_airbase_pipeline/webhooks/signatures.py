"""Signature checks of incoming webhooks (api/visma.md and api/airbase.md, section 10): pure functions
over the raw body and the delivery's headers, always compared in constant time.

- Visma: ``x-vwd-signature-v1 = base64(HMAC-SHA256(secret, raw body))``.
- Airbase: ``X-Airbase-Signature: sha256=<hex>`` of the raw body (mode ``body``) or of
  ``"<timestamp>.<raw body>"`` (mode ``timestamped``); ``X-Airbase-Timestamp``, when present (and
  always in mode ``timestamped``), must be within 300 s of now, so an old delivery replayed later
  is refused. In mode ``body`` the timestamp is not signed: the inbox's dedupe on the event id is
  what makes a replay harmless there.

Each source may have several secrets at once (rotation: new and old); any of them is accepted.
A failed check raises :class:`SignatureError` whose reason never contains a secret or a signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import Final

from pydantic import SecretStr

VISMA_SIGNATURE_HEADER: Final = "x-vwd-signature-v1"
AIRBASE_SIGNATURE_HEADER: Final = "X-Airbase-Signature"
AIRBASE_TIMESTAMP_HEADER: Final = "X-Airbase-Timestamp"
AIRBASE_MODES: Final = ("body", "timestamped")
TOLERANCE_S: Final = 300
_AIRBASE_PREFIX: Final = "sha256="

SecretLike = str | SecretStr


class SignatureError(Exception):
    """A delivery whose signature is missing, wrong or stale (answered with 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Secrets:
    """The signing secrets of one source (several during a rotation); a repr never shows them."""

    __slots__ = ("_keys",)

    def __init__(self, values: Secrets | SecretLike | Iterable[SecretLike] | None = None) -> None:
        if isinstance(values, Secrets):
            self._keys: tuple[bytes, ...] = values._keys
            return
        if values is None:
            items: list[SecretLike] = []
        elif isinstance(values, str | SecretStr):
            items = [values]
        else:
            items = list(values)
        keys = []
        for item in items:
            plain = item.get_secret_value() if isinstance(item, SecretStr) else item
            if plain and plain.encode() not in keys:
                keys.append(plain.encode())
        self._keys = tuple(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __repr__(self) -> str:
        return f"Secrets(<{len(self._keys)} redacted>)"

    __str__ = __repr__

    def hmac_keys(self) -> tuple[bytes, ...]:
        """The secrets as HMAC keys (UTF-8 bytes); only for computing signatures."""
        return self._keys


def visma_signature(secret: SecretLike | bytes, raw: bytes) -> str:
    """``base64(HMAC-SHA256(secret, raw))``: the value of ``x-vwd-signature-v1``."""
    return base64.b64encode(hmac.new(_key(secret), raw, hashlib.sha256).digest()).decode()


def airbase_signature(secret: SecretLike | bytes, raw: bytes, mode: str = "body", timestamp: str = "") -> str:
    """``sha256=<hex>`` over the raw body, or over ``"<timestamp>.<raw body>"`` in mode ``timestamped``."""
    message = timestamp.encode() + b"." + raw if mode == "timestamped" else raw
    return _AIRBASE_PREFIX + hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def verify_visma(raw: bytes, signature: str | None, secrets: Secrets) -> None:
    """Accept the body when ``x-vwd-signature-v1`` matches any configured secret; else raise."""
    if not secrets:
        raise SignatureError("no Visma webhook secret is configured")
    if not signature or not signature.strip():
        raise SignatureError(f"the {VISMA_SIGNATURE_HEADER} header is missing")
    given = signature.strip().encode("utf-8", "replace")
    if not _any_match(given, (visma_signature(key, raw).encode() for key in secrets.hmac_keys())):
        raise SignatureError(f"the {VISMA_SIGNATURE_HEADER} signature does not match")


def verify_airbase(
    raw: bytes,
    signature: str | None,
    timestamp: str | None,
    secrets: Secrets,
    *,
    mode: str = "body",
    now: float,
    tolerance_s: float = TOLERANCE_S,
) -> None:
    """Accept the body when ``X-Airbase-Signature`` matches any configured secret and the timestamp
    (checked only when present, required in mode ``timestamped``) is fresh; else raise."""
    if mode not in AIRBASE_MODES:
        raise ValueError(f"Unknown Airbase signature mode {mode!r}; known: {', '.join(AIRBASE_MODES)}.")
    if not secrets:
        raise SignatureError("no Airbase webhook secret is configured")
    if not signature or not signature.strip():
        raise SignatureError(f"the {AIRBASE_SIGNATURE_HEADER} header is missing")
    stamp = (timestamp or "").strip()
    if stamp:
        if not stamp.isascii() or not stamp.isdigit():
            raise SignatureError(f"the {AIRBASE_TIMESTAMP_HEADER} header is not a Unix time in seconds")
        if abs(now - int(stamp)) > tolerance_s:
            raise SignatureError(
                f"the {AIRBASE_TIMESTAMP_HEADER} is more than {tolerance_s:g} s from now (stale or replayed)"
            )
    elif mode == "timestamped":
        raise SignatureError(f"the {AIRBASE_TIMESTAMP_HEADER} header is missing")
    given = signature.strip().encode("utf-8", "replace")
    if given[: len(_AIRBASE_PREFIX)].lower() == _AIRBASE_PREFIX.encode():
        given = _AIRBASE_PREFIX.encode() + given[len(_AIRBASE_PREFIX) :].lower()
    expected = (airbase_signature(key, raw, mode, stamp).encode() for key in secrets.hmac_keys())
    if not _any_match(given, expected):
        raise SignatureError(f"the {AIRBASE_SIGNATURE_HEADER} signature does not match")


def _key(secret: SecretLike | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    return (secret.get_secret_value() if isinstance(secret, SecretStr) else secret).encode()


def _any_match(given: bytes, candidates: Iterable[bytes]) -> bool:
    # Every candidate is compared (no early exit), each in constant time.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(given, candidate)
    return matched
