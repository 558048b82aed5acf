"""The one Dagster ``Definitions`` object of the project (assets arrive with the sync issue)."""

import dagster as dg

defs = dg.Definitions()
