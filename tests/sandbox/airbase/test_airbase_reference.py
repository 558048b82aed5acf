"""Reference data (contract section 4): the sync bracket, bulk upserts and their validation, the
listings with the empty-ERP-id filter, and the single-record writes."""

from __future__ import annotations

import pytest
from airbase_helpers import ACCOUNTS, SUBSIDIARY, Airbase

pytestmark = pytest.mark.integration


# ----- sync bracket ----------------------------------------------------------------------------------
def test_sync_bracket_onboarding_then_409(airbase: Airbase) -> None:
    start = airbase.post("/entity/sync/", {"action": "START"})
    assert start.status_code == 200 and start.json() == {"status": "started"}
    # Starting again while the session is open is harmless.
    assert airbase.post("/entity/sync/", {"action": "START"}).status_code == 200
    complete = airbase.patch("/entity/sync/", {"action": "COMPLETE"})
    assert complete.status_code == 200 and complete.json() == {"status": "completed"}
    # The first COMPLETE ends onboarding: later STARTs are 409 (the client carries on).
    assert airbase.post("/entity/sync/", {"action": "START"}).status_code == 409
    assert airbase.patch("/entity/sync/", {"action": "COMPLETE"}).json() == {
        "detail": "No active sync session found."
    }
    airbase.admin("POST", "reset", {})
    assert airbase.post("/entity/sync/", {"action": "START"}).status_code == 200


