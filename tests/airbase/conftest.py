"""Fixtures of these tests; helpers live in *_fakes.py (conftest modules are not importable)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from airbase_fakes import FakeClock, make_client

from visma_airbase_pipeline.airbase import AirbaseClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client(clock: FakeClock) -> AirbaseClient:
    return make_client(clock)
