"""The connector's state store: crosswalk, transitions, quarantine and cursors (DESIGN.md section 5)."""

from visma_airbase_pipeline.ledger.engine import default_ledger_url, make_engine
from visma_airbase_pipeline.ledger.snapshots import Snapshot
from visma_airbase_pipeline.ledger.store import CrosswalkRow, LedgerStore, QuarantineItem, Transition

__all__ = [
    "CrosswalkRow",
    "LedgerStore",
    "QuarantineItem",
    "Snapshot",
    "Transition",
    "default_ledger_url",
    "make_engine",
]
