"""Fixtures of these tests; helpers live in *_fakes.py (conftest modules are not importable)."""

from __future__ import annotations

import pytest
from visma_fakes import FakeClock, make_client

from visma_airbase_pipeline.visma import VismaClient


@pytest.fixture
def client(clock: FakeClock) -> VismaClient:
    return make_client(clock)