def test_complete_without_a_session_is_404(airbase: Airbase) -> None:
    response = airbase.patch("/entity/sync/", {"action": "COMPLETE"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No active sync session found."}


@pytest.mark.parametrize(
    ("method", "body", "errors"),
    [
        ("POST", {"action": "BEGIN"}, {"action": ['"BEGIN" is not a valid choice.']}),
        ("POST", {"action": "COMPLETE"}, {"action": ['"COMPLETE" is not a valid choice.']}),
        ("PATCH", {"action": "START"}, {"action": ['"START" is not a valid choice.']}),
        ("POST", {}, {"action": ["This field is required."]}),
    ],
)
def test_bad_sync_action_is_400(airbase: Airbase, method: str, body: dict, errors: dict) -> None:
    response = airbase.api(method, "/entity/sync/", json=body)
    assert response.status_code == 400
    assert response.json() == errors


# ----- bulk upserts ---------------------------------------------------------------------------------
def test_bulk_upsert_creates_then_updates_by_erp_id(airbase: Airbase) -> None:
    item = {
        **ACCOUNTS[1],
        "category": "",
        "erp_currency_reference_id": "SEK",
        "subsidiary_reference_ids": SUBSIDIARY,
    }
    first = airbase.upsert("accounts", item)
    assert first["updated"] == [] and first["validation_errors"] == []
    created = first["created"][0]
    assert created["erp_reference_id"] == "6540"
    again = airbase.upsert("accounts", {**item, "name": "IT services"})
    assert again["created"] == [] and again["updated"] == [created]
    [account] = [a for a in airbase.state("accounts") if a["erp_reference_id"] == "6540"]
    assert account["name"] == "IT services"
    assert account["id"] == account["airbase_id"] == created["airbase_id"]
    # The subsidiary reference resolves to both keys, as the connector sends them.
    assert account["subsidiary_reference_ids"][0]["erp_reference_id"] == "1"
    assert account["subsidiary_reference_ids"][0]["airbase_id"]


def test_replaying_a_batch_is_harmless(airbase: Airbase) -> None:
    items = [{**a, "subsidiary_reference_ids": SUBSIDIARY} for a in ACCOUNTS]
    first = airbase.upsert("accounts", *items)
    stamps = {a["airbase_id"]: a["updated_date"] for a in airbase.state("accounts")}
    second = airbase.upsert("accounts", *items)
    assert len(second["updated"]) == len(first["created"]) == len(ACCOUNTS)
    assert {a["airbase_id"]: a["updated_date"] for a in airbase.state("accounts")} == stamps


def test_airbase_born_vendor_is_linked_by_airbase_id(airbase: Airbase) -> None:
    unlinked = airbase.get("/vendors/", params={"erp_reference_id": ""}).json()["data"]
    # The seed has three vendors created in Airbase, with null and "" ERP ids.
    assert len(unlinked) == 3
    assert {v["erp_reference_id"] for v in unlinked} == {None, ""}
    target = unlinked[0]
    result = airbase.upsert(
        "vendors", {"airbase_id": target["airbase_id"], "erp_reference_id": "50200", "name": target["name"]}
    )
    assert result["updated"] == [{"airbase_id": target["airbase_id"], "erp_reference_id": "50200"}]
    assert len(airbase.get("/vendors/", params={"erp_reference_id": ""}).json()["data"]) == 2
    linked = airbase.get("/vendors/", params={"erp_reference_id": "50200"}).json()["data"]
    assert [v["airbase_id"] for v in linked] == [target["airbase_id"]]
    assert linked[0]["created_in_airbase"] is True


def test_unlinked_tags_are_listed_by_empty_erp_id(airbase: Airbase) -> None:
    tags = airbase.get("/tags/", params={"erp_reference_id": ""}).json()["data"]
    assert [(t["name"], t["type"], t["created_in_airbase"]) for t in tags] == [
        ("Marknad", "cost_center", True)
    ]


def test_more_than_100_entities_is_400(airbase: Airbase) -> None:
    items = [{"erp_reference_id": str(i), "name": f"A{i}"} for i in range(101)]
    response = airbase.post("/accounts/bulk_upsert/", {"entities": items})
    assert response.status_code == 400
    assert response.json() == {"entities": ["Ensure this field has no more than 100 elements."]}
    assert airbase.state("accounts") == []
    assert airbase.post("/accounts/bulk_upsert/", {"entities": items[:100]}).status_code == 200


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"entities": ["This field is required."]}),
        ({"entities": {"name": "x"}}, {"entities": ['Expected a list of items but got type "dict".']}),
        ({"entities": "x"}, {"entities": ['Expected a list of items but got type "str".']}),
    ],
)
def test_bulk_body_errors(airbase: Airbase, body: dict, errors: dict) -> None:
    response = airbase.post("/tags/bulk_upsert/", body)
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    ("resource", "item", "errors"),
    [
        # Required fields and DRF's wording.
        ("accounts", {"name": "No id"}, {"erp_reference_id": ["This field is required."]}),
        ("accounts", {"erp_reference_id": "7000", "name": ""}, {"name": ["This field may not be blank."]}),
        ("accounts", {"erp_reference_id": "7000", "name": None}, {"name": ["This field may not be null."]}),
        ("accounts", {"erp_reference_id": "7000", "name": ["x"]}, {"name": ["Not a valid string."]}),
        (
            "accounts",
            {"erp_reference_id": "7000", "name": "a\x00b"},
            {"name": ["Null characters are not allowed."]},
        ),
        (
            "accounts",
            {"erp_reference_id": "7000", "name": "x" * 1025},
            {"name": ["Ensure this field has no more than 1024 characters."]},
        ),
        (
            "accounts",
            {"erp_reference_id": "7000", "name": "X", "is_active": "maybe"},
            {"is_active": ["Must be a valid boolean."]},
        ),
        # References: subsidiary by airbase_id else erp id, currency pushed by the ERP.
        (
            "accounts",
            {
                "erp_reference_id": "7000",
                "name": "X",
                "subsidiary_reference_ids": [{"erp_reference_id": "S9"}],
            },
            {"subsidiary_reference_ids": ["Unknown subsidiary 'S9'."]},
        ),
        (
            "accounts",
            {"erp_reference_id": "7000", "name": "X", "subsidiary_reference_ids": [{"airbase_id": "nope"}]},
            {"subsidiary_reference_ids": ["Unknown subsidiary 'nope'."]},
        ),
        (
            "accounts",
            {"erp_reference_id": "7000", "name": "X", "subsidiary_reference_ids": "1"},
            {"subsidiary_reference_ids": ['Expected a list of items but got type "str".']},
        ),
        (
            "accounts",
            {"erp_reference_id": "7000", "name": "X", "erp_currency_reference_id": "NOK"},
            {"erp_currency_reference_id": ["Unknown currency 'NOK'."]},
        ),
        # The auto-created EUR row has a blank ERP id: it never matches an ERP reference.
        ("accounts", {"erp_reference_id": "7000", "name": "X", "erp_currency_reference_id": ""}, {}),
        (
            "tags",
            {"erp_reference_id": "CC-1", "name": "X", "type": "region"},
            {"type": ['"region" is not a valid choice.']},
        ),
        ("tags", {"erp_reference_id": "CC-1", "name": "X"}, {"type": ["This field is required."]}),
        (
            "vendors",
            {"erp_reference_id": "1", "name": "X", "email": "not-an-email"},
            {"email": ["Enter a valid email address."]},
        ),
        (
            "vendors",
            {"airbase_id": "00000000-0000-4000-8000-000000000000", "name": "X"},
            {"airbase_id": ["Unknown airbase_id '00000000-0000-4000-8000-000000000000'."]},
        ),
        (
            "vendors",
            "just a string",
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
        ),
    ],
)
def test_item_validation_errors(airbase: Airbase, resource: str, item: object, errors: dict) -> None:
    response = airbase.post(f"/{resource}/bulk_upsert/", {"entities": [item]})
    assert response.status_code == 200
    body = response.json()
    if errors:
        assert body == {"created": [], "updated": [], "validation_errors": [{"index": 0, "errors": errors}]}
    else:
        assert len(body["created"]) == 1 and body["validation_errors"] == []


