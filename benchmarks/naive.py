"""Item 7a: the naive connector the project is compared with. It lists the invoice numbers, then
GETs every invoice on its own and POSTs every bill on its own (a bulk upsert of one), with no
content hashing, no ledger and no bulk: what a first integration script typically does.

Run as ``python -m benchmarks.naive`` with the ``VAB_*`` sandbox environment; it maps with the
project's own pure mapping so both write the same bills. Reference data (vendors, GL accounts,
cost centres) is taken from the Airbase sandbox's admin state before the clock starts.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import requests
import simplejson

from benchmarks.sandboxes import get
from benchmarks.sync_entry import MARKER
from visma_airbase_pipeline.mapping.bills import BillReferences, invoice_to_bill
from visma_airbase_pipeline.mapping.errors import MappingError, Skip
from visma_airbase_pipeline.mapping.reference import Company, segment_value_of_tag
from visma_airbase_pipeline.visma.documents import SupplierInvoice


def _references(airbase_url: str) -> BillReferences:
    refs = BillReferences(purchase_orders=None)
    refs.vendors = {
        str(v["erp_reference_id"]) for v in get(airbase_url, "state/vendors") if v.get("erp_reference_id")
    }
    refs.accounts = {str(a["erp_reference_id"]) for a in get(airbase_url, "state/accounts")}
    tags = [str(t["erp_reference_id"]) for t in get(airbase_url, "state/tags") if t.get("erp_reference_id")]
    refs.cost_centers = {segment_value_of_tag(tag) for tag in tags}
    return refs


def main() -> int:
    """Read every invoice one by one and write every bill one by one; print the figures."""
    env = os.environ
    visma, airbase = env["VAB_VISMA_BASE_URL"], env["VAB_AIRBASE_BASE_URL"]
    refs = _references(airbase)
    started = time.monotonic()
    session = requests.Session()
    token = session.post(
        env["VAB_VISMA_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": env["VAB_VISMA_CLIENT_ID"],
            "client_secret": env["VAB_VISMA_CLIENT_SECRET"],
            "tenant_id": env["VAB_VISMA_TENANT_ID"],
            "scope": "vismanet_erp_service_api:read",
        },
        timeout=30,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "ipp-company-id": env["VAB_VISMA_COMPANY_ID"]}
    keys: list[tuple[str, str]] = []
    page = 1
    while True:
        params: dict[str, Any] = {"pageNumber": page, "pageSize": 500}
        rows = session.get(f"{visma}/v1/supplierInvoice", params=params, headers=headers, timeout=60).json()
        if not rows:
            break
        keys += [(r["documentType"], r["referenceNumber"]) for r in rows]
        page += 1
    airbase_headers = {
        "Authorization": f"Token {env['VAB_AIRBASE_TOKEN']}",
        "Content-Type": "application/json",
    }
    posted = skipped = rejected = 0
    reasons: dict[str, int] = {}
    for doc_type, number in keys:
        response = session.get(f"{visma}/v1/supplierInvoice/{doc_type}/{number}", headers=headers, timeout=60)
        invoice = SupplierInvoice.model_validate(simplejson.loads(response.content, use_decimal=True))
        try:
            bill = invoice_to_bill(invoice, refs, Company())
        except (Skip, MappingError) as reason:
            skipped += 1
            reasons[str(reason)[:60]] = reasons.get(str(reason)[:60], 0) + 1
            continue
        answer = session.post(
            f"{airbase}/v1/accounting/bills/bulk_upsert/",
            data=simplejson.dumps({"entities": [bill]}),
            headers=airbase_headers,
            timeout=60,
        )
        posted += 1
        rejected += bool(answer.json().get("validation_errors"))
    figures = {
        "success": True,
        "read": len(keys),
        "posted": posted,
        "skipped": skipped,
        "rejected": rejected,
        "skip_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:5]),
        "elapsed_s": round(time.monotonic() - started, 2),
    }
    print(MARKER + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
