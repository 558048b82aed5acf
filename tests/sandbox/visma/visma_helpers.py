"""Plain-HTTP helpers for the Visma sandbox tests: a token-carrying client and a webhook receiver."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests
import simplejson

from visma_airbase_pipeline.sandbox.visma.app import VismaSandbox

CLIENT_ID = "vab-sandbox-client"
CLIENT_SECRET = "vab-sandbox-secret"
TENANT = "vab-sandbox-tenant"
CUSTOMER_TENANT = "vab-sandbox-customer-tenant"
COMPANY = "1000001"
WEBHOOK_SECRET = "vab-sandbox-visma-webhook-secret"
ALL_SCOPES = " ".join(f"vismanet_erp_service_api:{s}" for s in ("read", "create", "update", "delete"))


def body(response: requests.Response) -> Any:
    """The JSON of a response with numbers as Decimal (money never passes through float)."""
    return simplejson.loads(response.content, use_decimal=True)


def w(value: Any) -> dict[str, Any]:
    """Wrap a scalar the way Visma write DTOs want it."""
    return {"value": value}


@dataclass
class Visma:
    """A sandbox URL plus a client holding a fresh bearer token."""

    url: str
    sandbox: VismaSandbox
    session: requests.Session = field(default_factory=requests.Session)

    def token(self, scope: str | None = None, tenant: str = TENANT, **extra: str) -> requests.Response:
        """Ask Visma Connect for a token (form-encoded client credentials)."""
        form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        form["tenant_id"] = tenant
        if scope is not None:
            form["scope"] = scope
        form.update(extra)
        return requests.post(f"{self.url}/connect/token", data=form, timeout=10)

    def login(self, scope: str | None = None) -> str:
        """Fetch a token and use it (with the company header) for every following call."""
        response = self.token(scope)
        assert response.status_code == 200, response.text
        token = str(response.json()["access_token"])
        self.session.headers.update({"Authorization": f"Bearer {token}", "ipp-company-id": COMPANY})
        return token

    def call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """One ERP call; ``path`` starts with ``/v1``, ``/v2`` or the legacy prefix."""
        if json is not None:
            kwargs["data"] = simplejson.dumps(json, use_decimal=True)
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, f"{self.url}{path}", **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET an ERP path."""
        return self.call("GET", path, **kwargs)

    def admin(self, method: str, path: str, json: Any = None) -> requests.Response:
        """A ``/_sandbox/`` admin call (no auth)."""
        return requests.request(method, f"{self.url}/_sandbox/{path}", json=json, timeout=60)

    def state(self, collection: str) -> list[dict[str, Any]]:
        """Every record of a collection through the admin API."""
        response = self.admin("GET", f"state/{collection}")
        assert response.status_code == 200, response.text
        return list(body(response))

    def config(self, **options: Any) -> dict[str, Any]:
        """``POST /_sandbox/config``."""
        response = self.admin("POST", "config", options)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def pull(self, path: str, page_size: int = 500, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list, stopping by ``totalCount`` as the contract says."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            response = self.get(path, params={**params, "pageNumber": page, "pageSize": page_size})
            assert response.status_code == 200, response.text
            chunk = body(response)
            items.extend(chunk)
            if not chunk:
                return items
            meta = chunk[0]["metadata"]
            if page * min(page_size, meta["maxPageSize"]) >= meta["totalCount"]:
                return items
            page += 1

    def open_invoice(self, supplier: str | None = None) -> dict[str, Any]:
        """An Open (released) invoice with a positive balance, type Invoice."""
        for inv in self.state("supplierInvoice"):
            if (
                inv["documentType"] == "Invoice"
                and inv["status"] == "Open"
                and inv["balance"] > 0
                and (supplier is None or inv["supplier"]["number"] == supplier)
            ):
                return inv
        raise AssertionError("no open invoice in the seed")


@dataclass
class Receiver:
    """What the local webhook receiver saw."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_first: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        """Block until ``count`` deliveries arrived (or fail the test)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"only {len(self.received)} of {count} webhooks arrived: {self.received}"
                self.arrived.wait(left)
            return list(self.received)

    def settle(self, quiet_s: float = 0.3) -> list[tuple[dict[str, str], bytes]]:
        """Wait until nothing new arrives for ``quiet_s`` and return everything."""
        seen = -1
        while seen != len(self.received):
            seen = len(self.received)
            time.sleep(quiet_s)
        return list(self.received)


ZERO = Decimal("0.00")
