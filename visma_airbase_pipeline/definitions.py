"""The one Dagster ``Definitions`` object of the project: a plain list, no logic."""

import dagster as dg

from visma_airbase_pipeline.defs import checks
from visma_airbase_pipeline.defs.assets import airbase, payments, visma
from visma_airbase_pipeline.defs.resources import AirbaseResource, LedgerResource, VismaResource

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([visma, airbase, payments]),
    asset_checks=dg.load_asset_checks_from_modules([checks]),
    resources={"visma": VismaResource(), "airbase": AirbaseResource(), "ledger": LedgerResource()},
)
