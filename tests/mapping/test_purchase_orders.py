"""Purchase order + receipts -> Airbase PO: ordered and received quantities per line."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from visma_airbase_pipeline.mapping import MappingError
from visma_airbase_pipeline.mapping.purchase_orders import order_to_airbase
from visma_airbase_pipeline.mapping.reference import Company
from visma_airbase_pipeline.sandbox.seed import seed_company
from visma_airbase_pipeline.visma.documents import PurchaseOrder, PurchaseReceipt


@pytest.fixture(scope="module")
def seeded():
    visma, _ = seed_company(seed=5, invoices=300, today=date(2026, 11, 1))
    receipts = defaultdict(list)
    for raw in visma.purchase_receipts:
        for nbr in {line["poOrderNbr"] for line in raw["lines"]}:
            receipts[nbr].append(PurchaseReceipt.model_validate(raw))
    return visma, receipts, {s["number"] for s in visma.suppliers}


def test_every_seeded_order_maps_with_received_from_released_receipts(seeded):
    visma, receipts, vendors = seeded
    partial = 0
    for raw in visma.purchase_orders:
        item = order_to_airbase(
            PurchaseOrder.model_validate(raw), receipts[raw["orderNbr"]], Company(), vendors=vendors
        )
        assert item["erp_reference_id"] == raw["orderNbr"]
        for line, source in zip(item["lines"], raw["lines"], strict=True):
            assert Decimal(line["quantity"]) == source["orderQty"]
            assert Decimal(line["received_quantity"]) == source["qtyOnReceipts"]
            assert line["erp_warehouse_reference_id"] == source["warehouse"]["id"]
            partial += Decimal(0) < source["qtyOnReceipts"] < source["orderQty"]
        assert Decimal(item["total_amount"]) == sum(Decimal(line["amount"]) for line in item["lines"])
    assert partial > 0  # the seed has partial receipts and they come through as such


def test_receipts_that_exceed_the_order_or_bad_quantities_are_rejected(seeded):
    visma, receipts, vendors = seeded
    raw = next(r for r in visma.purchase_orders if receipts[r["orderNbr"]])
    over = [r.model_copy(deep=True) for r in receipts[raw["orderNbr"]]]
    for receipt in over:
        receipt.status = "Released"
        for line in receipt.lines:
            line.receipt_qty = (line.receipt_qty or Decimal(0)) + Decimal(100000)
    with pytest.raises(MappingError, match="more than"):
        order_to_airbase(PurchaseOrder.model_validate(raw), over, Company(), vendors=vendors)
    bad = copy.deepcopy(raw)
    bad["lines"][0]["orderQty"] = Decimal(0)
    with pytest.raises(MappingError, match="not positive"):
        order_to_airbase(PurchaseOrder.model_validate(bad), [], Company(), vendors=vendors)
    with pytest.raises(MappingError, match="no vendor"):
        order_to_airbase(PurchaseOrder.model_validate(raw), [], Company(), vendors=set())
