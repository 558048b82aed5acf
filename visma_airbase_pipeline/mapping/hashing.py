"""Content hashes of payloads: a record is written only when its hash changes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import simplejson


def content_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, Decimals exact), stable across runs and machines."""
    canonical = simplejson.dumps(
        payload, use_decimal=True, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
