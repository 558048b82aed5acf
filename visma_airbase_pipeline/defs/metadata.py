"""Turn a sync report and the clients' call counts into materialization metadata: the audit trail."""

from __future__ import annotations

from typing import Any

import dagster as dg

from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.transport import CallStats


def sync_metadata(report: SyncReport, *stats: CallStats) -> dict[str, Any]:
    """Counts, sums per currency, API cost and the transitions table of one step."""
    summary = report.summary()
    metadata: dict[str, Any] = {
        "window": dg.MetadataValue.text(summary["window"] or "all"),
        "read": dg.MetadataValue.int(summary["read"]),
        "created": dg.MetadataValue.int(summary["created"]),
        "updated": dg.MetadataValue.int(summary["updated"]),
        "unchanged": dg.MetadataValue.int(summary["unchanged"]),
        "changed_in_source": dg.MetadataValue.int(summary["changed"]),
        "linked": dg.MetadataValue.int(summary["linked"]),
        "skipped": dg.MetadataValue.int(summary["skipped"]),
        "quarantined": dg.MetadataValue.int(summary["quarantined"]),
        "transitions": dg.MetadataValue.md(report.transitions_markdown()),
    }
    if summary["skipped_reasons"]:
        metadata["skipped_reasons"] = dg.MetadataValue.json(summary["skipped_reasons"])
    if summary["quarantined_records"]:
        metadata["quarantined_records"] = dg.MetadataValue.json(summary["quarantined_records"])
    if summary["stages"]:
        metadata["stages"] = dg.MetadataValue.json(summary["stages"])
    if summary["conflicts"]:
        metadata["conflicts"] = dg.MetadataValue.json(summary["conflicts"])
    if summary["source_sums"] or summary["target_sums"]:
        metadata["sums_visma"] = dg.MetadataValue.json(summary["source_sums"])
        metadata["sums_airbase"] = dg.MetadataValue.json(summary["target_sums"])
    if summary["notes"]:
        metadata["notes"] = dg.MetadataValue.json(summary["notes"])
    for calls in stats:
        for name, value in calls.as_metadata().items():
            metadata[name] = (
                dg.MetadataValue.json(value)
                if isinstance(value, dict)
                else value
                if value is not None
                else "n/a"
            )
    return metadata
