"""The general ledger: ``/v1/account`` (not paginated), ``/v1/subaccount`` and
``/v2/journaltransaction``, whose ``pageSize`` counts *lines*, so one batch can span pages
(api/visma.md sections 5 and 6).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.jsonio import JSONResponse
from visma_airbase_pipeline.sandbox.visma.query import DELTA_FILTERS, Filter, ListSpec, page_of, parse_query
from visma_airbase_pipeline.sandbox.visma.resources.common import (
    ApiRoute,
    Call,
    list_response,
    not_found,
    single,
)
from visma_airbase_pipeline.sandbox.visma.store import Entry

ACCOUNT_SPEC = ListSpec(
    "account", (Filter("active", "bool", lambda e: e.data.get("active")), *DELTA_FILTERS), paginated=False
)
SUBACCOUNT_SPEC = ListSpec(
    "subaccount", (Filter("active", "bool", lambda e: e.data.get("active")), *DELTA_FILTERS)
)
JOURNAL_SPEC = ListSpec(
    "journaltransaction",
    (
        Filter("periodId", "text", lambda e: e.data.get("financialPeriod")),
        Filter(
            "module", "text", lambda e: e.data.get("module"), normalize=lambda t: t.removeprefix("module")
        ),
        Filter("status", "text", lambda e: e.data.get("status")),
        Filter("branch", "text", lambda e: (e.data.get("branch") or {}).get("number")),
        *DELTA_FILTERS,
    ),
    since_without_condition=("lastModifiedDateTime",),
)


def _one(call: Call, collection: str, what: str) -> Response:
    key = call.key("number")
    entry = call.store[collection].get(key)
    if entry is None:
        raise not_found(f"{what} {key}")
    return single(entry.read(), entry)


async def list_accounts(call: Call) -> Response:
    """``GET /v1/account``: the whole chart, never paged."""
    col = call.store["account"]
    return list_response(call, ACCOUNT_SPEC, lambda: col, col.version)


async def get_account(call: Call) -> Response:
    """``GET /v1/account/{accountCd}``."""
    return _one(call, "account", "Account")


async def list_subaccounts(call: Call) -> Response:
    """``GET /v1/subaccount``."""
    col = call.store["subaccount"]
    return list_response(call, SUBACCOUNT_SPEC, lambda: col, col.version)


async def get_subaccount(call: Call) -> Response:
    """``GET /v1/subaccount/{subAccountNumber}``."""
    return _one(call, "subaccount", "Subaccount")


async def list_journal(call: Call) -> Response:
    """``GET /v2/journaltransaction``: needs ``periodId`` or ``lastModifiedDateTime``; pages by lines."""
    params = call.request.query_params
    if "periodId" not in params and "lastModifiedDateTime" not in params:
        raise ApiError(400, "Either 'periodId' or 'lastModifiedDateTime' must be given.")
    sb = call.sb
    query = parse_query(
        JOURNAL_SPEC, params, strict=sb.config.strict_params, max_page_size=sb.config.max_page_size
    )
    col = call.store["journaltransaction"]
    batches = sb.cache.get(query.key, col.version, lambda: [e for e in col if query.matches(e)])
    lines = sb.cache.get(
        ("lines", *query.key),
        col.version,
        lambda: [(b, i) for b in batches for i in range(len(b.data.get("journalTransactionLines") or []))],
    )
    grouped: dict[int, tuple[Entry, list[dict[str, Any]]]] = {}
    for batch, index in page_of(lines, query, sb.shuffle_seed(call.request)):
        grouped.setdefault(id(batch), (batch, []))[1].append(batch.data["journalTransactionLines"][index])
    meta = {"totalCount": len(lines), "maxPageSize": sb.config.max_page_size}
    body = [{**b.read(), "journalTransactionLines": ls, "metadata": meta} for b, ls in grouped.values()]
    return JSONResponse(body)


async def get_journal(call: Call) -> Response:
    """``GET /v2/journaltransaction/{batchNumber}``."""
    return _one(call, "journaltransaction", "Journal transaction")


ROUTES = [
    ApiRoute("/account", "GET", list_accounts),
    ApiRoute("/account/{number}", "GET", get_account),
    ApiRoute("/subaccount", "GET", list_subaccounts),
    ApiRoute("/subaccount/{number}", "GET", get_subaccount),
    ApiRoute("/journaltransaction", "GET", list_journal),
    ApiRoute("/journaltransaction/{number}", "GET", get_journal),
]
