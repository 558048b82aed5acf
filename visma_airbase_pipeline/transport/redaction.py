"""Keep secrets out of anything a person or a log can read.

Paths in errors and logs go through :func:`safe_path` (query values of sensitive-looking names are
masked, as dlt's ``rest_client/redaction.py`` does), and remote messages go through a
:class:`Scrubber` that knows the actual secret values of the client that made the call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

_SENSITIVE = re.compile(r"token|secret|password|passwd|api[_-]?key|signature|auth|credential", re.I)
MASK = "***"


def safe_path(url: str) -> str:
    """Path plus query of ``url``, with values of sensitive query names masked; never scheme or host."""
    parts = urlsplit(url)
    if not parts.query:
        return parts.path or "/"
    pairs = [
        (k, MASK if _SENSITIVE.search(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return f"{parts.path}?{urlencode(pairs, safe=':*')}"


class Scrubber:
    """Replaces known secret values in free text (remote messages may echo what we sent)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first so a secret containing another is masked whole; tiny values would mask noise.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        """Register a secret learnt later (a freshly issued access token)."""
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def __repr__(self) -> str:
        return f"Scrubber({len(self._secrets)} secrets)"