def test_numbers_are_accepted_as_strings_like_drf(airbase: Airbase) -> None:
    result = airbase.upsert("accounts", {"erp_reference_id": 7010, "account_number": 7010, "name": "Löner"})
    assert result["created"][0]["erp_reference_id"] == "7010"


def test_partial_mode_stores_the_valid_items(airbase: Airbase) -> None:
    items = [
        {"erp_reference_id": "A1", "name": "One"},
        {"name": "no id"},
        {"erp_reference_id": "A3", "name": "Three"},
    ]
    body = airbase.upsert("accounts", *items)
    assert [c["erp_reference_id"] for c in body["created"]] == ["A1", "A3"]
    assert [e["index"] for e in body["validation_errors"]] == [1]
    assert {a["erp_reference_id"] for a in airbase.state("accounts")} == {"A1", "A3"}


def test_strict_mode_stores_nothing_when_one_item_is_bad(airbase: Airbase) -> None:
    airbase.upsert("accounts", {"erp_reference_id": "A1", "name": "Original"})
    airbase.admin("POST", "config", {"bulk_mode": "strict"})
    items = [
        {"erp_reference_id": "A1", "name": "Changed"},
        {"erp_reference_id": "A2", "name": "New"},
        {"erp_reference_id": "A3", "name": ""},
    ]
    response = airbase.post("/accounts/bulk_upsert/", {"entities": items})
    assert response.status_code == 400
    assert response.json() == {
        "created": [],
        "updated": [],
        "validation_errors": [{"index": 2, "errors": {"name": ["This field may not be blank."]}}],
    }
    assert [(a["erp_reference_id"], a["name"]) for a in airbase.state("accounts")] == [("A1", "Original")]
    good = airbase.post("/accounts/bulk_upsert/", {"entities": items[:2]})
    assert good.status_code == 200 and len(good.json()["created"]) == 1


def test_an_erp_id_links_one_record_only(airbase: Airbase) -> None:
    airbase.upsert("vendors", {"erp_reference_id": "50012", "name": "Hostco GmbH"})
    unlinked = airbase.get("/vendors/", params={"erp_reference_id": ""}).json()["data"][0]
    body = airbase.post(
        "/vendors/bulk_upsert/",
        {"entities": [{"airbase_id": unlinked["airbase_id"], "erp_reference_id": "50012", "name": "x"}]},
    ).json()
    assert body["validation_errors"][0]["errors"] == {
        "erp_reference_id": ["vendor with this erp reference id already exists."]
    }


