"""Visma reads: lazy delta lists, whole-collection reads and single GETs with ETags.

Lists are generators of typed models: one page in memory at a time, deduplicated by key, re-read
once if rows moved between pages; a bad filter raises ``ValueError`` at the call, before anything is
sent. Single GETs return ``Versioned`` (record + ETag) or ``None`` on 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from visma_airbase_pipeline.errors import NotFound
from visma_airbase_pipeline.visma import endpoints as ep
from visma_airbase_pipeline.visma.base import M, OnUnreadable, VismaBase
from visma_airbase_pipeline.visma.documents import (
    JournalTransaction,
    PurchaseOrder,
    PurchaseReceipt,
    SupplierInvoice,
    SupplierPayment,
)
from visma_airbase_pipeline.visma.etag import Versioned
from visma_airbase_pipeline.visma.models import Account, Dimension, Subaccount, Supplier
from visma_airbase_pipeline.visma.paging import (
    DeltaValue,
    FilterValue,
    ListEndpoint,
    VismaPager,
    build_query,
    format_visma_datetime,
    overlap_window,
)


class VismaReader(VismaBase):
    """Read endpoints of visma.md section 5. ``read_ahead=True`` (for a list read whole) requests
    each next page while the current one is consumed."""

    def since_watermark(self, watermark: DeltaValue) -> str:
        """The ``since`` for the next delta read: the server's own watermark minus the overlap window.

        Visma's times carry no zone and rows can be stamped late, so each run re-reads a little of
        the previous one (10 min by default) and dedupes; upserts make the overlap harmless.
        """
        return overlap_window(watermark, timedelta(seconds=self.delta_overlap_s))

    def _list(
        self,
        endpoint: ListEndpoint,
        model: type[M],
        filters: dict[str, FilterValue],
        *,
        since: DeltaValue | None,
        condition: str,
        until: DeltaValue | None,
        page_size: int | None,
        on_unreadable: OnUnreadable | None = None,
        read_ahead: bool = False,
    ) -> Iterator[M]:
        # Built eagerly so a bad filter raises at the call site, before anything is sent.
        query = build_query(endpoint, filters, since=since, condition=condition)
        until_text = format_visma_datetime(until) if until is not None else None
        raws = self._iter_raw(endpoint, query, page_size or self.page_size, read_ahead)
        return self._models(raws, model, until_text, on_unreadable)

    def iter_suppliers(
        self,
        *,
        since: DeltaValue | None = None,
        condition: str = ">=",
        until: DeltaValue | None = None,
        page_size: int | None = None,
        read_ahead: bool = False,
        **filters: FilterValue,
    ) -> Iterator[Supplier]:
        """Suppliers (changed since ``since``); filters: status, name, vatRegistrationId, corporateId."""
        return self._list(
            ep.SUPPLIERS,
            Supplier,
            filters,
            since=since,
            condition=condition,
            until=until,
            page_size=page_size,
            read_ahead=read_ahead,
        )

    def iter_supplier_invoices(
        self,
        *,
        since: DeltaValue | None = None,
        condition: str = ">=",
        until: DeltaValue | None = None,
        page_size: int | None = None,
        read_ahead: bool = False,
        on_unreadable: OnUnreadable | None = None,
        **filters: FilterValue,
    ) -> Iterator[SupplierInvoice]:
        """AP documents (Airbase bills); filters: supplier, documentType, status, released, dates."""
        return self._list(
            ep.SUPPLIER_INVOICES,
            SupplierInvoice,
            filters,
            since=since,
            condition=condition,
            until=until,
            page_size=page_size,
            read_ahead=read_ahead,
            on_unreadable=on_unreadable,
        )

    def iter_purchase_orders(
        self,
        *,
        since: DeltaValue | None = None,
        condition: str = ">=",
        until: DeltaValue | None = None,
        page_size: int | None = None,
        read_ahead: bool = False,
        **filters: FilterValue,
    ) -> Iterator[PurchaseOrder]:
        """Purchase orders; filters: orderStatus, orderType, supplier, orderDate (+Condition)."""
        return self._list(
            ep.PURCHASE_ORDERS,
            PurchaseOrder,
            filters,
            since=since,
            condition=condition,
            until=until,
            page_size=page_size,
            read_ahead=read_ahead,
        )

    def iter_purchase_receipts(
        self,
        *,
        since: DeltaValue | None = None,
        condition: str = ">=",
        until: DeltaValue | None = None,
        page_size: int | None = None,
        read_ahead: bool = False,
        **filters: FilterValue,
    ) -> Iterator[PurchaseReceipt]:
        """Goods receipts (received PO quantities); filters: status, receiptType, supplier, poOrderNbr."""
        return self._list(
            ep.PURCHASE_RECEIPTS,
            PurchaseReceipt,
            filters,
            since=since,
            condition=condition,
            until=until,
            page_size=page_size,
            read_ahead=read_ahead,
        )

    def iter_subaccounts(
        self,
        *,
        since: DeltaValue | None = None,
        condition: str = ">=",
        until: DeltaValue | None = None,
        page_size: int | None = None,
        **filters: FilterValue,
    ) -> Iterator[Subaccount]:
        """Subaccounts (segment combinations); filter: active."""
        return self._list(
            ep.SUBACCOUNTS,
            Subaccount,
            filters,
            since=since,
            condition=condition,
            until=until,
            page_size=page_size,
        )

    def iter_supplier_payments(
        self,
        *,
        since: DeltaValue | None = None,
        condition: str = ">=",
        until: DeltaValue | None = None,
        page_size: int | None = None,
        **filters: FilterValue,
    ) -> Iterator[SupplierPayment]:
        """Supplier payments (exactly-once lookup: list by invoiceRefNbr/supplier, match paymentRef)."""
        return self._list(
            ep.SUPPLIER_PAYMENTS,
            SupplierPayment,
            filters,
            since=since,
            condition=condition,
            until=until,
            page_size=page_size,
        )

    def iter_journal_transactions(
        self, *, since: DeltaValue | None = None, page_size: int | None = None, **filters: FilterValue
    ) -> Iterator[JournalTransaction]:
        """GL batches; ``pageSize`` counts lines, so batches are merged by batchNumber after the last page.

        Unlike the other lists this buffers the result (a batch may continue on a later page); it
        needs ``since`` or ``periodId``, as Visma does.
        """
        if since is None and "periodId" not in filters:
            raise ValueError("journal transactions need since (lastModifiedDateTime) or periodId")
        query = build_query(ep.JOURNAL_TRANSACTIONS, filters, since=since)
        return self._merge_batches(self._iter_raw_lines(query, page_size or self.page_size))

    def _iter_raw_lines(self, query: list[tuple[str, Any]], page_size: int) -> Iterator[dict[str, Any]]:
        # No dedupe by batch here: the same batch legitimately appears on several pages.
        pager = VismaPager(page_size)
        while not pager.done:
            items = self._get_json(
                ep.JOURNAL_TRANSACTIONS.template,
                query=[*query, ("pageNumber", pager.page), ("pageSize", page_size)],
            )
            pager.advance(items or [])
            yield from items or []

    @staticmethod
    def _merge_batches(raws: Iterator[dict[str, Any]]) -> Iterator[JournalTransaction]:
        batches: dict[Any, dict[str, Any]] = {}
        lines: dict[Any, dict[Any, Any]] = {}
        for raw in raws:
            key = raw.get("batchNumber")
            batch = batches.setdefault(key, raw)
            batch_lines = lines.setdefault(key, {})
            for line in raw.get("journalTransactionLines") or raw.get("lines") or []:
                batch_lines[line.get("lineNumber", len(batch_lines))] = line
        for key, batch in batches.items():
            yield JournalTransaction.model_validate(
                {**batch, "journalTransactionLines": list(lines[key].values())}
            )

    def list_accounts(
        self, *, since: DeltaValue | None = None, condition: str = ">=", **filters: FilterValue
    ) -> list[Account]:
        """All GL accounts (not paginated: one call); cache per cycle, accounts are pulled whole."""
        query = build_query(ep.ACCOUNTS, filters, since=since, condition=condition)
        return [
            Account.model_validate(raw) for raw in self._get_json(ep.ACCOUNTS.template, query=query) or []
        ]

    def get_dimension(self, dimension_id: str = "SUBACCOUNT") -> Dimension | None:
        """A dimension with its segments and values (cost centres are values of a SUBACCOUNT segment)."""
        try:
            raw = self._get_json(
                ep.DIMENSION, params={"dimensionId": dimension_id}, query=[("expandSegmentsValues", True)]
            )
        except NotFound:
            return None
        return Dimension.model_validate(raw or {})

    # -- single records ------------------------------------------------------------------------------

    def get_supplier(self, number: str) -> Versioned[Supplier] | None:
        """One supplier with its ETag, or None if Visma has no such number."""
        return self._get_versioned(ep.SUPPLIER, {"number": number}, Supplier)

    def get_supplier_invoice(
        self, document_type: str, number: str, *, on_unreadable: OnUnreadable | None = None
    ) -> Versioned[SupplierInvoice] | None:
        """One AP document with its ETag (for the approval PUT), or None."""
        return self._get_versioned(
            ep.SUPPLIER_INVOICE,
            {"documentType": document_type, "number": number},
            SupplierInvoice,
            on_unreadable,
        )

    def get_supplier_payment(
        self, number: str, payment_type: str | None = None
    ) -> Versioned[SupplierPayment] | None:
        """One supplier payment with its ETag, or None."""
        if payment_type:
            return self._get_versioned(
                ep.SUPPLIER_PAYMENT_TYPED, {"paymentType": payment_type, "number": number}, SupplierPayment
            )
        return self._get_versioned(ep.SUPPLIER_PAYMENT, {"number": number}, SupplierPayment)
