"""The Visma.net ERP client: one instance per batch cycle (fresh token, own session and call ledger).

Reads are lazy generators of typed models (constant memory, one page at a time); single GETs return
the record with its ETag, or ``None`` on 404; writes take write DTOs (``writes.py``) or ready dicts.
POST creates and actions are never retried blind: on a timeout or 5xx the caller looks the record
up (payments by ``paymentRef``, invoices by ``supplierReference``) before trying again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from visma_airbase_pipeline.transport import TransportConfig
from visma_airbase_pipeline.visma import endpoints as ep
from visma_airbase_pipeline.visma.base import Payload
from visma_airbase_pipeline.visma.documents import SupplierInvoice, SupplierPayment
from visma_airbase_pipeline.visma.etag import EtagUpdate, T, Versioned, update_with_etag
from visma_airbase_pipeline.visma.reads import VismaReader
from visma_airbase_pipeline.visma.results import ActionOutcome, Created
from visma_airbase_pipeline.visma.writes import SegmentValueWrite, segment_values_payload

if TYPE_CHECKING:
    from visma_airbase_pipeline.credentials import Credentials
    from visma_airbase_pipeline.settings import Settings

_UNRELEASED = frozenset({"Hold", "Balanced"})


class VismaClient(VismaReader):
    """Typed access to the Visma endpoints the connector uses (visma.md section 5)."""

    @classmethod
    def from_credentials(
        cls, credentials: Credentials, settings: Settings | None = None, **overrides: Any
    ) -> VismaClient:
        """A client for the resolved credentials; ``overrides`` replace settings (tests: sleep, clock)."""
        from visma_airbase_pipeline.settings import load_settings

        settings = settings or load_settings()
        visma = credentials.require_visma()
        options: dict[str, Any] = {
            "base_url": visma.base_url,
            "token_url": visma.token_url,
            "client_id": visma.client_id,
            "client_secret": visma.client_secret,
            "tenant_id": visma.tenant_id,
            "company_id": visma.company_id,
            "scope": settings.visma_scope,
            "use_legacy_path": settings.visma_use_legacy_path,
            "page_size": settings.visma_page_size,
            "config": TransportConfig.from_settings(settings),
            "refresh_margin_s": settings.visma_token_refresh_margin_s,
            "delta_overlap_s": settings.visma_delta_overlap_s,
        }
        options.update(overrides)
        return cls(**options)

    # -- writes --------------------------------------------------------------------------------------

    def create_supplier(self, payload: Payload) -> Created:
        """Create a supplier (for an Airbase-born vendor); not retried blind, look up by name/VAT id first."""
        return self._create(ep.SUPPLIERS.template, payload)

    def create_supplier_payment(self, payload: Payload) -> Created:
        """Create a payment; the caller's payment journal guarantees it is posted at most once."""
        return self._create(ep.SUPPLIER_PAYMENTS.template, payload)

    def put_supplier_invoice(
        self, document_type: str, number: str, payload: Payload, *, if_match: str | None
    ) -> str | None:
        """Update an AP document; with ``if_match`` it is guarded (412 if stale) and may be retried."""
        return self._put(
            ep.SUPPLIER_INVOICE,
            {"documentType": document_type, "number": number},
            payload,
            if_match=if_match,
            idempotent=if_match is not None,
        )

    def put_dimension_segment_values(
        self,
        dimension_id: str,
        segment_id: int | str,
        values: list[SegmentValueWrite],
        *,
        idempotent: bool = False,
    ) -> None:
        """Insert/update segment values (new cost centres); ``idempotent`` only for pure Update operations."""
        self._put(
            ep.DIMENSION_SEGMENT,
            {"dimensionId": dimension_id, "segmentId": segment_id},
            segment_values_payload(values),
            if_match=None,
            idempotent=idempotent,
        )

    # -- actions -------------------------------------------------------------------------------------

    def release_supplier_invoice(
        self, document_type: str, number: str, *, if_match: str | None = None
    ) -> ActionOutcome[SupplierInvoice]:
        """Release an AP document (Balanced -> Open); Failed raises ``ActionFailed``."""
        return self._action(
            ep.SUPPLIER_INVOICE_RELEASE,
            {"documentType": document_type, "number": number},
            body=None,
            if_match=if_match,
            reread=lambda: self.get_supplier_invoice(document_type, number),
            done=lambda invoice: invoice.status not in _UNRELEASED and invoice.status is not None,
        )

    def release_supplier_payment(
        self, number: str, *, payment_type: str = "Payment", if_match: str | None = None
    ) -> ActionOutcome[SupplierPayment]:
        """Release a payment (lowers the invoice balance); Failed raises ``ActionFailed``."""
        return self._action(
            ep.SUPPLIER_PAYMENT_RELEASE,
            {"number": number},
            body={"type": {"value": payment_type}},
            if_match=if_match,
            reread=lambda: self.get_supplier_payment(number),
            done=lambda payment: bool(payment.released) or payment.status not in {*_UNRELEASED, None},
        )

    # -- optimistic locking --------------------------------------------------------------------------

    def update_with_etag(
        self,
        get: Callable[[], Versioned[T] | None],
        mutate: Callable[[T], Any],
        put: Callable[[Any, str], str | None],
        *,
        attempts: int = 3,
    ) -> EtagUpdate:
        """Read with ETag, mutate, PUT with If-Match; on 412 re-read and re-apply (max 3 attempts)."""
        return update_with_etag(get, mutate, put, attempts=attempts)

    def update_supplier_invoice(
        self, document_type: str, number: str, mutate: Callable[[SupplierInvoice], Payload | None]
    ) -> EtagUpdate:
        """``update_with_etag`` bound to one AP document (e.g. take it off hold after Airbase approval)."""

        def put(payload: Payload, etag: str) -> str | None:
            return self.put_supplier_invoice(document_type, number, payload, if_match=etag)

        return update_with_etag(
            lambda: self.get_supplier_invoice(document_type, number),
            mutate,
            put,
            what=f"supplier invoice {document_type} {number}",
        )
