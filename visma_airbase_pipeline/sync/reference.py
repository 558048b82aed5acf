"""GL accounts and cost centres: Visma -> Airbase, and cost centres born in Airbase -> Visma."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.ledger import CrosswalkRow, LedgerStore, Transition
from visma_airbase_pipeline.mapping import MappingError
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.mapping.reference import (
    COST_CENTER_TAG_TYPE,
    account_to_airbase,
    cost_center_tag_id,
    next_segment_value,
    segment_value_to_tag,
    tag_to_segment_insert,
)
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.creates import create_without_twin
from visma_airbase_pipeline.sync.pull import pull
from visma_airbase_pipeline.sync.push import BulkUpsert, Candidate, push, quarantine
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.models import Account, SegmentValue

GL_ACCOUNT = "gl_account"
COST_CENTER = "cost_center"


def pull_gl_accounts(visma: VismaClient, store: LedgerStore, ctx: RunContext) -> SyncReport:
    """Snapshot the whole chart of accounts (one call: the endpoint is not paginated)."""
    report = SyncReport("visma/gl_accounts")
    pull(GL_ACCOUNT, visma.list_accounts(), lambda a: a.account_cd, store, ctx, report)
    return report


def push_accounts(airbase: AirbaseClient, store: LedgerStore, ctx: RunContext) -> SyncReport:
    """Upsert changed GL accounts into Airbase inside the reference sync bracket."""
    report = SyncReport("airbase/accounts")
    _push_reference(
        GL_ACCOUNT,
        lambda raw: account_to_airbase(read_record(Account, raw, "GL account"), ctx.company),
        airbase.upsert_accounts,
        airbase,
        store,
        ctx,
        report,
    )
    return report


def _push_reference(
    kind: str,
    to_airbase: Callable[[dict[str, Any]], dict[str, Any]],
    upsert: BulkUpsert,
    airbase: AirbaseClient,
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
) -> None:
    """Map every snapshot of a reference kind (quarantining what cannot be mapped) and upsert the
    changed ones inside Airbase's reference sync bracket."""
    candidates = []
    for snap in store.snapshots(kind):
        report.read += 1
        try:
            payload = to_airbase(snap.payload)
        except MappingError as error:
            quarantine(kind, snap.visma_id, snap.payload, error.reason, store, ctx, report)
            continue
        candidates.append(Candidate(snap.visma_id, payload, snap.source_modified))
    airbase.start_sync()
    push(kind, candidates, upsert, store, ctx, report)
    airbase.complete_sync()


def pull_dimensions(visma: VismaClient, store: LedgerStore, ctx: RunContext) -> SyncReport:
    """Snapshot the cost-centre values of the SUBACCOUNT dimension (not paginated)."""
    report = SyncReport("visma/dimensions")
    _snapshot_cost_centers(visma, store, ctx, report)
    return report


def _snapshot_cost_centers(
    visma: VismaClient, store: LedgerStore, ctx: RunContext, report: SyncReport
) -> None:
    dimension = visma.get_dimension(ctx.company.cost_center_dimension)
    if dimension is None:
        report.notes.append(f"dimension {ctx.company.cost_center_dimension} not found in Visma")
        return
    values: list[SegmentValue] = []
    for segment in dimension.segments:
        if segment.segment_id == ctx.company.cost_center_segment:
            values.extend(segment.segment_values)
    pull(COST_CENTER, values, lambda v: v.value_id, store, ctx, report)


def push_tags(airbase: AirbaseClient, visma: VismaClient, store: LedgerStore, ctx: RunContext) -> SyncReport:
    """Cost centres created in Airbase become Visma segment values; then Visma's go to Airbase."""
    report = SyncReport("airbase/tags")
    if _link_airbase_born_tags(airbase, visma, store, ctx, report):
        # The new Visma values are pushed in this same run, not discovered by the next pull.
        _snapshot_cost_centers(visma, store, ctx, SyncReport("visma/dimensions"))
    _push_reference(
        COST_CENTER,
        lambda raw: segment_value_to_tag(read_record(SegmentValue, raw, "cost centre"), ctx.company),
        airbase.upsert_tags,
        airbase,
        store,
        ctx,
        report,
    )
    return report


def _link_airbase_born_tags(
    airbase: AirbaseClient, visma: VismaClient, store: LedgerStore, ctx: RunContext, report: SyncReport
) -> int:
    """Create Visma values for Airbase-born cost-centre tags and link them; returns how many."""
    born = [
        t for t in airbase.iter_tags() if t.type == COST_CENTER_TAG_TYPE and not t.is_linked and t.airbase_id
    ]
    if not born:
        return 0
    linked = 0
    existing = _cost_centre_names(visma, ctx)
    for tag in born:
        name = (tag.name or "").strip()
        try:
            # A crash after the Visma insert but before the Airbase link leaves a value of that
            # name: reuse it rather than inserting a twin.
            code, created = _find_or_insert_cost_centre(visma, ctx, existing, name)
        except MappingError as error:
            quarantine(
                COST_CENTER, f"airbase:{tag.airbase_id}", tag.model_dump(), error.reason, store, ctx, report
            )
            continue
        link = {
            "airbase_id": tag.airbase_id,
            "erp_reference_id": cost_center_tag_id(code),
            "name": name,
            "type": COST_CENTER_TAG_TYPE,
            "subsidiary_reference_ids": ctx.company.subsidiary_refs(),
        }
        result = airbase.upsert_tags([link])
        if 0 not in result.stored_indexes:
            reason = (
                f"Airbase did not accept the link to Visma cost centre {code}: {result.errors_by_index()}"
            )
            quarantine(COST_CENTER, f"airbase:{tag.airbase_id}", link, reason, store, ctx, report)
            continue
        transition = Transition(
            COST_CENTER,
            "created_in_visma" if created else "linked",
            visma_id=code,
            airbase_id=tag.airbase_id,
            run_id=ctx.run_id,
            partition=ctx.partition,
            reason=f"cost centre {name!r} created in Airbase",
        )
        with store.transaction() as tx:
            tx.save_crosswalk([CrosswalkRow(COST_CENTER, code, tag.airbase_id, None, state="linked")])
            tx.record_transitions([transition])
        report.linked += 1
        report.transitions.append(transition)
        linked += 1
    return linked


def _cost_centre_names(visma: VismaClient, ctx: RunContext) -> dict[str, str]:
    """Visma's cost-centre values now: code -> description."""
    dimension = visma.get_dimension(ctx.company.cost_center_dimension)
    names: dict[str, str] = {}
    for segment in dimension.segments if dimension else []:
        if segment.segment_id == ctx.company.cost_center_segment:
            names.update({v.value_id: (v.description or "") for v in segment.segment_values if v.value_id})
    return names


def _find_or_insert_cost_centre(
    visma: VismaClient, ctx: RunContext, existing: dict[str, str], name: str
) -> tuple[str, bool]:
    """The code of the cost centre named ``name`` (inserted if Visma has none; ``existing`` kept
    current), and whether it was inserted now."""
    reread = False

    def find() -> str | None:
        nonlocal reread
        if reread:  # after an insert with no answer, ask Visma what it holds now
            existing.clear()
            existing.update(_cost_centre_names(visma, ctx))
        reread = True
        return next((c for c, d in existing.items() if d == name and name), None)

    def insert() -> str:
        code = next_segment_value(set(existing))
        visma.put_dimension_segment_values(
            ctx.company.cost_center_dimension,
            ctx.company.cost_center_segment,
            [tag_to_segment_insert(code, name)],
        )
        existing[code] = name
        return code

    return create_without_twin(find, insert)
