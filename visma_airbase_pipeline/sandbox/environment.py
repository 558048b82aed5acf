"""The ``VAB_*`` environment that points the connector at a pair of running sandboxes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

#: The sandboxes' well-known credentials (documented in README; never real secrets).
SANDBOX_CREDENTIALS = {
    "VAB_VISMA_CLIENT_ID": "vab-sandbox-client",
    "VAB_VISMA_CLIENT_SECRET": "vab-sandbox-secret",
    "VAB_VISMA_TENANT_ID": "vab-sandbox-tenant",
    "VAB_VISMA_COMPANY_ID": "1000001",
    "VAB_AIRBASE_TOKEN": "vab-sandbox-airbase-token",
    "VAB_AIRBASE_AUTH_SCHEME": "Token",
    "VAB_VISMA_WEBHOOK_SECRET": "vab-sandbox-visma-webhook-secret",
    "VAB_AIRBASE_WEBHOOK_SECRET": "vab-sandbox-airbase-webhook-secret",
}


def sandbox_environment(visma_url: str, airbase_url: str) -> dict[str, str]:
    """Base URLs and credentials for the sandboxes at these URLs."""
    return {
        "VAB_VISMA_BASE_URL": visma_url,
        "VAB_VISMA_TOKEN_URL": f"{visma_url}/connect/token",
        "VAB_AIRBASE_BASE_URL": airbase_url,
        **SANDBOX_CREDENTIALS,
    }


@contextlib.contextmanager
def using_environment(values: dict[str, str]) -> Iterator[dict[str, str]]:
    """Set these variables for the duration of the block, then restore what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def using_sandboxes(visma_url: str, airbase_url: str) -> Iterator[dict[str, str]]:
    """Point the connector at the sandboxes for the duration of the block."""
    with using_environment(sandbox_environment(visma_url, airbase_url)) as values:
        yield values
