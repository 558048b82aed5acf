"""Pagination (contract section 7) and Idempotency-Key replays (section 8)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from airbase_helpers import Airbase

pytestmark = pytest.mark.integration


@pytest.fixture
def accounts(airbase: Airbase) -> Airbase:
    """300 accounts: more than one capped page."""
    for start in range(0, 300, 100):
        airbase.upsert(
            "accounts",
            *({"erp_reference_id": str(n), "name": f"Konto {n}"} for n in range(start, start + 100)),
        )
    return airbase


def test_default_page_and_envelope(accounts: Airbase) -> None:
    body = accounts.get("/accounts/").json()
    assert set(body) == {"data", "pagination"}
    assert len(body["data"]) == 100
    pagination = body["pagination"]
    assert (pagination["page"], pagination["page_size"], pagination["previous"]) == (1, 100, None)
    next_url = urlsplit(pagination["next"])
    assert next_url.scheme == "http" and next_url.netloc == urlsplit(accounts.url).netloc
    assert next_url.path == "/v1/accounting/accounts/" and parse_qs(next_url.query)["page"] == ["2"]


def test_page_size_is_silently_capped(accounts: Airbase) -> None:
    body = accounts.get("/accounts/", params={"page_size": 1000}).json()
    assert len(body["data"]) == 250 and body["pagination"]["page_size"] == 250
    accounts.admin("POST", "config", {"max_page_size": 40})
    assert len(accounts.get("/accounts/", params={"page_size": 250}).json()["data"]) == 40


@pytest.mark.parametrize("size", ["0", "-3", "ten", ""])
def test_bad_page_size_means_the_default(accounts: Airbase, size: str) -> None:
    assert len(accounts.get("/accounts/", params={"page_size": size}).json()["data"]) == 100


def test_following_next_reads_everything_once(accounts: Airbase) -> None:
    seen: list[str] = []
    url: str | None = f"{accounts.url}/v1/accounting/accounts/?page_size=120&unknown=kept"
    pages = 0
    while url:
        body = accounts.session.get(url, headers={"Authorization": "Token vab-sandbox-airbase-token"}).json()
        seen += [a["erp_reference_id"] for a in body["data"]]
        url = body["pagination"]["next"]
        pages += 1
        if url:
            assert "page_size=120" in url and "unknown=kept" in url
    assert pages == 3 and len(seen) == len(set(seen)) == 300
    # The order is stable across a paging sequence.
    again = [
        a["erp_reference_id"] for a in accounts.get("/accounts/", params={"page_size": 250}).json()["data"]
    ]
    assert again == seen[:250]


def test_past_the_last_page_is_an_empty_200(accounts: Airbase) -> None:
    last = accounts.get("/accounts/", params={"page": 3}).json()
    assert len(last["data"]) == 100 and last["pagination"]["next"] is None
    assert parse_qs(urlsplit(last["pagination"]["previous"]).query)["page"] == ["2"]
    beyond = accounts.get("/accounts/", params={"page": 9})
    assert beyond.status_code == 200 and beyond.json()["data"] == []


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", "2.0"])
def test_invalid_page_is_404(accounts: Airbase, page: str) -> None:
    response = accounts.get("/accounts/", params={"page": page})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_shuffle_fault_reorders_every_page(accounts: Airbase) -> None:
    stable = [a["airbase_id"] for a in accounts.get("/accounts/", params={"page_size": 250}).json()["data"]]
    rules = {"rules": [{"method": "GET", "path": "/accounts/$", "shuffle": True}], "seed": 7}
    assert accounts.admin("POST", "faults", rules).status_code == 200
    first = [a["airbase_id"] for a in accounts.get("/accounts/", params={"page_size": 250}).json()["data"]]
    second = [a["airbase_id"] for a in accounts.get("/accounts/", params={"page_size": 250}).json()["data"]]
    assert first != stable and second != first
    # Paging through a shuffled listing loses and repeats items: the client must not trust order.
    pages = [accounts.get("/accounts/", params={"page": p, "page_size": 150}).json()["data"] for p in (1, 2)]
    assert len({a["airbase_id"] for page in pages for a in page}) < 300
    accounts.admin("DELETE", "faults")
    assert [
        a["airbase_id"] for a in accounts.get("/accounts/", params={"page_size": 250}).json()["data"]
    ] == stable


# ----- Idempotency-Key ----------------------------------------------------------------------------------
def test_same_key_same_body_replays(airbase: Airbase) -> None:
    body = {"erp_reference_id": "50400", "name": "Engång AB"}
    headers = {"Idempotency-Key": "k-1"}
    first = airbase.post("/vendors/", body, headers=headers)
    second = airbase.post("/vendors/", {"name": "Engång AB", "erp_reference_id": "50400"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(airbase.get("/vendors/", params={"erp_reference_id": "50400"}).json()["data"]) == 1


def test_same_key_other_body_is_409(airbase: Airbase) -> None:
    headers = {"Idempotency-Key": "k-2"}
    airbase.post("/vendors/", {"erp_reference_id": "50401", "name": "A"}, headers=headers)
    other = airbase.post("/vendors/", {"erp_reference_id": "50401", "name": "B"}, headers=headers)
    assert other.status_code == 409 and "detail" in other.json()
    # The same key on another endpoint is another request too.
    elsewhere = airbase.patch("/entity/sync/", {"erp_reference_id": "50401", "name": "A"}, headers=headers)
    assert elsewhere.status_code == 409


def test_idempotency_covers_patch_and_errors(airbase: Airbase) -> None:
    entry_id = airbase.get("/ledger_entries/").json()["data"][0]["airbase_id"]
    headers = {"Idempotency-Key": "k-3"}
    body = {"status": "sync_complete", "erp_reference_id": "GL-9"}
    assert airbase.patch(f"/ledger_entries/{entry_id}/", body, headers=headers).status_code == 200
    replay = airbase.patch(f"/ledger_entries/{entry_id}/", body, headers=headers)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    bad = {"action": "NOPE"}
    first = airbase.post("/entity/sync/", bad, headers={"Idempotency-Key": "k-4"})
    again = airbase.post("/entity/sync/", bad, headers={"Idempotency-Key": "k-4"})
    assert first.status_code == again.status_code == 400 and first.json() == again.json()


def test_keys_are_per_api_key_and_forgotten_on_reset(airbase: Airbase) -> None:
    headers = {"Idempotency-Key": "k-5"}
    airbase.post("/vendors/", {"erp_reference_id": "50402", "name": "A"}, headers=headers)
    other_key = airbase.post(
        "/vendors/",
        {"erp_reference_id": "50402", "name": "B"},
        headers=headers,
        auth="Token vab-sandbox-airbase-token-2",
    )
    assert other_key.status_code == 201
    airbase.admin("POST", "reset", {})
    assert (
        airbase.post("/vendors/", {"erp_reference_id": "50402", "name": "B"}, headers=headers).status_code
        == 201
    )


def test_without_a_key_posts_are_not_idempotent(airbase: Airbase) -> None:
    body = {"erp_reference_id": "50403", "name": "A"}
    assert (
        airbase.post("/vendors/", body).json()["airbase_id"]
        != airbase.post("/vendors/", body).json()["airbase_id"]
    )
