"""The payment journal: intent is written before any Visma write, so no crash can post twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from visma_airbase_pipeline.ledger import schema

#: The states in order; a payment only ever moves forward.
STATES = ("pending", "posted", "released", "acknowledged")


@dataclass
class JournalEntry:
    """One Airbase payment's progress towards exactly one released Visma payment."""

    airbase_payment_id: str
    state: str
    supplier: str
    currency: str
    amount: Decimal
    invoices: str
    visma_payment_nbr: str | None = None
    last_error: str | None = None


def _text(value: object) -> str | None:
    return str(value) if value else None


def _entry(row: dict[str, object]) -> JournalEntry:
    return JournalEntry(
        airbase_payment_id=str(row["airbase_payment_id"]),
        state=str(row["state"]),
        supplier=str(row["supplier"]),
        currency=str(row["currency"]),
        amount=Decimal(str(row["amount"])),
        invoices=str(row["invoices"]),
        visma_payment_nbr=_text(row["visma_payment_nbr"]),
        last_error=_text(row["last_error"]),
    )


def get(engine: Engine, payment_id: str) -> JournalEntry | None:
    """The journal row of a payment, if its intent was ever written."""
    table = schema.payment_journal
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.airbase_payment_id == payment_id)).mappings().first()
    return _entry(dict(row)) if row else None


def entries(engine: Engine, state: str | None = None) -> list[JournalEntry]:
    """All journal rows (in one state, if given)."""
    table = schema.payment_journal
    query = select(table).order_by(table.c.created_at)
    if state is not None:
        query = query.where(table.c.state == state)
    with engine.connect() as conn:
        return [_entry(dict(row)) for row in conn.execute(query).mappings()]


def record_intent(engine: Engine, entry: JournalEntry, run_id: str | None) -> JournalEntry:
    """Write the intent (state ``pending``) unless the payment already has a row; returns the row."""
    existing = get(engine, entry.airbase_payment_id)
    if existing is not None:
        return existing
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            schema.payment_journal.insert().values(
                airbase_payment_id=entry.airbase_payment_id,
                state="pending",
                supplier=entry.supplier,
                currency=entry.currency,
                amount=f"{entry.amount:f}",
                invoices=entry.invoices,
                run_id=run_id,
                created_at=now,
                updated_at=now,
            )
        )
    entry.state = "pending"
    return entry


def advance(engine: Engine, payment_id: str, state: str, *, visma_payment_nbr: str | None = None) -> None:
    """Move a payment forward (never back); the Visma number is kept once known."""
    if state not in STATES:
        raise ValueError(f"unknown journal state {state!r}")
    table = schema.payment_journal
    values: dict[str, object] = {"state": state, "updated_at": datetime.now(UTC), "last_error": None}
    if visma_payment_nbr is not None:
        values["visma_payment_nbr"] = visma_payment_nbr
    earlier = list(STATES[: STATES.index(state)])
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.airbase_payment_id == payment_id, table.c.state.in_(earlier))
            .values(**values)
        )


def note_error(engine: Engine, payment_id: str, message: str) -> None:
    """Keep the last failure of a payment that will be retried (its state does not move)."""
    table = schema.payment_journal
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.airbase_payment_id == payment_id)
            .values(last_error=message, updated_at=datetime.now(UTC))
        )
