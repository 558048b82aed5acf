"""Fault injection against Visma routes: every rule field (method, path, status, body kinds,
retry_after, delay_s, rate, nth, times, after_commit) does what ``POST /_sandbox/faults`` says."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from visma_helpers import Visma, w


def _faults(visma: Visma, *rules: dict[str, Any], seed: int | None = None) -> None:
    payload: dict[str, Any] = {"rules": list(rules)}
    if seed is not None:
        payload["seed"] = seed
    r = visma.admin("POST", "faults", payload)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_default_body_is_ipp_exception(visma: Visma, status: int) -> None:
    _faults(visma, {"path": "^/v1/account$", "status": status})
    r = visma.get("/v1/account")
    assert r.status_code == status
    assert r.json()["ExceptionType"] == "IPPException"
    assert "Retry-After" not in r.headers


@pytest.mark.parametrize(
    ("kind", "content_type"), [("gateway", "application/json"), ("html", "text/html"), ("text", "text/plain")]
)
def test_body_kinds(visma: Visma, kind: str, content_type: str) -> None:
    _faults(visma, {"path": "^/v1/account$", "status": 503, "body": kind, "retry_after": 2})
    r = visma.get("/v1/account")
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith(content_type)
    assert r.headers["Retry-After"] == "2"
    if kind == "gateway":
        assert r.json()["statusCode"] == 503 and r.json()["message"]
    else:
        assert "503" in r.text and not r.text.startswith("{")


def test_429_with_retry_after(visma: Visma) -> None:
    _faults(visma, {"path": "/v1/supplier", "status": 429, "retry_after": 7})
    r = visma.get("/v1/supplier")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "7"
    assert r.json()["statusCode"] == 429


def test_method_and_path_select_calls(visma: Visma) -> None:
    _faults(visma, {"method": "POST", "path": "^/v1/supplier$", "status": 500})
    assert visma.get("/v1/supplier").status_code == 200
    assert visma.get("/v1/account").status_code == 200
    assert visma.call("POST", "/v1/supplier", json={"name": w("X")}).status_code == 500


def test_nth_fires_once_on_that_call(visma: Visma) -> None:
    _faults(visma, {"path": "^/v1/account$", "status": 503, "nth": 3})
    assert [visma.get("/v1/account", params={"n": n}).status_code for n in range(5)] == [
        200,
        200,
        503,
        200,
        200,
    ]


def test_times_bounds_the_rule(visma: Visma) -> None:
    _faults(visma, {"path": "^/v1/account$", "status": 502, "times": 2})
    assert [visma.get("/v1/account", params={"n": n}).status_code for n in range(4)] == [502, 502, 200, 200]
    rules = visma.admin("GET", "faults").json()["rules"]
    assert rules[0]["seen"] == 4 and rules[0]["fired"] == 2


def test_rate_is_seeded_and_repeatable(visma: Visma) -> None:
    runs = []
    for _ in range(2):
        visma.admin("DELETE", "faults")
        _faults(visma, {"path": "^/v1/account$", "status": 500, "rate": 0.5}, seed=7)
        runs.append([visma.get("/v1/account", params={"n": n}).status_code for n in range(20)])
    assert runs[0] == runs[1]
    assert 3 <= runs[0].count(500) <= 17


def test_delay_past_the_client_timeout(visma: Visma) -> None:
    _faults(visma, {"path": "^/v1/account$", "delay_s": 1.0, "times": 1})
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        visma.get("/v1/account", timeout=0.3)
    assert time.monotonic() - started < 0.9
    assert visma.get("/v1/account", params={"again": 1}, timeout=5).status_code == 200


def test_after_commit_500_keeps_the_write(visma: Visma) -> None:
    before = {s["number"] for s in visma.state("supplier")}
    _faults(visma, {"method": "POST", "path": "^/v1/supplier$", "status": 500, "after_commit": True})
    r = visma.call("POST", "/v1/supplier", json={"name": w("Committed AB")})
    assert r.status_code == 500 and "Location" not in r.headers
    created = [s for s in visma.state("supplier") if s["number"] not in before]
    assert [s["name"] for s in created] == ["Committed AB"]


def test_after_commit_hang_past_the_timeout_keeps_the_write(visma: Visma) -> None:
    invoice = visma.open_invoice()
    payload = {
        "supplier": w(invoice["supplier"]["number"]),
        "paymentRef": w("AIRBASE-42"),
        "paymentLines": [{"operation": "Insert", "refNbr": w(invoice["referenceNumber"])}],
    }
    _faults(visma, {"method": "POST", "path": "supplierPayment", "delay_s": 1.0, "after_commit": True})
    with pytest.raises(requests.exceptions.ReadTimeout):
        visma.call("POST", "/v1/supplierPayment", json=payload, timeout=0.3)
    # The contract's recovery: look the payment up by invoice and paymentRef before posting again.
    found = visma.pull("/v1/supplierPayment", invoiceRefNbr=invoice["referenceNumber"])
    assert [p["paymentRef"] for p in found] == ["AIRBASE-42"]


def test_clearing_faults(visma: Visma) -> None:
    _faults(visma, {"path": ".*", "status": 503})
    assert visma.get("/v1/account").status_code == 503
    assert visma.admin("DELETE", "faults").status_code == 204
    assert visma.get("/v1/account", params={"n": 1}).status_code == 200


def test_bad_rules_are_refused(visma: Visma) -> None:
    for rule in (
        {"status": 418},
        {"path": "("},
        {},
        {"status": 500, "nth": 0},
        {"status": 500, "colour": "red"},
    ):
        assert visma.admin("POST", "faults", {"rules": [rule]}).status_code == 400, rule
