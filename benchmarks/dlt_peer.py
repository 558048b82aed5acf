"""Item 7b: dlt's ``rest_api`` source reading the Visma sandbox's supplier invoices into DuckDB
(extraction only, the read half). Runs in its own venv (``.venv-bench-dlt``, from
``benchmarks/requirements-dlt.lock``) so dlt never touches the project's pinned environment; it
imports nothing from the project.

Environment: ``VAB_VISMA_BASE_URL``, ``VAB_VISMA_COMPANY_ID``, ``BENCH_VISMA_TOKEN`` (a bearer token
fetched by the harness: dlt's OAuth2 helper posts the client credentials as HTTP Basic auth, while
Visma Connect wants them, and ``tenant_id``, in the form), ``BENCH_DLT_DIR`` (a scratch directory).
Prints one ``BENCH-RESULT {json}`` line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

MARKER = "BENCH-RESULT "


def main() -> int:
    """Load every supplier invoice with dlt and print rows, elapsed time and dlt's version."""
    import dlt
    import duckdb
    from dlt.sources.rest_api import rest_api_source

    work = Path(os.environ["BENCH_DLT_DIR"])
    database = work / "dlt_bench.duckdb"  # not named like the dataset (DuckDB catalog clash)
    config = {
        "client": {
            "base_url": os.environ["VAB_VISMA_BASE_URL"].rstrip("/") + "/",
            "auth": {"type": "bearer", "token": os.environ["BENCH_VISMA_TOKEN"]},
            "headers": {"ipp-company-id": os.environ["VAB_VISMA_COMPANY_ID"]},
            # api/visma.md section 6: pageNumber from 1, always send pageSize; stop on an empty page.
            "paginator": {
                "type": "page_number",
                "base_page": 1,
                "page_param": "pageNumber",
                "total_path": None,
                "stop_after_empty_page": True,
            },
        },
        "resource_defaults": {"write_disposition": "replace"},
        "resources": [
            {
                "name": "supplier_invoices",
                "endpoint": {"path": "v1/supplierInvoice", "params": {"pageSize": 500}, "data_selector": "$"},
            }
        ],
    }
    started = time.monotonic()
    pipeline = dlt.pipeline(
        pipeline_name="vab_bench",
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="visma",
        pipelines_dir=str(work / "pipelines"),
    )
    pipeline.run(rest_api_source(config))
    elapsed = time.monotonic() - started
    with duckdb.connect(str(database), read_only=True) as connection:
        (rows,) = connection.execute("select count(*) from visma.supplier_invoices").fetchone()
    figures = {"success": True, "rows": int(rows), "elapsed_s": round(elapsed, 2), "dlt": dlt.__version__}
    print(MARKER + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
