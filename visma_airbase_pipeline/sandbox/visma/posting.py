"""General-ledger batches that releasing AP documents posts, served by ``/v2/journaltransaction``.

A released invoice debits its lines' expense accounts and the VAT accounts and credits accounts
payable (2440); a credit note (CreditAdj) reverses that. A released supplier payment debits 2440
and credits the payment's cash account. Amounts stay ``Decimal``; base-currency amounts use the
document's exchange rate, rounded half-even to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.visma.store import Entry, VismaStore, stamp

ACCOUNTS_PAYABLE = "2440"
MODULE_AP = "ModuleAP"
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    """Round to the cent, half-even (the currency edge of DESIGN.md section 9)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _line(
    n: int, account: str, amount: Decimal, rate: Decimal, ref: str, text: str, sub: Any = None
) -> dict[str, Any]:
    debit, credit = (amount, _ZERO) if amount >= 0 else (_ZERO, -amount)
    return {
        "lineNumber": n,
        "accountNumber": account,
        "subaccount": sub,
        "referenceNumber": ref,
        "transactionDescription": text,
        "debitAmountInCurrency": debit,
        "creditAmountInCurrency": credit,
        "debitAmount": money(debit * rate),
        "creditAmount": money(credit * rate),
    }


def _batch(store: VismaStore, doc: dict[str, Any], date: str, lines: list[dict[str, Any]]) -> Entry:
    now = stamp(store.clock.now())
    period = date[:4] + date[5:7]
    data = {
        "module": MODULE_AP,
        "batchNumber": store.series["journaltransaction"].next(),
        "status": "Posted",
        "hold": False,
        "transactionDate": date,
        "postPeriod": period,
        "financialPeriod": period,
        "currencyId": doc.get("currencyId") or doc.get("currency") or store.base_currency,
        "branch": {"number": "1"},
        "description": doc.get("description") or "",
        "debitTotalInCurrency": sum((ln["debitAmountInCurrency"] for ln in lines), _ZERO),
        "creditTotalInCurrency": sum((ln["creditAmountInCurrency"] for ln in lines), _ZERO),
        "journalTransactionLines": lines,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
    }
    return store["journaltransaction"].add(data)


def post_invoice(store: VismaStore, doc: dict[str, Any]) -> Entry:
    """The batch of a released AP document; a CreditAdj reduces what is owed, so it is reversed."""
    sign = Decimal(-1) if doc.get("documentType") == "CreditAdj" else Decimal(1)
    rate = Decimal(doc.get("exchangeRate") or 1)
    ref = str(doc.get("referenceNumber"))
    text = f"{doc.get('documentType')} {ref}"
    lines, n = [], 0
    vat_by_account: dict[str, Decimal] = {}
    for line in doc.get("invoiceLines") or []:
        n += 1
        account = (line.get("account") or {}).get("number") or ""
        sub = line.get("subaccount")
        lines.append(_line(n, account, sign * Decimal(line.get("cost") or 0), rate, ref, text, sub))
        code = store.vat_codes.get(str((line.get("vatCode") or {}).get("id")))
        if code and code.get("account") and Decimal(code["rate"]):
            vat = money(Decimal(line.get("cost") or 0) * Decimal(code["rate"]))
            vat_by_account[code["account"]] = vat_by_account.get(code["account"], _ZERO) + vat
    for account, vat in vat_by_account.items():
        n += 1
        lines.append(_line(n, account, sign * vat, rate, ref, f"{text} VAT"))
    lines.append(_line(n + 1, ACCOUNTS_PAYABLE, -sign * Decimal(doc.get("amount") or 0), rate, ref, text))
    return _batch(store, doc, str(doc.get("date") or stamp(store.clock.now())), lines)


def post_payment(store: VismaStore, doc: dict[str, Any], rate: Decimal) -> Entry:
    """The batch of a released payment: debit accounts payable, credit the cash account."""
    ref = str(doc.get("refNbr"))
    amount = Decimal(doc.get("paymentAmount") or 0)
    text = f"{doc.get('type')} {ref}"
    lines = [
        _line(1, ACCOUNTS_PAYABLE, amount, rate, ref, text),
        _line(2, str(doc.get("cashAccount") or ""), -amount, rate, ref, text),
    ]
    return _batch(store, doc, str(doc.get("applicationDate") or stamp(store.clock.now())), lines)
