"""Jobs the schedules and sensors launch (the UI can launch any asset selection too)."""

import dagster as dg

from visma_airbase_pipeline.defs.partitions import daily

_REFERENCE = [
    ["visma", "gl_accounts"],
    ["visma", "dimensions"],
    ["visma", "suppliers"],
    ["airbase", "accounts"],
    ["airbase", "tags"],
    ["airbase", "vendors"],
]
_DOCUMENTS = [
    ["visma", "suppliers"],
    ["airbase", "vendors"],
    ["visma", "supplier_invoices"],
    ["airbase", "bills"],
    ["visma", "purchase_orders"],
    ["visma", "purchase_receipts"],
    ["airbase", "purchase_orders"],
]

#: Everything for one day (or a range): reference data, documents, the payment queue.
sync_job = dg.define_asset_job("sync", selection=dg.AssetSelection.all(), partitions_def=daily)

#: Reference data, whole.
reference_job = dg.define_asset_job("reference_sync", selection=dg.AssetSelection.assets(*_REFERENCE))

#: What a Visma webhook batch needs: today's documents (and their suppliers). A batch that names
#: only invoices runs just ``visma/supplier_invoices`` and ``airbase/bills`` (see defs/sensors.py).
documents_job = dg.define_asset_job(
    "webhook_documents", selection=dg.AssetSelection.assets(*_DOCUMENTS), partitions_def=daily
)

#: The payment queue: approvals and payments from Airbase back to Visma.
payments_job = dg.define_asset_job("payments", selection=dg.AssetSelection.groups("payments"))
