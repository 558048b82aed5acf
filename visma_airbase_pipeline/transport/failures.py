"""Name a failure that produced no HTTP answer, and describe it without secrets.

Connection refused, DNS, TLS and timeouts call for different fixes (``vab ping`` says which), so the
kind is recovered from the requests/urllib3 exception chain. Messages name host and port only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from visma_airbase_pipeline.errors import TransportFailure

_DNS_HINTS = (
    "NameResolutionError",
    "Name or service not known",
    "nodename nor servname",
    "getaddrinfo",
    "Temporary failure in name resolution",
    "No address associated",
)


def classify_failure(error: requests.exceptions.RequestException) -> TransportFailure:
    """Name the kind of failure when no HTTP answer came back."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "connect_timeout"
    if isinstance(error, requests.exceptions.ReadTimeout):
        return "read_timeout"
    if isinstance(error, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(error, requests.exceptions.SSLError):
        return "tls"
    text = repr(error)
    if any(hint in text for hint in _DNS_HINTS):
        return "dns"
    if "refused" in text.lower():
        return "refused"
    return "connection"


_FAILURE_TEXT: dict[str, str] = {
    "connect_timeout": "no connection to {host} within {connect:g} s",
    "read_timeout": "{host} did not answer within {read:g} s",
    "timeout": "{host} timed out",
    "refused": "connection refused by {host}",
    "dns": "host name {hostname} cannot be resolved",
    "tls": "TLS handshake with {host} failed",
    "connection": "connection to {host} failed",
}


def describe_failure(kind: TransportFailure, url: str, connect_s: float, read_s: float) -> str:
    """A short phrase for the failure, e.g. "connection refused by 127.0.0.1:8701"."""
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    return _FAILURE_TEXT[kind].format(host=host, hostname=parts.hostname, connect=connect_s, read=read_s)
