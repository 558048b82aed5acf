"""Issue 6 end to end: approvals and payments from Airbase back to Visma, against both sandboxes.

One test per acceptance point. The first goes through Dagster (every asset as one run, so the
payment assets and the blocking check ``every_payment_posted_once`` run as in production); the
others drive the library steps the assets call, which lets them crash the worker at a chosen point.
Each test starts from freshly seeded sandboxes and a private DAGSTER_HOME (the ledger lives there).
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
import requests
from payments_support import (
    ACCOUNTS_PAYABLE,
    AIRBASE_DEFAULT_BUDGET,
    CENT,
    Bill,
    WorkerKilled,
    admin,
    approve,
    call_counts,
    clear_faults,
    connector,
    create,
    dagster_run,
    entry,
    faults_fired,
    inbound_sync,
    install_faults,
    invoice,
    journal_lines,
    patch,
    pay,
    payable,
    payments_applied_to,
    payments_carrying,
    reset_stats,
    seeded_window,
    state,
    sums_by_currency,
    utc_now_naive,
)
from payments_support import bills as pick_bills

from visma_airbase_pipeline.errors import RemoteError, StaleEtag
from visma_airbase_pipeline.ledger import LedgerStore, journal
from visma_airbase_pipeline.sync.payment_checks import reconcile_payments

pytestmark = pytest.mark.integration

CHECK = "every_payment_posted_once"


def _assert_one_released_payment(env, bill, payment_entry, *, cash_account, since) -> dict:
    """Exactly one released Visma payment carries the Airbase payment, applied to the bill's invoice
    from ``cash_account``, posted to the GL (AP debited, cash credited), and Airbase knows its number."""
    (payment,) = payments_applied_to(env.visma_url, bill.number)
    amount = Decimal(payment_entry["total_amount"])
    assert payment["paymentRef"] == payment_entry["airbase_id"]
    assert payment["released"] is True and payment["type"] == "Payment"
    assert payment["supplier"]["number"] == bill.supplier
    assert payment["cashAccount"] == cash_account
    assert payment["currency"] == bill.currency
    assert payment["paymentAmount"] == amount
    assert [(line["invoiceRefNbr"], line["amountPaid"]) for line in payment["paymentLines"]] == [
        (bill.number, amount)
    ]
    lines = journal_lines(env.visma_url, since, payment["refNbr"])
    postings = {
        (line["accountNumber"], line["debitAmountInCurrency"], line["creditAmountInCurrency"])
        for line in lines
    }
    assert postings == {(ACCOUNTS_PAYABLE, amount, Decimal(0)), (cash_account, Decimal(0), amount)}, lines
    assert {line["currency"] for line in lines} == {bill.currency}
    acknowledged = entry(env.airbase_url, payment_entry["airbase_id"])
    assert acknowledged["status"] == "sync_complete"
    assert acknowledged["erp_reference_id"] == payment["refNbr"]
    return payment


# ----- 1. approve -> off hold; pay -> one released payment (through Dagster) ---------------------
def test_approval_and_payment_through_dagster_post_one_released_payment_each(sandbox_env):
    env = sandbox_env
    # Four runs within seconds read the same dimension and accounts each time: more than Visma's
    # five identical requests a minute (the schedule runs every 15 minutes, so production never is).
    admin(env.visma_url, "config", {"same_request_limit": 20})
    window = seeded_window()
    first, today = window.start.date(), (window.end - timedelta(days=1)).date()
    inbound = dagster_run(first, today)
    assert inbound.success and inbound.checks.get(CHECK) is True, inbound.checks

    sek, eur = pick_bills(env, payable("Hold", "SEK"))[0], pick_bills(env, payable("Hold", "EUR"))[0]
    bill_entries = {b.number: approve(env.airbase_url, b.bill) for b in (sek, eur)}
    approved = dagster_run(today)
    assert approved.success and all(approved.checks.values()), approved.checks
    for b in (sek, eur):
        now = invoice(env.visma_url, b.number)
        assert now["hold"] is False and now["status"] == "Open" and now["released"] is True
        synced = entry(env.airbase_url, bill_entries[b.number]["airbase_id"])
        assert synced["status"] == "sync_complete" and synced["erp_reference_id"] == f"Invoice/{b.number}"
    assert not payments_applied_to(env.visma_url, sek.number)

    since = utc_now_naive() - timedelta(seconds=2)
    sek_payment = pay(env.airbase_url, sek.bill)
    eur_payment = pay(env.airbase_url, eur.bill, bank_account_erp_reference_id="1940")
    paid = dagster_run(today)
    assert paid.success and paid.checks[CHECK] is True, paid.checks
    (posted,) = [a for a in paid.assets if a.key == "visma/supplier_payments"]
    assert posted.counts["created"] == 2 and posted.counts["quarantined"] == 0
    _assert_one_released_payment(env, sek, sek_payment, cash_account="1930", since=since)
    _assert_one_released_payment(env, eur, eur_payment, cash_account="1940", since=since)
    for b in (sek, eur):
        closed = invoice(env.visma_url, b.number)
        assert closed["status"] == "Closed" and closed["balance"] == 0

    again = dagster_run(today)
    assert again.success and again.checks[CHECK] is True
    assert len(payments_applied_to(env.visma_url, sek.number)) == 1
    assert len(payments_applied_to(env.visma_url, eur.number)) == 1
    store = LedgerStore()
    try:
        rows = journal.entries(store.engine)
        assert {r.airbase_payment_id for r in rows} == {sek_payment["airbase_id"], eur_payment["airbase_id"]}
        assert {r.state for r in rows} == {"acknowledged"}
    finally:
        store.close()


# ----- the library steps, for everything else ---------------------------------------------------
@pytest.fixture
def worker(sandbox_env):
    """Sandboxes after a full inbound sync (bills in Airbase), and a worker on the default ledger."""
    with connector() as w:
        inbound_sync(w)
        yield sandbox_env, w


def _journal_rows() -> dict[str, journal.JournalEntry]:
    store = LedgerStore()
    try:
        return {row.airbase_payment_id: row for row in journal.entries(store.engine)}
    finally:
        store.close()


def _assert_exactly_once(env, w, payment_entry, bill, *, reconcile: bool = True) -> dict:
    """One released Visma payment for the Airbase payment, acknowledged on both sides and in the
    journal; the reconciliation behind the blocking check finds nothing wrong."""
    (payment,) = payments_carrying(env.visma_url, payment_entry["airbase_id"])
    assert payments_applied_to(env.visma_url, bill.number) == [payment]
    assert payment["released"] is True
    assert payment["paymentAmount"] == Decimal(payment_entry["total_amount"])
    acknowledged = entry(env.airbase_url, payment_entry["airbase_id"])
    assert acknowledged["status"] == "sync_complete" and acknowledged["erp_reference_id"] == payment["refNbr"]
    row = _journal_rows()[payment_entry["airbase_id"]]
    assert row.state == "acknowledged" and row.visma_payment_nbr == payment["refNbr"]
    if reconcile:  # reads Visma's payments per supplier (Visma allows 5 identical reads a minute)
        check = reconcile_payments(w.visma, w.store)
        assert check.checked >= 1 and not check.problems, check.problems
    return payment


def _approved(env, w, *chosen) -> dict[str, dict]:
    """Approve bills in Airbase and take their invoices through the approval step."""
    entries = {b.number: approve(env.airbase_url, b.bill) for b in chosen}
    report = w.approvals()
    assert report.updated == len(chosen) and not report.quarantined, report.quarantined
    return entries


# ----- 2. partial payment, then the rest -------------------------------------------------------
def test_a_partial_payment_reduces_the_balance_and_the_rest_closes_the_invoice(worker):
    env, w = worker
    (b,) = pick_bills(env, payable("Open", "SEK"))
    _approved(env, w, b)
    part = (b.amount / 3).quantize(CENT)
    first = pay(env.airbase_url, b.bill, amount=f"{part}")
    assert w.payments().created == 1
    (payment,) = payments_applied_to(env.visma_url, b.number)
    assert payment["paymentRef"] == first["airbase_id"] and payment["paymentAmount"] == part
    assert [line["amountPaid"] for line in payment["paymentLines"]] == [part]
    still_open = invoice(env.visma_url, b.number)
    assert still_open["status"] == "Open" and still_open["balance"] == b.amount - part

    rest = pay(env.airbase_url, b.bill)
    assert Decimal(rest["total_amount"]) == b.amount - part
    assert w.payments().created == 1
    payments = {p["paymentRef"]: p for p in payments_applied_to(env.visma_url, b.number)}
    assert set(payments) == {first["airbase_id"], rest["airbase_id"]}
    assert payments[rest["airbase_id"]]["paymentAmount"] == b.amount - part
    assert all(p["released"] for p in payments.values())
    closed = invoice(env.visma_url, b.number)
    assert closed["status"] == "Closed" and closed["balance"] == 0
    for paid in (first, rest):
        synced = entry(env.airbase_url, paid["airbase_id"])
        assert synced["status"] == "sync_complete"
        assert synced["erp_reference_id"] == payments[paid["airbase_id"]]["refNbr"]


# ----- 3. one payment over two bills of one supplier -------------------------------------------
def _two_bills_of_one_supplier(env) -> tuple[Bill, Bill]:
    candidates = pick_bills(env, payable("Open", "SEK"), count=60)
    by_supplier: dict[str, list[Bill]] = {}
    for b in candidates:
        by_supplier.setdefault(b.supplier, []).append(b)
    pair = next(found for found in by_supplier.values() if len(found) >= 2)
    return pair[0], pair[1]


def test_one_payment_over_two_bills_is_one_visma_payment_with_two_lines(worker):
    env, w = worker
    a, b = _two_bills_of_one_supplier(env)
    entries = _approved(env, w, a, b)
    paid = pay(env.airbase_url, a.bill)
    # The payer paid both bills at once: one bill_payment entry applied to both bill entries.
    both = [
        {"id": e["airbase_id"], "airbase_id": e["airbase_id"], "transaction_type": "bill"}
        for e in (entries[a.number], entries[b.number])
    ]
    patch(
        env.airbase_url,
        "ledger_entries",
        paid["airbase_id"],
        {"applied_to": both, "total_amount": f"{a.amount + b.amount}"},
    )
    report = w.payments()
    assert report.created == 1 and not report.quarantined
    (payment,) = payments_carrying(env.visma_url, paid["airbase_id"])
    assert payment["paymentAmount"] == a.amount + b.amount and payment["supplier"]["number"] == a.supplier
    lines = sorted((line["invoiceRefNbr"], line["amountPaid"]) for line in payment["paymentLines"])
    assert lines == sorted([(a.number, a.amount), (b.number, b.amount)])
    for one in (a, b):
        assert payments_applied_to(env.visma_url, one.number) == [payment]
        closed = invoice(env.visma_url, one.number)
        assert closed["status"] == "Closed" and closed["balance"] == 0
    synced = entry(env.airbase_url, paid["airbase_id"])
    assert synced["status"] == "sync_complete" and synced["erp_reference_id"] == payment["refNbr"]
    assert not reconcile_payments(w.visma, w.store).problems


# ----- 4. EUR, to the cent ----------------------------------------------------------------------
def test_an_eur_bill_becomes_an_eur_payment_to_the_cent(worker):
    env, w = worker
    (b,) = pick_bills(env, lambda i: payable("Open", "EUR")(i) and Decimal(i["amount"]) % 1 != 0)
    _approved(env, w, b)
    since = utc_now_naive() - timedelta(seconds=2)
    part = (b.amount * Decimal("0.37")).quantize(CENT) + CENT  # odd cents on purpose
    first = pay(env.airbase_url, b.bill, amount=f"{part}", bank_account_erp_reference_id="1940")
    rest = pay(env.airbase_url, b.bill, bank_account_erp_reference_id="1940")
    report = w.payments()
    assert report.created == 2 and report.target_sums == {"EUR": b.amount}
    payments = {p["paymentRef"]: p for p in payments_applied_to(env.visma_url, b.number)}
    assert set(payments) == {first["airbase_id"], rest["airbase_id"]}
    for paid, amount in ((first, part), (rest, b.amount - part)):
        payment = payments[paid["airbase_id"]]
        assert payment["currency"] == "EUR" and payment["cashAccount"] == "1940"
        assert payment["paymentAmount"] == amount == Decimal(paid["total_amount"])
        assert payment["paymentAmount"].as_tuple().exponent == -2
        assert [line["amountPaid"] for line in payment["paymentLines"]] == [amount]
        lines = journal_lines(env.visma_url, since, payment["refNbr"])
        assert {line["currency"] for line in lines} == {"EUR"}
        assert sorted((ln["debitAmountInCurrency"], ln["creditAmountInCurrency"]) for ln in lines) == [
            (Decimal(0), amount),
            (amount, Decimal(0)),
        ]
        assert sum(ln["debitAmount"] for ln in lines) == sum(ln["creditAmount"] for ln in lines)
    assert sum(p["paymentAmount"] for p in payments.values()) == b.amount
    closed = invoice(env.visma_url, b.number)
    assert closed["balance"] == Decimal("0.00") and closed["status"] == "Closed"


# ----- 5. a concurrent edit in Visma: 412, re-read, success -------------------------------------
def test_an_edit_in_visma_between_read_and_write_costs_one_412_then_the_approval_lands(worker, monkeypatch):
    env, w = worker
    (b,) = pick_bills(env, payable("Hold", "SEK"))
    bill_entry = approve(env.airbase_url, b.bill)
    reset_stats(env.visma_url)
    original = w.visma.get_supplier_invoice
    reads: list[str | None] = []

    def read_then_someone_edits(document_type: str, number: str):
        found = original(document_type, number)
        reads.append(found.etag if found else None)
        if len(reads) == 1:  # a Visma user saves the invoice right after our first read
            patch(env.visma_url, "supplierInvoice", number, {"description": "Checked by AP clerk"})
        return found

    monkeypatch.setattr(w.visma, "get_supplier_invoice", read_then_someone_edits)
    report = w.approvals()
    assert report.updated == 1 and not report.quarantined and not report.conflicts
    puts = {key: n for key, n in call_counts(env.visma_url).items() if key[0] == "PUT"}
    assert sorted(puts.items()) == [
        (("PUT", "/v1/supplierInvoice/{documentType}/{number}", 204), 1),
        (("PUT", "/v1/supplierInvoice/{documentType}/{number}", 412), 1),
    ]
    assert len(reads) >= 2 and reads[0] != reads[1]
    landed = invoice(env.visma_url, b.number)
    assert landed["hold"] is False and landed["status"] == "Open"
    assert landed["description"] == "Checked by AP clerk"  # the clerk's edit was not overwritten
    synced = entry(env.airbase_url, bill_entry["airbase_id"])
    assert synced["status"] == "sync_complete" and synced["erp_reference_id"] == f"Invoice/{b.number}"


def test_an_invoice_that_keeps_changing_is_left_for_the_next_run_not_quarantined(worker):
    env, w = worker
    (b,) = pick_bills(env, payable("Hold", "SEK"))
    bill_entry = approve(env.airbase_url, b.bill)
    admin(env.visma_url, "config", {"concurrent_edit_rate": 1})  # every conditional write races an edit
    try:
        with pytest.raises(StaleEtag):
            w.approvals("storm")
    finally:
        admin(env.visma_url, "config", {"concurrent_edit_rate": 0})
    assert w.store.quarantined() == []
    assert entry(env.airbase_url, bill_entry["airbase_id"])["status"] == "sync_ready"
    assert invoice(env.visma_url, b.number)["hold"] is True
    report = w.approvals("calm")
    assert report.updated == 1 and not report.quarantined
    assert invoice(env.visma_url, b.number)["hold"] is False
    assert entry(env.airbase_url, bill_entry["airbase_id"])["status"] == "sync_complete"


# ----- 6. a conflicting edit in Visma: quarantined, never paid ----------------------------------
def test_an_amount_changed_in_visma_after_approval_is_quarantined_and_never_paid(worker):
    env, w = worker
    held = pick_bills(env, payable("Hold", "SEK"))[0]
    open_ = pick_bills(env, payable("Open", "SEK"))[0]
    entries = {b.number: approve(env.airbase_url, b.bill) for b in (held, open_)}
    for b in (held, open_):  # someone in Visma corrects the amount after the approver saw it
        changed = b.amount + Decimal("100.00")
        patch(env.visma_url, "supplierInvoice", b.number, {"amount": changed, "balance": changed})
    report = w.approvals()
    assert report.updated == 0
    ids = {entries[b.number]["airbase_id"]: b for b in (held, open_)}
    assert set(report.quarantined) == set(ids)
    store = LedgerStore()
    try:
        quarantined = {q.record_key: q.error for q in store.quarantined("bill_approval")}
    finally:
        store.close()
    assert set(quarantined) == set(ids)
    for airbase_id, b in ids.items():
        reason = quarantined[airbase_id]
        assert f"invoice {b.number} changed in Visma since approval" in reason
        assert f"approved {b.amount}" in reason and f"{b.amount + 100}" in reason
        rejected = entry(env.airbase_url, airbase_id)
        assert rejected["status"] == "sync_error"
        assert rejected["error_message"] == f"Visma: {reason}"
    still_held = invoice(env.visma_url, held.number)
    assert still_held["hold"] is True and still_held["status"] == "Hold"

    paid = {b.number: pay(env.airbase_url, b.bill) for b in (held, open_)}
    for run in range(2):  # the bills are paid in Airbase; the scheduler keeps running
        assert w.approvals(f"approvals-{run}").updated == 0
        payments = w.payments(f"payments-{run}")
        assert payments.created == 0
        assert payments.skipped["waiting for the invoice approval to reach Visma"] == 2
    for b in (held, open_):
        assert payments_applied_to(env.visma_url, b.number) == []
        assert payments_carrying(env.visma_url, paid[b.number]["airbase_id"]) == []
        assert entry(env.airbase_url, paid[b.number]["airbase_id"])["status"] == "sync_ready"
        assert any(
            note.startswith(
                f"payment {paid[b.number]['airbase_id']}: the approval of bill Invoice/{b.number}"
            )
            and "changed in Visma since approval" in note
            for note in payments.notes
        ), payments.notes
    assert _journal_rows() == {}  # not even an intent


# ----- 7. denied and sent-back bills ------------------------------------------------------------
def test_denied_and_sent_back_bills_are_reported_and_never_posted(worker):
    env, w = worker
    denied, sent_back = pick_bills(env, payable("Hold", "SEK"), count=2)
    admin(env.airbase_url, f"bills/{denied.bill['airbase_id']}/deny", {"comment": "Not our order"})
    admin(
        env.airbase_url, f"bills/{sent_back.bill['airbase_id']}/send_back", {"comment": "Wrong cost centre"}
    )
    report = w.approvals()
    assert report.updated == 0 and not report.quarantined
    assert report.skipped["denied in Airbase (not posted)"] == 1
    assert report.skipped["sent_back in Airbase (not posted)"] == 1
    assert f"bill Invoice/{denied.number} denied: not posted to Visma" in report.notes
    assert f"bill Invoice/{sent_back.number} sent back: not posted to Visma" in report.notes
    for b in (denied, sent_back):
        untouched = invoice(env.visma_url, b.number)
        assert untouched["hold"] is True and untouched["status"] == "Hold"
        assert untouched["timeStamp"] == b.invoice["timeStamp"]
        assert not [
            e
            for e in state(env.airbase_url, "ledger_entries")
            if e["erp_reference_id"] == f"Invoice/{b.number}"
        ]
        refused = requests.post(
            f"{env.airbase_url}/_sandbox/bills/{b.bill['airbase_id']}/pay", json={}, timeout=10
        )
        assert refused.status_code == 400  # Airbase itself only pays approved bills
    payments = w.payments()
    assert payments.read == 0 and payments.created == 0
    assert not payments_applied_to(env.visma_url, denied.number)
    assert not payments_applied_to(env.visma_url, sent_back.number)
    assert _journal_rows() == {}


# ----- 8. the worker killed after each step, then run again -------------------------------------
class Crash(NamedTuple):
    """Where the worker dies (``owner.method[:journal state]``) and what is true at that moment."""

    where: str
    journal_state: str
    visma_payments: int
    released: bool | None
    airbase_status: str


CRASHES = {
    "after the journal intent, before the POST": Crash(
        "journal.record_intent", "pending", 0, None, "sync_ready"
    ),
    "POST done, its answer lost": Crash("visma.create_supplier_payment", "pending", 1, False, "sync_ready"),
    "after posting, before release": Crash("journal.advance:posted", "posted", 1, False, "sync_ready"),
    "released in Visma, journal not told": Crash(
        "visma.release_supplier_payment", "posted", 1, True, "sync_ready"
    ),
    "after release, before the Airbase PATCH": Crash(
        "journal.advance:released", "released", 1, True, "sync_ready"
    ),
    "after the Airbase PATCH, before acknowledged": Crash(
        "airbase.mark_ledger_entry_synced", "released", 1, True, "sync_complete"
    ),
}


def _die_after(target, name: str, *, when=lambda *args, **kwargs: True):
    """A replacement for ``target.name``: do the real step, then kill the worker (once)."""
    original = getattr(target, name)
    fired: list[bool] = []

    def step_then_die(*args, **kwargs):
        result = original(*args, **kwargs)
        if not fired and when(*args, **kwargs):
            fired.append(True)
            raise WorkerKilled(f"worker killed after {name}")
        return result

    return step_then_die


@pytest.mark.parametrize("point", list(CRASHES))
def test_a_worker_killed_after_any_step_still_posts_exactly_once(worker, point):
    env, w = worker
    crash_at = CRASHES[point]
    (b,) = pick_bills(env, payable("Open", "SEK"))
    _approved(env, w, b)
    paid = pay(env.airbase_url, b.bill)

    owner, _, step = crash_at.where.partition(".")
    name, _, advance_to = step.partition(":")
    with connector() as doomed, pytest.MonkeyPatch.context() as crash:
        if owner == "journal":

            def when(*args, **kwargs):
                return not advance_to or args[2] == advance_to

            crash.setattr(journal, name, _die_after(journal, name, when=when))
        else:
            target = doomed.visma if owner == "visma" else doomed.airbase
            crash.setattr(target, name, _die_after(target, name))
        with pytest.raises(WorkerKilled):
            doomed.payments("killed")

    assert _journal_rows()[paid["airbase_id"]].state == crash_at.journal_state
    found = payments_carrying(env.visma_url, paid["airbase_id"])
    assert len(found) == crash_at.visma_payments
    if found:
        assert found[0]["released"] is crash_at.released
    assert entry(env.airbase_url, paid["airbase_id"])["status"] == crash_at.airbase_status

    with connector() as restarted:  # the scheduler's next run, in a new process
        restarted.payments("resumed")
        _assert_exactly_once(env, restarted, paid, b)
        again = restarted.payments("once-more")
        assert again.created == 0
        _assert_exactly_once(env, restarted, paid, b)
    closed = invoice(env.visma_url, b.number)
    assert closed["status"] == "Closed" and closed["balance"] == 0


LOST_ANSWERS: dict[str, dict[str, Any]] = {
    "500 after the write committed": {"status": 500, "after_commit": True},
    "read timeout after the write committed": {"delay_s": 1.5, "after_commit": True},
    # The client gives up before Visma wrote anything: the lookup finds nothing, so this run fails
    # rather than post blind, and the next run posts it.
    "read timeout before anything was written": {"delay_s": 1.5},
}


@pytest.mark.parametrize("fault", list(LOST_ANSWERS))
def test_a_lost_answer_to_the_payment_post_never_makes_a_second_payment(worker, monkeypatch, fault):
    env, w = worker
    rule = LOST_ANSWERS[fault]
    (b,) = pick_bills(env, payable("Open", "SEK"))
    _approved(env, w, b)
    paid = pay(env.airbase_url, b.bill)
    monkeypatch.setenv("VAB_READ_TIMEOUT_S", "0.5")
    install_faults(env.visma_url, {"method": "POST", "path": "^/v1/supplierPayment$", "nth": 1, **rule})
    with connector() as impatient:
        if rule.get("after_commit"):
            assert impatient.payments("lost").created == 1
        else:
            with pytest.raises(RemoteError):
                impatient.payments("lost")
            row = _journal_rows()[paid["airbase_id"]]
            assert row.state == "pending" and (row.last_error or "").startswith("post failed, will retry")
            assert payments_carrying(env.visma_url, paid["airbase_id"]) == []
    assert faults_fired(env.visma_url) == 1
    with connector() as next_run:
        next_run.payments("next")
        _assert_exactly_once(env, next_run, paid, b)
    time.sleep(rule.get("delay_s", 0))  # whatever Visma was still doing with the first POST is over
    (payment,) = payments_applied_to(env.visma_url, b.number)
    assert payment["paymentRef"] == paid["airbase_id"]


# ----- 9. volume with faults on both sides ------------------------------------------------------
PAYMENTS = 200
FAST_RETRIES = {
    "VAB_BACKOFF_BASE_S": "0.01",
    "VAB_BACKOFF_CAP_S": "0.05",
    "VAB_BACKOFF_JITTER_S": "0",
    "VAB_RETRY_AFTER_CAP_S": "0.05",
}


def _flaky(path: str) -> list[dict]:
    """10 % 503s and 10 % 429s (Retry-After 1 s, capped by the client) on every API call."""
    return [
        {"method": "*", "path": path, "status": 503, "rate": 0.1},
        {"method": "*", "path": path, "status": 429, "rate": 0.1, "retry_after": 1},
    ]


def _left_to_do(env, ids: set[str]) -> set[str]:
    """Airbase payments not yet acknowledged on both sides (Airbase entry, ledger journal)."""
    entries = {e["airbase_id"]: e for e in state(env.airbase_url, "ledger_entries") if e["airbase_id"] in ids}
    rows = _journal_rows()
    return {
        pid
        for pid in ids
        if entries[pid]["status"] != "sync_complete" or pid not in rows or rows[pid].state != "acknowledged"
    }


def test_two_hundred_payments_under_faults_on_both_sandboxes_post_exactly_once(sandbox_env, monkeypatch):
    env = sandbox_env
    started = time.monotonic()
    for url in (env.visma_url, env.airbase_url):
        admin(url, "reset", {"seed": 42, "invoices": 600})
    # ~3,000 calls in well under a minute: beyond the default budgets (Visma test clients 500/h,
    # Airbase 500/min), which the pacer would otherwise wait out. Faults, not budgets, are tested.
    admin(env.visma_url, "config", {"rate_limit": 100_000, "same_request_limit": 50})
    admin(env.airbase_url, "config", {"rate_limit": 100_000})
    for name, value in FAST_RETRIES.items():
        monkeypatch.setenv(name, value)
    try:
        with connector() as w:
            inbound_sync(w)
        chosen = pick_bills(env, payable("Open"), count=PAYMENTS)
        paid: dict[str, tuple[Bill, dict]] = {}
        for b in chosen:
            approve(env.airbase_url, b.bill)
            payment_entry = pay(env.airbase_url, b.bill)
            paid[payment_entry["airbase_id"]] = (b, payment_entry)
        install_faults(env.visma_url, *_flaky("^/(v1|v2|connect)/"))
        install_faults(env.airbase_url, *_flaky("^/v1/accounting/"))

        # The scheduler's runs, each a fresh worker, until one gets through. A run fails when a POST
        # or release met a 5xx (never replayed blind) or retries ran out; that payment waits.
        runs, failed_runs = 0, []
        while runs < 100:
            runs += 1
            try:
                with connector() as w:
                    w.approvals(f"approvals-{runs}")
                    w.payments(f"payments-{runs}")
                break
            except RemoteError as error:
                failed_runs.append(f"{type(error).__name__}: {error}")
        fired = faults_fired(env.visma_url) + faults_fired(env.airbase_url)
        clear_faults(env.visma_url, env.airbase_url)
        assert not _left_to_do(env, set(paid)), f"{runs} runs were not enough; failures: {failed_runs[-3:]}"

        visma_payments = [p for p in state(env.visma_url, "supplierPayment") if p.get("paymentRef")]
        refs = [p["paymentRef"] for p in visma_payments]
        assert len(refs) == len(set(refs)) == PAYMENTS  # 0 duplicates
        assert set(refs) == set(paid)  # 0 lost, nothing foreign
        entries = {
            e["airbase_id"]: e for e in state(env.airbase_url, "ledger_entries") if e["airbase_id"] in paid
        }
        for payment in visma_payments:
            b, payment_entry = paid[payment["paymentRef"]]
            assert payment["released"] is True
            assert [line["invoiceRefNbr"] for line in payment["paymentLines"]] == [b.number]
            assert entries[payment["paymentRef"]]["erp_reference_id"] == payment["refNbr"]
        visma_sums = sums_by_currency([(p["currency"], p["paymentAmount"]) for p in visma_payments])
        airbase_sums = sums_by_currency(
            [(e["currency"]["iso_code"], Decimal(e["total_amount"])) for e in entries.values()]
        )
        invoice_sums = sums_by_currency([(b.currency, b.amount) for b, _ in paid.values()])
        assert visma_sums == airbase_sums == invoice_sums
        assert len(visma_sums) == 3  # SEK, EUR and USD
        with connector() as w:
            check = reconcile_payments(w.visma, w.store)
        assert check.checked == PAYMENTS and not check.problems, check.problems[:5]
        assert fired > 100  # the faults really happened
    finally:
        clear_faults(env.visma_url, env.airbase_url)
        admin(env.airbase_url, "config", AIRBASE_DEFAULT_BUDGET)
    elapsed = time.monotonic() - started
    print(
        f"\n{PAYMENTS} payments, {fired} faults, {runs} runs ({len(failed_runs)} failed) in {elapsed:.1f} s"
    )


def test_a_payment_visma_keeps_failing_does_not_hold_up_the_others(worker):
    env, w = worker
    chosen = pick_bills(env, payable("Open", "SEK"), count=3)
    _approved(env, w, *chosen)
    paid = {e["airbase_id"]: (b, e) for b in chosen for e in [pay(env.airbase_url, b.bill)]}
    # Visma answers 503 to every release of the first payment posted (an action: never replayed).
    rule = {"method": "POST", "path": "^/v1/supplierPayment/000001/action/release$", "status": 503}
    install_faults(env.visma_url, rule)
    for run in range(2):
        with pytest.raises(RemoteError):  # the run fails, so the scheduler tries again ...
            w.payments(f"stuck-{run}")
        rows = _journal_rows()
        (stuck,) = [pid for pid, row in rows.items() if row.visma_payment_nbr == "000001"]
        assert rows[stuck].state == "posted"
        for pid, (b, payment_entry) in paid.items():  # ... but the other payments went through
            if pid != stuck:
                _assert_exactly_once(env, w, payment_entry, b, reconcile=False)
    clear_faults(env.visma_url)
    assert w.payments("unstuck").created == 1
    for b, payment_entry in paid.values():
        _assert_exactly_once(env, w, payment_entry, b)


# ----- 10. bad input is quarantined, good payments still go through ----------------------------
def test_bad_payments_are_quarantined_with_a_reason_while_good_ones_post(worker):
    env, w = worker
    good, unknown, zero, negative, foreign = pick_bills(env, payable("Open", "SEK"), count=5)
    _approved(env, w, good, unknown, zero, negative, foreign)
    entries = {b.number: pay(env.airbase_url, b.bill) for b in (good, unknown, zero, negative, foreign)}

    def plant(b: Bill, **changes) -> str:
        patch(env.airbase_url, "ledger_entries", entries[b.number]["airbase_id"], changes)
        return str(entries[b.number]["airbase_id"])

    ghost = "00000000-0000-4000-8000-000000000000"
    expected = {
        plant(unknown, applied_to=[{"id": ghost, "airbase_id": ghost, "transaction_type": "bill"}]): (
            f"the paid bill {ghost} is unknown or has no Visma invoice"
        ),
        plant(zero, total_amount="0.00"): "the payment amount 0.00 is not a positive amount",
        plant(negative, total_amount="-25.00"): "the payment amount -25.00 is not a positive amount",
        plant(foreign, currency={"erp_reference_id": "EUR", "iso_code": "EUR"}): (
            f"the payment is in EUR but invoice {foreign.number} is in SEK"
        ),
    }
    orphan = create(
        env.airbase_url,
        "ledger_entries",
        {
            "type": "bill_payment",
            "vendor": entries[good.number]["vendor"],
            "bank_account": {"erp_reference_id": "1930", "name": "Företagskonto"},
            "currency": {"erp_reference_id": "SEK", "iso_code": "SEK"},
            "total_amount": "10.00",
            "applied_to": [],
            "payment_entry_date": entries[good.number]["payment_entry_date"],
        },
    )
    expected[orphan["airbase_id"]] = "the payment is not applied to any known bill"

    report = w.payments()
    assert report.created == 1
    assert report.quarantined == expected
    _assert_exactly_once(env, w, entries[good.number], good)
    store = LedgerStore()
    try:
        quarantined = {q.record_key: q.error for q in store.quarantined("payment")}
    finally:
        store.close()
    assert quarantined == expected
    for airbase_id, reason in expected.items():
        rejected = entry(env.airbase_url, airbase_id)
        assert rejected["status"] == "sync_error" and rejected["error_message"] == f"Visma: {reason}"
        assert payments_carrying(env.visma_url, airbase_id) == []
    for b in (unknown, zero, negative, foreign):
        assert payments_applied_to(env.visma_url, b.number) == []
    assert set(_journal_rows()) == {entries[good.number]["airbase_id"]}
    assert w.payments("again").read == 0  # rejected entries left the queue
