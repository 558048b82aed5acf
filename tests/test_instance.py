"""The Dagster instance config: SQLite (engines kept) by default, PostgreSQL if VAB_DAGSTER_PG_URL is set."""

from __future__ import annotations

import dagster as dg
import pytest

from visma_airbase_pipeline.dagster_storage import EngineReusingSqliteEventLogStorage
from visma_airbase_pipeline.instance import MARKER, ensure_instance_config


def test_default_instance_is_sqlite_with_pools(dagster_home, monkeypatch):
    monkeypatch.delenv("VAB_DAGSTER_PG_URL", raising=False)
    path = ensure_instance_config()
    text = path.read_text()
    assert text.startswith(MARKER) and "EngineReusingSqliteStorage" in text and "default_limit: 1" in text

    @dg.asset
    def probe() -> int:
        return 1

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert "Sqlite" in type(instance.run_storage).__name__
        assert isinstance(instance.event_log_storage, EngineReusingSqliteEventLogStorage)
        for _ in range(2):
            result = dg.materialize([probe], instance=instance)
            assert result.success
    # Dagster's default layout: the same home opens with plain `storage: sqlite` and sees both runs.
    (dagster_home / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {dagster_home}\n")
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert len(instance.get_runs()) == 2
        assert instance.get_latest_materialization_event(dg.AssetKey("probe")) is not None


def test_a_hand_written_instance_config_is_left_alone(dagster_home):
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    ensure_instance_config()
    assert (dagster_home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"


def test_a_url_dagster_postgres_cannot_use_is_refused(dagster_home, monkeypatch):
    monkeypatch.setenv("VAB_DAGSTER_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with pytest.raises(ValueError, match=r"postgresql\+psycopg2://"):
        ensure_instance_config()


def test_postgres_backed_instance_stores_runs_in_postgres(dagster_home, monkeypatch, postgres_url):
    monkeypatch.setenv("VAB_DAGSTER_PG_URL", postgres_url)
    text = ensure_instance_config().read_text()
    assert "postgres_url" in text and "VAB_DAGSTER_PG_URL" in text  # the URL itself stays in the env

    @dg.asset
    def probe() -> int:
        return 1

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert "Postgres" in type(instance.run_storage).__name__
        result = dg.materialize([probe], instance=instance)
        assert result.success
        assert instance.get_run_by_id(result.run_id) is not None
        assert instance.get_latest_materialization_event(dg.AssetKey("probe")) is not None