# ----- listings and single-record writes ----------------------------------------------------------------
def test_seeded_reference_listings(airbase: Airbase) -> None:
    [subsidiary] = airbase.get("/subsidiaries/").json()["data"]
    assert (subsidiary["erp_reference_id"], subsidiary["name"], subsidiary["iso_code"]) == (
        "1",
        "Nordic Trade AB",
        "SE",
    )
    currencies = airbase.get("/currencies/").json()["data"]
    assert sorted((c["iso_code"], c["erp_reference_id"]) for c in currencies) == [
        ("EUR", ""),
        ("EUR", "EUR"),
        ("SEK", "SEK"),
        ("USD", "USD"),
    ]
    employees = airbase.get("/employees/").json()["data"]
    assert employees and all(
        {"airbase_id", "name", "email", "erp_reference_id"} <= e.keys() for e in employees
    )


def test_vendor_post_is_not_idempotent(airbase: Airbase) -> None:
    body = {"erp_reference_id": "50300", "name": "Dubblett AB", "subsidiary_reference_ids": SUBSIDIARY}
    first, second = airbase.post("/vendors/", body), airbase.post("/vendors/", body)
    assert first.status_code == second.status_code == 201
    assert first.json()["airbase_id"] != second.json()["airbase_id"]
    assert len(airbase.get("/vendors/", params={"erp_reference_id": "50300"}).json()["data"]) == 2


def test_vendor_patch_cannot_change_a_set_erp_id(airbase: Airbase) -> None:
    created = airbase.post("/vendors/", {"erp_reference_id": "50301", "name": "Fast AB"}).json()
    patched = airbase.patch(
        f"/vendors/{created['airbase_id']}/", {"erp_reference_id": "99999", "name": "Fast & Co AB"}
    )
    assert patched.status_code == 200
    assert patched.json()["erp_reference_id"] == "50301"
    assert patched.json()["name"] == "Fast & Co AB"
    assert patched.json()["updated_date"] >= created["updated_date"]
    # A vendor without an ERP id can be linked by PATCH.
    unlinked = airbase.get("/vendors/", params={"erp_reference_id": ""}).json()["data"][0]
    linked = airbase.patch(f"/vendors/{unlinked['airbase_id']}/", {"erp_reference_id": "50302"})
    assert linked.json()["erp_reference_id"] == "50302"
    assert airbase.patch("/vendors/00000000-0000-4000-8000-000000000000/", {"name": "x"}).status_code == 404


def test_subsidiary_and_currency_writes(airbase: Airbase) -> None:
    new = airbase.post(
        "/subsidiaries/",
        {
            "erp_reference_id": "2",
            "name": "Nordic Trade GmbH",
            "erp_currency_reference_id": "EUR",
            "iso_code": "DE",
        },
    )
    assert new.status_code == 201
    sub_id = new.json()["airbase_id"]
    renamed = airbase.patch(
        f"/subsidiaries/{sub_id}/", {"name": "Nordic Trade Deutschland GmbH", "erp_reference_id": "7"}
    )
    assert (
        renamed.json()["name"] == "Nordic Trade Deutschland GmbH"
        and renamed.json()["erp_reference_id"] == "2"
    )
    bad = airbase.post(
        "/subsidiaries/",
        {"erp_reference_id": "3", "name": "X", "erp_currency_reference_id": "SEK", "iso_code": "Sweden"},
    )
    assert bad.status_code == 400 and bad.json() == {
        "iso_code": ["Enter a two-letter ISO 3166 country code."]
    }
    assert airbase.post("/currencies/", {"erp_reference_id": "NOK", "iso_code": "NOK"}).status_code == 201
    duplicate = airbase.post("/currencies/", {"erp_reference_id": "NOK", "iso_code": "NOK"})
    assert duplicate.status_code == 400
    assert duplicate.json() == {"erp_reference_id": ["currency with this erp reference id already exists."]}
    assert airbase.post("/currencies/", {"erp_reference_id": "X", "iso_code": "kr"}).status_code == 400
    # The new currency is now usable by accounts.
    assert not airbase.upsert(
        "accounts", {"erp_reference_id": "1950", "name": "Bank NOK", "erp_currency_reference_id": "NOK"}
    )["validation_errors"]
