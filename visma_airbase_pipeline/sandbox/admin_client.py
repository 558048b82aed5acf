"""A small client of the sandboxes' ``/_sandbox/`` admin API (never part of the real APIs): what a
soak, a benchmark or a demo uses to act as the users of Visma and Airbase, plant faults and read
what each system holds. Numbers come back as ``Decimal``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import requests
import simplejson


class AdminError(RuntimeError):
    """An admin call the sandbox refused (a bug in the caller, not a fault of the API)."""


class SandboxAdmin:
    """The admin API of one sandbox at ``base_url``."""

    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()

    def close(self) -> None:
        """Release the connection pool."""
        self._session.close()

    def __enter__(self) -> SandboxAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else simplejson.dumps(body, use_decimal=True)
        response = self._session.request(
            method,
            f"{self.base_url}/_sandbox/{path}",
            data=data,
            headers={"Content-Type": "application/json"} if data is not None else None,
            timeout=self.timeout_s,
        )
        if response.status_code >= 400:
            raise AdminError(f"{method} /_sandbox/{path}: {response.status_code} {response.text[:300]}")
        return simplejson.loads(response.content, use_decimal=True) if response.content.strip() else None

    def state(self, collection: str) -> list[dict[str, Any]]:
        """Every record of a collection, unpaginated."""
        return list(self._call("GET", f"state/{collection}"))

    def post(self, path: str, body: Any = None) -> Any:
        """``POST /_sandbox/{path}``: an approver's or payer's action, config, faults, webhooks."""
        return self._call("POST", path, body if body is not None else {})

    def get(self, path: str) -> Any:
        """``GET /_sandbox/{path}``: stats, faults, webhooks, config."""
        return self._call("GET", path)

    def delete(self, path: str) -> Any:
        """``DELETE /_sandbox/{path}``: forget faults or stats."""
        return self._call("DELETE", path)

    def patch(self, collection: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a record as a user would (bumps its timestamp and ETag, sends the webhook)."""
        return dict(self._call("PATCH", f"records/{collection}/{record_id}", changes))


def new_invoice_like(template: dict[str, Any], today: date, **changes: Any) -> dict[str, Any]:
    """A read-shape invoice copied from an existing one, dated today, numbered by Visma's series
    when posted (what an AP clerk booking a similar invoice produces)."""
    skip = ("referenceNumber", "createdDateTime", "lastModifiedDateTime", "timeStamp", "metadata")
    invoice = {k: v for k, v in template.items() if k not in skip}
    invoice.update(
        status="Balanced",
        hold=False,
        released=False,
        date=f"{today.isoformat()}T00:00:00",
        dueDate=f"{(today + timedelta(days=30)).isoformat()}T00:00:00",
        financialPeriod=f"{today.year}{today.month:02d}",
        balance=template["amount"],
    )
    invoice.update(changes)
    return invoice
