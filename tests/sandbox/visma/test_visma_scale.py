"""Volume: 20,000 invoices page through completely with the 500 cap, and the last page costs
about what the first does (the filtered key list is cached per query and collection version)."""

from __future__ import annotations

import time

from visma_helpers import Visma, body


def _fastest(visma: Visma, params: dict[str, object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        r = visma.get("/v1/supplierInvoice", params=params)
        best = min(best, time.perf_counter() - started)
        assert r.status_code == 200
    return best


def test_twenty_thousand_invoices(visma: Visma) -> None:
    assert visma.admin("POST", "reset", {"invoices": 20_000}).status_code == 200
    visma.login()
    visma.config(same_request_limit=0)
    items = visma.pull("/v1/supplierInvoice", page_size=1000)  # asks 1000, gets 500 per page
    keys = [i["referenceNumber"] for i in items]
    assert len(keys) == 20_000 and len(set(keys)) == 20_000
    first = body(visma.get("/v1/supplierInvoice", params={"pageSize": 1000, "pageNumber": 1}))
    assert len(first) == 500 and first[0]["metadata"] == {"totalCount": 20_000, "maxPageSize": 500}

    big_first = _fastest(visma, {"pageSize": 500, "pageNumber": 1}, repeat=3)
    big_last = _fastest(visma, {"pageSize": 500, "pageNumber": 40}, repeat=3)
    assert big_last < big_first * 2 + 0.02, (big_first, big_last)
    small_first = _fastest(visma, {"pageSize": 10, "pageNumber": 1})
    small_last = _fastest(visma, {"pageSize": 10, "pageNumber": 2000})
    assert small_last < small_first * 3 + 0.005, (small_first, small_last)

    delta = {"lastModifiedDateTime": "2000-01-01", "lastModifiedDateTimeCondition": ">", "status": "Open"}
    _fastest(visma, {**delta, "pageSize": 10, "pageNumber": 1}, repeat=1)  # builds the cached list
    open_first = _fastest(visma, {**delta, "pageSize": 10, "pageNumber": 1})
    open_last = _fastest(visma, {**delta, "pageSize": 10, "pageNumber": 1500})
    assert open_last < open_first * 3 + 0.005, (open_first, open_last)
