"""Optimistic locking of api/visma.md section 7: ETag = base64 version counter = ``timeStamp``,
412 on a stale ``If-Match`` (quoted or not), last write wins without it, actions included."""

from __future__ import annotations

import base64

from visma_helpers import Visma, body, w


def _version(etag: str) -> int:
    return int.from_bytes(base64.b64decode(etag.strip('"')), "big")


def test_single_get_etag_matches_timestamp_and_lists_have_none(visma: Visma) -> None:
    r = visma.get("/v1/supplier/70001")
    assert r.headers["ETag"] == f'"{body(r)["timeStamp"]}"'
    assert _version(r.headers["ETag"]) == 1
    listing = visma.get("/v1/supplier", params={"pageSize": 3})
    assert "ETag" not in listing.headers
    assert all(item["timeStamp"] for item in body(listing))


def test_put_bumps_version_and_returns_new_etag(visma: Visma) -> None:
    etag = visma.get("/v1/supplier/70001").headers["ETag"]
    r = visma.call("PUT", "/v1/supplier/70001", json={"name": w("A")}, headers={"If-Match": etag})
    assert r.status_code == 204 and r.content == b""
    assert _version(r.headers["ETag"]) == _version(etag) + 1
    assert visma.get("/v1/supplier/70001").headers["ETag"] == r.headers["ETag"]


def test_stale_if_match_is_412_quoted_or_unquoted(visma: Visma) -> None:
    stale = visma.get("/v1/supplier/70001").headers["ETag"]
    fresh = visma.call("PUT", "/v1/supplier/70001", json={"name": w("B")}).headers["ETag"]
    for header in (stale, stale.strip('"')):
        r = visma.call("PUT", "/v1/supplier/70001", json={"name": w("C")}, headers={"If-Match": header})
        assert r.status_code == 412
        assert r.json()["ExceptionType"] == "IPPException"
    assert body(visma.get("/v1/supplier/70001"))["name"] == "B"
    ok = visma.call(
        "PUT", "/v1/supplier/70001", json={"name": w("D")}, headers={"If-Match": fresh.strip('"')}
    )
    assert ok.status_code == 204


def test_without_if_match_last_write_wins(visma: Visma) -> None:
    visma.call("PUT", "/v1/supplier/70001", json={"name": w("First")})
    assert visma.call("PUT", "/v1/supplier/70001", json={"name": w("Second")}).status_code == 204
    assert body(visma.get("/v1/supplier/70001"))["name"] == "Second"


def test_admin_change_between_get_and_put_gives_412(visma: Visma) -> None:
    invoice = next(i for i in visma.state("supplierInvoice") if i["status"] == "Hold")
    path = f"/v1/supplierInvoice/{invoice['documentType']}/{invoice['referenceNumber']}"
    etag = visma.get(path).headers["ETag"]
    visma.admin("PATCH", f"records/supplierInvoice/{invoice['referenceNumber']}", {"description": "edited"})
    r = visma.call("PUT", path, json={"hold": w(False)}, headers={"If-Match": etag})
    assert r.status_code == 412
    assert body(visma.get(path))["status"] == "Hold"


def test_action_if_match_strict_by_default_relaxable(visma: Visma) -> None:
    invoice = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    path = f"/v1/supplierInvoice/{invoice['documentType']}/{invoice['referenceNumber']}"
    stale = visma.get(path).headers["ETag"]
    visma.call("PUT", path, json={"description": w("touched")})
    assert visma.call("POST", f"{path}/action/release", headers={"If-Match": stale}).status_code == 412
    assert visma.config(if_match_on_actions=False)["if_match_on_actions"] is False
    r = visma.call("POST", f"{path}/action/release", headers={"If-Match": stale})
    assert r.status_code == 200
    assert r.json()["actionResult"] == "Done"
    assert r.headers["ETag"] == visma.get(path).headers["ETag"]
    assert _version(r.headers["ETag"]) == _version(stale) + 2


def test_concurrent_edit_rate_makes_conditional_writes_race_a_real_edit(visma: Visma) -> None:
    assert visma.admin("POST", "config", {"concurrent_edit_rate": 1}).status_code == 200
    etag = visma.get("/v1/supplier/70001").headers["ETag"]
    r = visma.call("PUT", "/v1/supplier/70001", json={"name": w("Mine")}, headers={"If-Match": etag})
    assert r.status_code == 412
    moved = visma.get("/v1/supplier/70001").headers["ETag"]
    assert _version(moved) == _version(etag) + 1  # someone else really saved it
    assert body(visma.get("/v1/supplier/70001"))["name"] != "Mine"
    assert visma.call("PUT", "/v1/supplier/70001", json={"name": w("Anyone")}).status_code == 204
    assert visma.admin("POST", "config", {"concurrent_edit_rate": 0}).status_code == 200
    etag = visma.get("/v1/supplier/70001").headers["ETag"]
    r = visma.call("PUT", "/v1/supplier/70001", json={"name": w("Mine")}, headers={"If-Match": etag})
    assert r.status_code == 204
