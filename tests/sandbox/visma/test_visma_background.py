"""The background API of api/visma.md section 9.3: ``erp-api-background: none`` answers 202 with a
state location; the state reads Started, then Finished or Failed; ``/content`` has the answer."""

from __future__ import annotations

import time

from visma_helpers import Visma, body, w

BACKGROUND = {"erp-api-background": "none"}


def test_background_put_finishes(visma: Visma) -> None:
    r = visma.call("PUT", "/v1/supplier/70001", json={"name": w("Later AB")}, headers=BACKGROUND)
    assert r.status_code == 202
    job = r.json()
    assert set(job) == {"id", "stateLocation"}
    assert job["stateLocation"] == f"{visma.url}/v1/background/{job['id']}"
    state = visma.get(job["stateLocation"].replace(visma.url, "")).json()
    assert state["status"] == "Finished" and state["statusCode"] == 204
    content = visma.get(state["contentLocation"].replace(visma.url, ""))
    assert content.status_code == 204 and content.headers["ETag"]
    assert body(visma.get("/v1/supplier/70001"))["name"] == "Later AB"


def test_background_delay_and_failure(visma: Visma) -> None:
    visma.config(background_delay_s=0.4)
    r = visma.call("POST", "/v1/supplier", json={"name": w(5)}, headers=BACKGROUND)
    path = r.json()["stateLocation"].replace(visma.url, "")
    assert visma.get(path).json()["status"] == "Started"
    assert visma.get(f"{path}/content").status_code == 404
    time.sleep(0.5)
    state = visma.get(path, params={"again": 1}).json()
    assert state["status"] == "Failed" and state["statusCode"] == 400
    assert "'name'" in state["errorMessage"]
    content = visma.get(f"{path}/content")
    assert content.status_code == 400 and content.json()["ExceptionType"] == "IPPException"
    assert visma.get("/v1/background/unknown").status_code == 404


def test_background_actions_check_if_match_even_when_relaxed(visma: Visma) -> None:
    visma.config(if_match_on_actions=False)
    invoice = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    path = f"/v1/supplierInvoice/Invoice/{invoice['referenceNumber']}"
    stale = visma.get(path).headers["ETag"]
    visma.call("PUT", path, json={"description": w("moved on")})
    r = visma.call("POST", f"{path}/action/release", headers={**BACKGROUND, "If-Match": stale})
    state = visma.get(r.json()["stateLocation"].replace(visma.url, "")).json()
    assert state["statusCode"] == 412
    assert body(visma.get(path))["status"] == "Balanced"
