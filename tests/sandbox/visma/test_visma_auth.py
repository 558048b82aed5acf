"""Visma Connect and the bearer rules of api/visma.md sections 2-3, over plain HTTP."""

from __future__ import annotations

import time

import pytest
import requests
from visma_helpers import ALL_SCOPES, CLIENT_ID, COMPANY, CUSTOMER_TENANT, Visma


def test_token_response_shape(visma: Visma) -> None:
    r = visma.token()
    assert r.status_code == 200
    payload = r.json()
    assert payload["token_type"] == "Bearer"
    assert payload["expires_in"] == 3600
    assert payload["scope"] == ALL_SCOPES  # no scope requested = all four
    assert len(payload["access_token"]) >= 32 and "." not in payload["access_token"]  # opaque, not a JWT
    assert visma.token().json()["access_token"] != payload["access_token"]


def test_basic_client_authentication_is_accepted(visma: Visma) -> None:
    form = {"grant_type": "client_credentials", "tenant_id": "vab-sandbox-tenant"}
    r = requests.post(
        f"{visma.url}/connect/token", data=form, auth=(CLIENT_ID, "vab-sandbox-secret"), timeout=5
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),  # bad secret
        ({"client_id": "someone-else"}, "invalid_client"),  # unknown client
        ({"tenant_id": "not-approved"}, "invalid_tenant"),  # tenant never approved the app
        ({"grant_type": "password"}, "invalid_grant"),  # a grant Connect knows, unusable here
        ({"grant_type": "magic"}, "unsupported_grant_type"),  # a grant nobody knows
        ({"scope": "vismanet_erp_service_api:admin"}, "invalid_scope"),
        ({"scope": "openid"}, "invalid_scope"),
    ],
)
def test_token_errors(visma: Visma, overrides: dict[str, str], error: str) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": "vab-sandbox-secret",
        "tenant_id": "vab-sandbox-tenant",
        **overrides,
    }
    r = requests.post(f"{visma.url}/connect/token", data=form, timeout=5)
    assert r.status_code == 400
    assert r.json() == {"error": error}


def test_token_endpoint_is_not_rate_limited(visma: Visma) -> None:
    visma.config(rate_limit=2, same_request_limit=0)
    for _ in range(5):
        r = visma.token()
        assert r.status_code == 200
        assert "X-RateLimit-Limit" not in r.headers


def test_customer_tenant_gets_a_token_but_every_call_is_401(visma: Visma) -> None:
    r = visma.token(tenant=CUSTOMER_TENANT)
    assert r.status_code == 200
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    for path in ("/v1/supplier", "/v1/account", "/v1/supplierInvoice/Invoice/000001"):
        answer = requests.get(f"{visma.url}{path}", headers=headers, timeout=5)
        assert answer.status_code == 401
        assert "message" in answer.json()


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_missing_or_unknown_token_is_401(visma: Visma, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    r = requests.get(f"{visma.url}/v1/supplier", headers=headers, timeout=5)
    assert r.status_code == 401
    assert set(r.json()) == {"message"}  # the gateway's shape


def test_expired_token_is_401(visma: Visma) -> None:
    visma.config(token_ttl=1)
    r = visma.token()
    assert r.json()["expires_in"] == 1
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert requests.get(f"{visma.url}/v1/account", headers=headers, timeout=5).status_code == 200
    time.sleep(1.2)
    expired = requests.get(f"{visma.url}/v1/account", headers=headers, timeout=5)
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]


def test_constructor_token_ttl() -> None:
    from visma_airbase_pipeline.sandbox.visma.app import VismaSandbox

    sandbox = VismaSandbox(invoices=0, token_ttl=5)
    try:
        assert sandbox.tokens.ttl == 5
    finally:
        sandbox.webhooks.stop()


def test_company_header_is_optional(visma: Visma) -> None:
    del visma.session.headers["ipp-company-id"]
    assert visma.get("/v1/account").status_code == 200


def test_company_header_mismatch_is_403_ipp_exception(visma: Visma) -> None:
    r = visma.get("/v1/supplier", headers={"ipp-company-id": "9999999"})
    assert r.status_code == 403
    error = r.json()
    assert error["ExceptionType"] == "IPPException"
    assert error["ExceptionFaultCode"] == "12002"
    assert error["ExceptionMessageID"].startswith("12002_")
    assert set(error) == {
        "ExceptionType",
        "ExceptionMessage",
        "ExceptionFaultCode",
        "ExceptionMessageID",
        "ExceptionDetails",
    }
    assert visma.get("/v1/supplier", headers={"ipp-company-id": COMPANY}).status_code == 200


@pytest.mark.parametrize(
    ("scope", "method", "path", "allowed"),
    [
        ("read", "GET", "/v1/supplier", True),
        ("read", "POST", "/v1/supplier", False),
        ("read", "PUT", "/v1/supplier/70001", False),
        ("create", "GET", "/v1/supplier", False),
        ("create", "POST", "/v1/supplier", True),
        ("update", "PUT", "/v1/supplier/70001", True),
        ("update", "POST", "/v1/supplierInvoice/Invoice/000001/action/release", True),
        ("create", "POST", "/v1/supplierInvoice/Invoice/000001/action/release", False),
    ],
)
def test_scopes(visma: Visma, scope: str, method: str, path: str, allowed: bool) -> None:
    visma.login(f"vismanet_erp_service_api:{scope}")
    payload = {"name": {"value": "Scoped AB"}} if method != "GET" else None
    r = visma.call(method, path, json=payload)
    if allowed:
        assert r.status_code < 400, r.text
    else:
        assert r.status_code == 403
        assert r.json()["ExceptionType"] == "IPPException"
        assert scope not in r.json()["ExceptionMessage"].rsplit(":", 1)[-1]


def test_revoked_tokens_are_401_until_a_new_one_is_fetched(visma: Visma) -> None:
    assert visma.get("/v1/supplier/70001").status_code == 200
    answer = visma.admin("POST", "tokens/expire", {})
    assert answer.status_code == 200 and answer.json()["expired"] >= 1
    assert visma.get("/v1/supplier/70001").status_code == 401
    visma.login()
    assert visma.get("/v1/supplier/70001").status_code == 200
