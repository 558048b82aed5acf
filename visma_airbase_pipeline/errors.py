"""Typed errors for every call to Visma or Airbase, and how an error response becomes one.

An error says what was asked (method, path without secret query values), what came back (status, the
remote system's own message, its request id) and nothing about how we authenticated: no headers, no
tokens, no client secrets, in ``str`` or ``repr``. The parsed body is kept on ``details`` for callers
(bulk validation errors, for instance) but never printed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

TransportFailure = Literal[
    "connect_timeout", "read_timeout", "timeout", "refused", "dns", "tls", "connection"
]

_MAX_MESSAGE = 300
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


class RemoteError(Exception):
    """A call to a remote system failed; carries the request line and the remote's own message."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.request_id = request_id
        self.details = details

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f" -> {self.status}" if self.status is not None else ""
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        head = f"{where}{status}: " if where or status else ""
        return f"{head}{self.message}{rid}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, path={self.path!r}, status={self.status!r}, "
            f"code={self.code!r}, message={self.message!r}, request_id={self.request_id!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive the default Exception pickling; rebuild from state.
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[RemoteError], message: str, state: dict[str, Any]) -> RemoteError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class AuthError(RemoteError):
    """Credentials refused (401), not allowed (403), or the token endpoint said no (``invalid_client``)."""


class RateLimited(RemoteError):
    """429: the remote asked us to slow down; ``retry_after`` seconds when it said how long."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class StaleEtag(RemoteError):
    """412: the record changed since we read it (or kept changing for every attempt)."""


class ValidationFailed(RemoteError):
    """400/422: the remote rejected the payload or query; ``field_errors`` holds per-field messages."""

    def __init__(
        self, message: str, *, field_errors: dict[str, list[str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class NotFound(RemoteError):
    """404 where a record was required."""


class Conflict(RemoteError):
    """409, or an update that no longer applies to the current state of the record."""


class ActionFailed(RemoteError):
    """A Visma action (release, ...) answered ``actionResult: Failed`` or a non-null ``errorInfo``."""

    def __init__(self, message: str, *, action_result: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.action_result = action_result


class ServerError(RemoteError):
    """5xx: the remote failed; retried for reads and idempotent writes only."""


class TransportError(RemoteError):
    """No HTTP answer at all: connection refused, DNS, TLS, or a timeout (``kind`` says which)."""

    def __init__(self, message: str, *, kind: TransportFailure = "connection", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.kind: TransportFailure = kind


def refused_the_record(error: RemoteError) -> bool:
    """Whether the remote refused this record itself (a 4xx about its content), as opposed to a
    failure of the moment: expired or revoked credentials, a rate limit, a record that kept
    changing under us, or no answer at all. Only a refusal belongs in the quarantine; the rest is
    left for the next run."""
    if isinstance(error, AuthError | RateLimited | StaleEtag | TransportError):
        return False
    return (
        error.status is not None
        and 400 <= error.status < 500
        and error.status not in (401, 403, 408, 412, 429)
    )


def _clean_text(text: str) -> str:
    """Collapse HTML pages and long bodies into one short line (CDN error pages are whole documents)."""
    text = _SPACES.sub(" ", _TAGS.sub(" ", text)).strip()
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(_as_text(v) for v in value)
    return json.dumps(value, default=str) if isinstance(value, dict) else str(value)


def _field_errors(body: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, value in body.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            errors[key] = list(value)
        elif isinstance(value, str):
            errors[key] = [value]
    return errors


def parse_error_body(body: Any, text: str) -> tuple[str, str | None, str | None, dict[str, list[str]]]:
    """Extract (message, code, request id, field errors) from any error body shape both systems use.

    Shapes: Visma ``{"ExceptionType","ExceptionMessage","ExceptionFaultCode","ExceptionMessageID"}``,
    Visma Connect ``{"error","error_description"}``, gateways ``{"statusCode","message"}`` /
    ``{"message"}``, DRF ``{"detail"}`` and DRF field errors ``{"field": ["msg"]}``; anything else
    (HTML, plain text) becomes a cleaned, truncated line.
    """
    if isinstance(body, dict):
        if "ExceptionMessage" in body or "ExceptionType" in body:
            message = _as_text(body.get("ExceptionMessage") or body.get("ExceptionType") or "")
            code = body.get("ExceptionFaultCode")
            return message, str(code) if code else None, body.get("ExceptionMessageID") or None, {}
        if "error" in body and isinstance(body["error"], str):
            description = body.get("error_description")
            message = f"{body['error']}: {description}" if description else body["error"]
            return message, body["error"], None, {}
        if "message" in body:
            code = body.get("statusCode")
            return _as_text(body["message"]), str(code) if code is not None else None, None, {}
        if "detail" in body:
            return _as_text(body["detail"]), None, None, {}
        fields = _field_errors(body)
        if fields:
            message = "; ".join(f"{key}: {', '.join(msgs)}" for key, msgs in fields.items())
            return _clean_text(message), None, None, fields
    elif isinstance(body, list) and body:
        return _clean_text(_as_text(body)), None, None, {}
    return _clean_text(text), None, None, {}


def error_for_status(status: int, message: str, **context: Any) -> RemoteError:
    """The typed error for an HTTP status, so callers can ``except`` what they can handle."""
    field_errors = context.pop("field_errors", None)
    retry_after = context.pop("retry_after", None)
    if status in (401, 403):
        return AuthError(message, status=status, **context)
    if status == 429:
        return RateLimited(message, status=status, retry_after=retry_after, **context)
    if status in (400, 422):
        return ValidationFailed(message, status=status, field_errors=field_errors, **context)
    if status == 404:
        return NotFound(message, status=status, **context)
    if status == 409:
        return Conflict(message, status=status, **context)
    if status == 412:
        return StaleEtag(message, status=status, **context)
    if status >= 500:
        return ServerError(message, status=status, **context)
    return RemoteError(message, status=status, **context)
