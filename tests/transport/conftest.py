"""Fixtures of these tests; helpers live in *_fakes.py (conftest modules are not importable)."""

from __future__ import annotations

import pytest
from transport_fakes import FakeClock, make_transport

from visma_airbase_pipeline.transport import Transport


@pytest.fixture
def transport(clock: FakeClock) -> Transport:
    return make_transport(clock)


@pytest.fixture
def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
