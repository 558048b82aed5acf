"""Replay of quarantined records once their cause is fixed: the record goes through the same code
that quarantined it. A record that now goes through resolves its item; one that is still broken is
quarantined again (attempts + 1); an item already resolved is left alone, so a replay is idempotent.

Refused webhook deliveries (kind ``webhook``) need no API call: they are verified again against the
secrets configured now and, if they pass, put into the inbox (``webhooks/rejections.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, update

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.errors import AuthError, RateLimited, RemoteError
from visma_airbase_pipeline.ledger import LedgerStore, QuarantineItem, journal, schema
from visma_airbase_pipeline.sync.approvals import APPROVAL, sync_bill_approvals
from visma_airbase_pipeline.sync.bills import BILL, pull_invoices_by_key, push_bills
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.payments import PAYMENT, sync_payments
from visma_airbase_pipeline.sync.purchase_orders import ORDER
from visma_airbase_pipeline.sync.reference import (
    COST_CENTER,
    GL_ACCOUNT,
    pull_dimensions,
    pull_gl_accounts,
    push_accounts,
    push_tags,
)
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.sync.vendors import SUPPLIER, pull_suppliers_by_number, push_vendors
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.webhooks import rejections
from visma_airbase_pipeline.webhooks.signatures import TOLERANCE_S, Secrets

WEBHOOK = rejections.KIND
KINDS = (BILL, SUPPLIER, GL_ACCOUNT, COST_CENTER, ORDER, APPROVAL, PAYMENT, WEBHOOK)


@dataclass(frozen=True)
class WebhookKeys:
    """The webhook secrets configured now (per source) and the Airbase signature mode, for replays."""

    secrets: dict[str, Secrets] = field(default_factory=dict)
    airbase_mode: str = "body"
    tolerance_s: float = TOLERANCE_S

    def __repr__(self) -> str:
        return f"WebhookKeys({ {k: len(v) for k, v in self.secrets.items()} }, mode={self.airbase_mode!r})"


@dataclass
class ReplayOutcome:
    """What one replay did to one quarantine item."""

    item_id: int
    kind: str
    record_key: str
    resolved: bool
    message: str
    attempts: int
    reports: list[SyncReport] = field(default_factory=list)


def find_item(store: LedgerStore, item_id: int) -> QuarantineItem | None:
    """The quarantine item with this id, open or resolved."""
    return next((i for i in store.quarantined(include_resolved=True) if i.id == item_id), None)


def _mark_replayed(store: LedgerStore, item: QuarantineItem) -> None:
    """Resolve the item (if the push did not already) and stamp the replay."""
    now = datetime.now(UTC)
    table = schema.quarantine
    with store.transaction() as tx:
        tx.conn.execute(
            update(table)
            .where(table.c.id == item.id)
            .values(resolved_at=func.coalesce(table.c.resolved_at, now), replayed_at=now)
        )


def _still_broken(store: LedgerStore, item: QuarantineItem, reason: str, ctx: RunContext) -> None:
    """Keep the item open with one more attempt (the record did not go through)."""
    with store.transaction() as tx:
        tx.quarantine(item.kind, item.record_key, item.payload, reason, run_id=ctx.run_id)


def _quarantined_again(reports: list[SyncReport], key: str) -> str | None:
    for report in reports:
        if key in report.quarantined:
            return report.quarantined[key]
    return None


def _replay_bill(
    item: QuarantineItem, visma: VismaClient, airbase: AirbaseClient, store: LedgerStore, ctx: RunContext
) -> tuple[list[SyncReport], str | None]:
    window = Window.days(datetime.now(UTC).date())
    pulled = pull_invoices_by_key(visma, [item.record_key], store, ctx, window)
    pushed = push_bills(airbase, visma, store, ctx, window, only=[item.record_key])
    if pushed.read == 0:
        return [pulled, pushed], f"replay found no invoice {item.record_key} in Visma or the ledger"
    return [pulled, pushed], None


def _replay_supplier(
    item: QuarantineItem, visma: VismaClient, airbase: AirbaseClient, store: LedgerStore, ctx: RunContext
) -> tuple[list[SyncReport], str | None]:
    if item.record_key.startswith("airbase:"):
        # An Airbase-born vendor: the vendor push links every unlinked vendor (found by name first).
        return [push_vendors(airbase, visma, store, ctx)], None
    pulled = SyncReport("visma/suppliers")
    pull_suppliers_by_number(visma, [item.record_key], store, ctx, pulled)
    pushed = push_vendors(airbase, visma, store, ctx, only={item.record_key})
    if pushed.read == 0:
        return [pulled, pushed], f"replay found no supplier {item.record_key} in Visma or the ledger"
    return [pulled, pushed], None


def _entry_status(airbase: AirbaseClient, entry_id: str) -> str | None:
    entry = airbase.get_ledger_entry(entry_id)
    return entry.status if entry is not None else None


def _already_resolved(item: QuarantineItem) -> ReplayOutcome | None:
    if item.resolved_at is None:
        return None
    message = f"already resolved at {item.resolved_at.isoformat()}; nothing to replay"
    return ReplayOutcome(item.id, item.kind, item.record_key, True, message, item.attempts)


def replay_webhook(
    item: QuarantineItem, store: LedgerStore, ctx: RunContext, keys: WebhookKeys
) -> ReplayOutcome:
    """Verify a refused delivery again with today's secrets; into the inbox if it passes."""
    done = _already_resolved(item)
    if done is not None:
        return done
    result = rejections.replay(
        store.engine,
        item.payload if isinstance(item.payload, dict) else {},
        keys.secrets,
        airbase_mode=keys.airbase_mode,
        tolerance_s=keys.tolerance_s,
    )
    outcome = ReplayOutcome(item.id, item.kind, item.record_key, result.resolved, "", item.attempts)
    if result.resolved:
        _mark_replayed(store, item)
        outcome.message = result.message
    else:
        _still_broken(store, item, result.message, ctx)
        outcome.message = f"still refused: {result.message}"
    current = find_item(store, item.id)
    outcome.attempts = current.attempts if current else item.attempts
    return outcome


