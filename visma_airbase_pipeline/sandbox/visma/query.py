"""List queries of the ERP API: filters, date conditions, delta, paging and the page cache
(api/visma.md section 6).

A list request is parsed into predicates plus a cache key. The filtered, ordered list of records
is cached per (resource, filters) and keyed by the collection version counter, so page N of a
100,000-record pull costs O(pageSize), and any change to the collection invalidates it (rows
changing mid-pull shift pages, as they do in the real API).
"""

from __future__ import annotations

import operator
import random
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.visma.store import Entry

T = TypeVar("T")
FilterKind = Literal["text", "choice", "bool", "date", "member"]
Predicate = Callable[[Entry], bool]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
DEFAULT_PAGE_SIZE = 100
PAGING_PARAMS = ("pageNumber", "pageSize")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)?")


def parse_query_time(value: str, param: str) -> datetime:
    """A query date: ``yyyy-MM-dd`` or ``yyyy-MM-dd[T ]HH:mm:ss[.FFF]``, naive (no offset, no ``Z``)."""
    text = value.strip()
    if not _DATE_RE.fullmatch(text):
        raise ApiError(
            400,
            f"The value '{value}' of the parameter '{param}' is not a valid date "
            "(expected yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss[.FFF]).",
        )
    text = text.replace(" ", "T")
    if "." in text:
        head, fraction = text.split(".")
        text = f"{head}.{fraction[:6].ljust(6, '0')}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"The value '{value}' of the parameter '{param}' is not a valid date.") from None


@dataclass(frozen=True)
class Filter:
    """One documented query filter: its parameter, how it compares, and what it reads from a record."""

    param: str
    kind: FilterKind
    get: Callable[[Entry], Any]
    choices: tuple[str, ...] = ()
    # Applied to both sides of a text comparison (``module=AP`` matches ``ModuleAP``).
    normalize: Callable[[str], str] | None = None

    @property
    def params(self) -> tuple[str, ...]:
        """Every query parameter this filter owns (dates add their ``…Condition``)."""
        return (self.param, f"{self.param}Condition") if self.kind == "date" else (self.param,)


@dataclass(frozen=True)
class ListSpec:
    """What one list endpoint accepts: its filters, whether it pages, and its extra known parameters."""

    resource: str
    filters: tuple[Filter, ...]
    paginated: bool = True
    extra_params: tuple[str, ...] = ()
    # /v2/journaltransaction: lastModifiedDateTime alone means "since" (>=).
    since_without_condition: tuple[str, ...] = ()

    def known(self) -> frozenset[str]:
        """Every parameter strict mode accepts."""
        names = [p for f in self.filters for p in f.params] + list(self.extra_params)
        return frozenset(names + (list(PAGING_PARAMS) if self.paginated else []))


@dataclass
class ListQuery:
    """A parsed list request."""

    predicates: list[Predicate] = field(default_factory=list)
    key: tuple[Hashable, ...] = ()
    page_number: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    given: dict[str, str] = field(default_factory=dict)

    def matches(self, entry: Entry) -> bool:
        """True when every filter accepts the record."""
        return all(p(entry) for p in self.predicates)


def _text(value: Any) -> str:
    return "" if value is None else str(value).casefold()


def _build(spec: ListSpec, flt: Filter, params: Mapping[str, str]) -> tuple[Predicate, Hashable] | None:
    raw = params.get(flt.param)
    get = flt.get
    if flt.kind == "date":
        cond_name = f"{flt.param}Condition"
        cond = params.get(cond_name)
        if raw is None and cond is None:
            return None
        if cond is None and flt.param in spec.since_without_condition:
            cond = ">="
        if raw is None or cond is None:
            missing = cond_name if raw is not None else flt.param
            raise ApiError(400, f"The parameter '{missing}' is required together with '{flt.param}'.")
        if cond.strip() not in OPERATORS:
            raise ApiError(
                400, f"The value '{cond}' of '{cond_name}' is not a valid condition (use >, <, >= or <=)."
            )
        compare, bound = OPERATORS[cond.strip()], parse_query_time(raw, flt.param)

        def when(entry: Entry) -> bool:
            """True when the record's date satisfies the condition (records without one never do)."""
            value = get(entry)
            return value is not None and compare(value, bound)

        return when, (flt.param, cond.strip(), bound)
    if raw is None:
        return None
    if flt.kind == "bool":
        text = raw.strip().casefold()
        if text not in ("true", "false"):
            raise ApiError(400, f"The value '{raw}' of the parameter '{flt.param}' is not a valid boolean.")
        wanted_bool = text == "true"
        return (lambda e: bool(get(e)) == wanted_bool), (flt.param, wanted_bool)
    wanted = raw.strip().casefold()
    if flt.kind == "choice" and wanted not in {c.casefold() for c in flt.choices}:
        raise ApiError(
            400, f"The value '{raw}' of the parameter '{flt.param}' is not one of: {', '.join(flt.choices)}."
        )
    if flt.kind == "member":
        return (lambda e: wanted in {_text(v) for v in get(e)}), (flt.param, wanted)
    norm = flt.normalize or (lambda text: text)
    wanted = norm(wanted)
    return (lambda e: norm(_text(get(e))) == wanted), (flt.param, wanted)


def _positive_int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ApiError(
            400, f"The value '{raw}' of the parameter '{name}' must be a whole number of at least 1."
        )
    return int(text)


def parse_query(spec: ListSpec, params: Mapping[str, str], *, strict: bool, max_page_size: int) -> ListQuery:
    """Validate the query string of a list call; unknown parameters are ignored unless ``strict``."""
    if strict:
        unknown = sorted(set(params) - spec.known())
        if unknown:
            raise ApiError(400, f"Unknown query parameter(s): {', '.join(unknown)}.")
    query = ListQuery(given=dict(params))
    parts: list[Hashable] = [spec.resource]
    for flt in spec.filters:
        built = _build(spec, flt, params)
        if built is not None:
            query.predicates.append(built[0])
            parts.append(built[1])
    query.key = tuple(parts)
    if spec.paginated:
        query.page_number = _positive_int(params, "pageNumber", 1)
        query.page_size = min(_positive_int(params, "pageSize", DEFAULT_PAGE_SIZE), max_page_size)
    return query


def page_of(items: Sequence[T], query: ListQuery, shuffle_seed: int | None) -> list[T]:
    """The requested page of an ordered list; a shuffle fault reorders the whole set for this page."""
    if shuffle_seed is not None:
        reordered = list(items)
        random.Random(shuffle_seed).shuffle(reordered)
        items = reordered
    start = (query.page_number - 1) * query.page_size
    return list(items[start : start + query.page_size])


class PageCache:
    """Filtered, ordered record lists per (resource, filters), valid while the collections are unchanged."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._lists: OrderedDict[Hashable, tuple[Hashable, list[Any]]] = OrderedDict()

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], list[T]]) -> list[T]:
        """The cached list for ``key`` if it was computed at ``version``; else compute and keep it."""
        hit = self._lists.get(key)
        if hit is not None and hit[0] == version:
            self._lists.move_to_end(key)
            return hit[1]
        items = compute()
        self._lists[key] = (version, items)
        self._lists.move_to_end(key)
        while len(self._lists) > self._size:
            self._lists.popitem(last=False)
        return items

    def clear(self) -> None:
        """Forget every list (on reset)."""
        self._lists.clear()


DELTA_FILTERS = (
    Filter("lastModifiedDateTime", "date", lambda e: e.modified),
    Filter("createdDateTime", "date", lambda e: e.created),
)
