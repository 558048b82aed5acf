"""Bulk upserts: chunks of 100, results mapped back to the caller's indexes across chunks."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import responses
from airbase_fakes import API

from visma_airbase_pipeline.airbase import AirbaseClient


def echo_bulk(reject: set[str]) -> Any:
    """A bulk endpoint that creates odd ids, updates even ones and rejects the ids in ``reject``."""

    def handler(request: Any) -> tuple[int, dict[str, str], str]:
        entities = json.loads(request.body)["entities"]
        created, updated, errors = [], [], []
        for index, item in enumerate(entities):
            erp_id = item["erp_reference_id"]
            if erp_id in reject:
                errors.append({"index": index, "errors": {"erp_vendor_reference_id": ["Unknown vendor."]}})
            elif int(erp_id.split("-")[1]) % 2:
                created.append({"airbase_id": f"ab-{erp_id}", "erp_reference_id": erp_id})
            else:
                updated.append({"airbase_id": f"ab-{erp_id}", "erp_reference_id": erp_id})
        # Order of the answer lists is not the order of the request: mapping must not rely on it.
        body = {"created": created[::-1], "updated": updated, "validation_errors": errors}
        return 200, {}, json.dumps(body)

    return handler


def bills(count: int) -> list[dict[str, Any]]:
    return [{"erp_reference_id": f"SI-{i:06d}", "total_amount": Decimal("1500.00") + i} for i in range(count)]


def test_chunks_of_100_and_indexes_across_chunks(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.add_callback(
        responses.POST, f"{API}/bills/bulk_upsert/", callback=echo_bulk({"SI-000007", "SI-000150"})
    )
    result = client.upsert_bills(bills(250))
    sizes = [len(json.loads(c.request.body)["entities"]) for c in rsps.calls]
    assert sizes == [100, 100, 50]
    assert result.calls == 3 and result.submitted == 250
    assert result.failed_indexes == {7, 150}
    assert result.errors_by_index()[150] == {"erp_vendor_reference_id": ["Unknown vendor."]}
    assert result.stored_indexes == set(range(250)) - {7, 150}
    assert {item.index: item.erp_reference_id for item in result.created}[201] == "SI-000201"
    assert all(item.erp_reference_id == f"SI-{item.index:06d}" for item in [*result.created, *result.updated])
    assert result.unaccounted_indexes == set()


def test_money_goes_out_as_decimal_strings(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.add_callback(responses.POST, f"{API}/bills/bulk_upsert/", callback=echo_bulk(set()))
    client.upsert_bills(
        [
            {
                "erp_reference_id": "SI-1",
                "total_amount": Decimal("1500.10"),
                "lines": [{"amount": Decimal("1500.1")}],
            }
        ]
    )
    sent = json.loads(rsps.calls[0].request.body)["entities"][0]
    assert sent["total_amount"] == "1500.10" and sent["lines"][0]["amount"] == "1500.1"


def test_items_missing_from_the_answer_are_unaccounted(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.post(
        f"{API}/vendors/bulk_upsert/",
        json={
            "created": [{"airbase_id": "a", "erp_reference_id": "1"}],
            "updated": [],
            "validation_errors": [],
        },
    )
    result = client.upsert_vendors([{"erp_reference_id": "1"}, {"erp_reference_id": "2"}])
    assert result.stored_indexes == {0} and result.unaccounted_indexes == {1}


def test_update_by_airbase_id_maps_back(rsps: responses.RequestsMock, client: AirbaseClient):
    # Linking an Airbase-born vendor: the item carries airbase_id and the new ERP id.
    rsps.post(
        f"{API}/vendors/bulk_upsert/",
        json={
            "created": [],
            "updated": [{"airbase_id": "v-2", "erp_reference_id": "50099"}],
            "validation_errors": [],
        },
    )
    result = client.upsert_vendors(
        [{"erp_reference_id": "50098", "name": "x"}, {"airbase_id": "v-2", "erp_reference_id": "50099"}]
    )
    assert [item.index for item in result.updated] == [1]


def test_rejected_batch_marks_every_item(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.post(
        f"{API}/accounts/bulk_upsert/",
        status=400,
        json={"validation_errors": [{"index": 1, "errors": {"type": ["Required."]}}]},
    )
    result = client.upsert_accounts([{"erp_reference_id": "6540"}, {"erp_reference_id": "6550"}])
    assert result.stored_indexes == set()
    assert result.errors_by_index() == {
        1: {"type": ["Required."]},
        0: {"non_field_errors": ["batch rejected (400): nothing in this chunk was stored"]},
    }
    assert len(rsps.calls) == 1  # a 400 is final


def test_bulk_is_retried_on_5xx_because_replay_is_safe(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.post(f"{API}/tags/bulk_upsert/", status=503)
    rsps.post(f"{API}/tags/bulk_upsert/", json={"created": [{"airbase_id": "t", "erp_reference_id": "CC-1"}]})
    result = client.upsert_tags([{"erp_reference_id": "CC-1", "name": "IT", "type": "cost_center"}])
    assert result.stored_indexes == {0} and len(rsps.calls) == 2
