"""Fixtures of these tests; helpers live in *_fakes.py (conftest modules are not importable)."""

from __future__ import annotations

import pytest
from airbase_fakes import FakeClock, make_client

from visma_airbase_pipeline.airbase import AirbaseClient


@pytest.fixture
def client(clock: FakeClock) -> AirbaseClient:
    return make_client(clock)