def replay_item(
    item: QuarantineItem,
    visma: VismaClient,
    airbase: AirbaseClient,
    store: LedgerStore,
    ctx: RunContext,
    webhooks: WebhookKeys | None = None,
) -> ReplayOutcome:
    """Put one quarantined record through its sync step again."""
    key = item.record_key
    outcome = ReplayOutcome(item.id, item.kind, key, False, "", item.attempts)
    done = _already_resolved(item)
    if done is not None:
        return done
    missing: str | None = None
    if item.kind == WEBHOOK:
        return replay_webhook(item, store, ctx, webhooks or WebhookKeys())
    if item.kind == BILL:
        outcome.reports, missing = _replay_bill(item, visma, airbase, store, ctx)
    elif item.kind == SUPPLIER:
        outcome.reports, missing = _replay_supplier(item, visma, airbase, store, ctx)
    elif item.kind == GL_ACCOUNT:
        outcome.reports = [pull_gl_accounts(visma, store, ctx), push_accounts(airbase, store, ctx)]
    elif item.kind == COST_CENTER:
        outcome.reports = [pull_dimensions(visma, store, ctx), push_tags(airbase, visma, store, ctx)]
    elif item.kind == ORDER:
        day = next((s.day for s in store.snapshots(ORDER, visma_ids=[key])), None)
        outcome.message = f"purchase order {key} is replayed by the next sync of its day" + (
            f": vab sync --date {day}" if day else ""
        )
        return outcome
    elif item.kind in (APPROVAL, PAYMENT):
        return _replay_airbase_retry(item, outcome, visma, airbase, store, ctx)
    else:
        outcome.message = f"no replay for quarantined {item.kind} records"
        return outcome
    if missing is not None:
        _still_broken(store, item, missing, ctx)
        reason: str | None = missing
    else:
        reason = _quarantined_again(outcome.reports, key)
    if reason is None:
        _mark_replayed(store, item)
        outcome.resolved = True
        outcome.message = f"{item.kind} {key} went through"
    else:
        outcome.message = f"{item.kind} {key} is still quarantined: {reason}"
    current = find_item(store, item.id)
    outcome.attempts = current.attempts if current else item.attempts
    return outcome


def _replay_airbase_retry(
    item: QuarantineItem,
    outcome: ReplayOutcome,
    visma: VismaClient,
    airbase: AirbaseClient,
    store: LedgerStore,
    ctx: RunContext,
) -> ReplayOutcome:
    """Approvals and payments are retried by Airbase: once the cause is fixed there, the entry goes
    from ``sync_error`` back to ``sync_ready`` and the next approval/payment sync takes it."""
    key = item.record_key
    step = sync_bill_approvals if item.kind == APPROVAL else sync_payments
    failure = None
    try:
        outcome.reports = [step(airbase, visma, store, ctx)]
    except (AuthError, RateLimited):
        raise
    except RemoteError as error:
        failure = str(error)
    status = _entry_status(airbase, key)
    done = status == "sync_complete"
    if item.kind == PAYMENT:
        row = journal.get(store.engine, key)
        done = done and (row is None or row.state == "acknowledged")
    if done:
        _mark_replayed(store, item)
        outcome.resolved = True
        outcome.message = f"{item.kind} {key} went through (Airbase entry sync_complete)"
    elif failure is not None:
        outcome.message = f"{item.kind} {key} not through yet, the sync failed: {failure}"
    elif status == "sync_error":
        outcome.message = (
            f"{item.kind} {key} is retried by Airbase: once the cause is fixed, Airbase moves the entry "
            "from sync_error to sync_ready and the next sync (this one ran) posts it"
        )
    else:
        reason = _quarantined_again(outcome.reports, key)
        outcome.message = f"{item.kind} {key} is {status or 'gone from Airbase'}" + (
            f": {reason}" if reason else ""
        )
    current = find_item(store, item.id)
    outcome.attempts = current.attempts if current else item.attempts
    return outcome


def replay(
    items: list[QuarantineItem],
    visma: VismaClient,
    airbase: AirbaseClient,
    store: LedgerStore,
    ctx: RunContext,
    webhooks: WebhookKeys | None = None,
) -> list[ReplayOutcome]:
    """Replay the items in order. Reference kinds (whole-chart pushes) run once per kind."""
    outcomes: list[ReplayOutcome] = []
    done_kinds: dict[str, ReplayOutcome] = {}
    for item in items:
        if item.kind in (GL_ACCOUNT, COST_CENTER) and item.kind in done_kinds:
            # The whole kind was replayed already: judge this item by what that replay did.
            current = find_item(store, item.id) or item
            first = done_kinds[item.kind]
            reason = _quarantined_again(first.reports, item.record_key)
            resolved = current.resolved_at is not None
            if not resolved and reason is None:
                _mark_replayed(store, item)
                resolved = True
            message = "went through" if resolved else f"still quarantined: {reason or first.message}"
            outcomes.append(
                ReplayOutcome(item.id, item.kind, item.record_key, resolved, message, current.attempts)
            )
            continue
        outcome = replay_item(item, visma, airbase, store, ctx, webhooks)
        done_kinds.setdefault(item.kind, outcome)
        outcomes.append(outcome)
    return outcomes
