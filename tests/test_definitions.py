"""The project's Dagster definitions load the way `dagster dev` and the webserver load them."""

import dagster as dg

from visma_airbase_pipeline.definitions import defs


def test_definitions_load_and_validate():
    assert isinstance(defs, dg.Definitions)
    dg.Definitions.validate_loadable(defs)
