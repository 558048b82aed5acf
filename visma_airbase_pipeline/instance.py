"""The Dagster instance config in ``$DAGSTER_HOME``: the project's ``dagster.yaml``, plus its storage:
PostgreSQL when ``VAB_DAGSTER_PG_URL`` is set, else SQLite in the home as Dagster lays it out, each
database's engine kept (``dagster_storage.py``)."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from visma_airbase_pipeline.settings import dagster_home

MARKER = "# installed by `vab instance init`"
PG_ENV = "VAB_DAGSTER_PG_URL"

#: dagster-postgres 0.29.27 with SQLAlchemy 2.1 needs an explicit ``postgresql+psycopg2://`` URL
#: (a plain ``postgresql://`` or the ``postgres_db`` form asks for the missing psycopg 3).
_PG_STORAGE = f"""
storage:
  postgres:
    postgres_url:
      env: {PG_ENV}
"""


def project_yaml() -> str:
    """The repository's ``dagster.yaml`` (shipped inside the package as data when installed)."""
    local = Path(__file__).resolve().parent.parent / "dagster.yaml"
    if local.exists():
        return local.read_text()
    return resources.files("visma_airbase_pipeline").joinpath("dagster.yaml").read_text()


def _sqlite_storage(home: Path) -> str:
    return f"""
storage:
  custom:
    module: visma_airbase_pipeline.dagster_storage
    class: EngineReusingSqliteStorage
    config:
      base_dir: {json.dumps(str(home.resolve()))}
"""


def render(pg_url: str | None, home: Path) -> str:
    """The instance config for this environment, its SQLite storage (if any) under ``home``."""
    text = f"{MARKER} from the project's dagster.yaml; edit the project's copy instead.\n{project_yaml()}"
    return text + (_PG_STORAGE if pg_url else _sqlite_storage(home))


def ensure_instance_config(home: Path | None = None) -> Path:
    """Install (or refresh, if we installed it) ``dagster.yaml`` in DAGSTER_HOME; a file someone
    wrote by hand is left alone."""
    home = home or dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    pg_url = os.environ.get(PG_ENV)
    if pg_url and not pg_url.startswith("postgresql+psycopg2://"):
        raise ValueError(f"{PG_ENV} must start with postgresql+psycopg2:// (dagster-postgres needs psycopg2)")
    wanted = render(pg_url, home)
    if not target.exists() or (target.read_text().startswith(MARKER) and target.read_text() != wanted):
        target.write_text(wanted)
    return target
