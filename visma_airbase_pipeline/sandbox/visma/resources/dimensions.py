"""``/v1/dimension``: the dimensions with their segments and values (not paginated), and
``PUT /v1/dimension/{dimensionId}/{segmentId}`` inserting or updating segment values → 204.

A cost centre is a value of the SUBACCOUNT dimension's single segment, so inserting a value
there also creates its subaccount (number = the value), as the ERP does. Value changes send
Dimension Changed and Segment Value Changed (id ``<dimension>/<segment>/<value>``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.visma import webhooks
from visma_airbase_pipeline.sandbox.visma.dto import UNSET, Dto, invalid
from visma_airbase_pipeline.sandbox.visma.query import DELTA_FILTERS, ListSpec
from visma_airbase_pipeline.sandbox.visma.resources.common import (
    ApiRoute,
    Call,
    check_if_match,
    list_response,
    not_found,
    single,
    updated,
)
from visma_airbase_pipeline.sandbox.visma.store import Entry, next_int, stamp

SPEC = ListSpec("dimension", DELTA_FILTERS, paginated=False, extra_params=("expandSegmentsValues",))
SUBACCOUNT = "SUBACCOUNT"


def _dimension(call: Call) -> Entry:
    wanted = call.key("dimensionId")
    col = call.store["dimension"]
    entry = col.get(wanted) or next((e for e in col if e.key.casefold() == wanted.casefold()), None)
    if entry is None:
        raise not_found(f"Dimension {wanted}")
    return entry


def _segment_index(call: Call, entry: Entry) -> int:
    raw = call.key("segmentId")
    for i, segment in enumerate(entry.data.get("segments") or []):
        if str(segment.get("segmentId")) == raw.strip():
            return i
    raise not_found(f"Segment {raw} of dimension {entry.key}")


def _without_values(data: dict[str, Any]) -> dict[str, Any]:
    segments = [{k: v for k, v in s.items() if k != "segmentValues"} for s in data.get("segments") or []]
    return {**data, "segments": segments}


async def list_dimensions(call: Call) -> Response:
    """``GET /v1/dimension[?expandSegmentsValues=true]``."""
    raw = call.request.query_params.get("expandSegmentsValues", "false").strip().casefold()
    if raw not in ("true", "false"):
        raise ApiError(
            400, f"The value '{raw}' of the parameter 'expandSegmentsValues' is not a valid boolean."
        )
    col = call.store["dimension"]

    def render(entry: Entry) -> dict[str, Any]:
        """Segment values only when asked for, as the list endpoint does."""
        return entry.read() if raw == "true" else _without_values(entry.read())

    return list_response(call, SPEC, lambda: col, col.version, render)


async def get_dimension(call: Call) -> Response:
    """``GET /v1/dimension/{dimensionId}``: the dimension with every segment value."""
    entry = _dimension(call)
    return single(entry.read(), entry)


async def get_segment(call: Call) -> Response:
    """``GET /v1/dimension/{dimensionId}/{segmentId}``."""
    entry = _dimension(call)
    return single(entry.data["segments"][_segment_index(call, entry)], entry)


async def get_value(call: Call) -> Response:
    """``GET /v1/dimension/{dimensionId}/{segmentId}/{valueId}``."""
    entry = _dimension(call)
    segment = entry.data["segments"][_segment_index(call, entry)]
    wanted = call.key("valueId")
    for value in segment.get("segmentValues") or []:
        if value.get("valueId") == wanted:
            return single(value, entry)
    raise not_found(f"Segment value {wanted}")


def _apply_value(value: dict[str, Any], dto: Dto) -> None:
    description = dto.text("description", max_len=60)
    if description is not UNSET:
        value["description"] = description
    active = dto.boolean("active")
    if active is None:
        raise invalid(dto.name("active"), "cannot be null.")
    if active is not UNSET:
        value["active"] = active


def _sync_subaccount(call: Call, dimension: Entry, segment: dict[str, Any], value: dict[str, Any]) -> None:
    """Keep the cost centre's subaccount in step with its segment value (single-segment SUBACCOUNT)."""
    if dimension.key != SUBACCOUNT or len(dimension.data.get("segments") or []) != 1:
        return
    col, clock = call.store["subaccount"], call.store.clock
    entry = col.get(value["valueId"])
    if entry is None:
        col.add(
            {
                "subaccountId": next_int(col, "subaccountId", 301),
                "subaccountNumber": value["valueId"],
                "description": value.get("description"),
                "active": value.get("active", True),
                "segments": [{"segmentId": segment["segmentId"], "segmentValue": value["valueId"]}],
            },
            clock,
        )
    else:
        entry.data = {
            **entry.data,
            "description": value.get("description"),
            "active": value.get("active", True),
        }
        col.touch(entry, clock)


async def put_segment_values(call: Call) -> Response:
    """``PUT /v1/dimension/{dimensionId}/{segmentId}`` with ``segmentValues`` Insert/Update → 204."""
    dimension = _dimension(call)
    index = _segment_index(call, dimension)
    check_if_match(call, dimension)
    dto = await call.body()
    items = dto.items("segmentValues")
    if items is UNSET:
        raise invalid("segmentValues", "is required.")
    segment = dict(dimension.data["segments"][index])
    values = [dict(v) for v in segment.get("segmentValues") or []]
    length = segment.get("length")
    now = stamp(call.store.clock.now())
    changed: list[dict[str, Any]] = []
    for item in items:
        operation = item.operation()
        raw = item.body.get("value")
        if not isinstance(raw, str) or not raw.strip():
            raise invalid(item.name("value"), "must be a non-empty plain string (not wrapped).")
        if isinstance(length, int) and len(raw) > length:
            raise invalid(item.name("value"), f"'{raw}' is longer than the segment length {length}.")
        existing = next((v for v in values if v.get("valueId") == raw), None)
        if operation == "Delete":
            raise invalid(item.name("operation"), "segment values cannot be deleted; set active to false.")
        if operation == "Insert":
            if existing is not None:
                raise invalid(item.name("value"), f"Segment value '{raw}' already exists.")
            existing = {"valueId": raw, "description": "", "active": True, "createdDateTime": now}
            values.append(existing)
        elif existing is None:
            raise invalid(item.name("value"), f"Segment value '{raw}' does not exist.")
        _apply_value(existing, item)
        existing["lastModifiedDateTime"] = now
        changed.append(existing)
    segment["segmentValues"] = values
    segments = list(dimension.data["segments"])
    segments[index] = segment
    dimension.data = {**dimension.data, "segments": segments}
    call.store["dimension"].touch(dimension, call.store.clock)
    for value in changed:
        _sync_subaccount(call, dimension, segment, value)
    call.sb.notify(webhooks.DIMENSION, webhooks.CHANGED, dimension.key)
    for value in changed:
        ident = f"{dimension.key}/{segment['segmentId']}/{value['valueId']}"
        call.sb.notify(webhooks.DIMENSION, webhooks.SEGMENT_VALUE_CHANGED, ident)
    return updated(dimension)


ROUTES = [
    ApiRoute("/dimension", "GET", list_dimensions),
    ApiRoute("/dimension/{dimensionId}", "GET", get_dimension),
    ApiRoute("/dimension/{dimensionId}/{segmentId}", "GET", get_segment),
    ApiRoute("/dimension/{dimensionId}/{segmentId}", "PUT", put_segment_values, "update"),
    ApiRoute("/dimension/{dimensionId}/{segmentId}/{valueId}", "GET", get_value),
]
