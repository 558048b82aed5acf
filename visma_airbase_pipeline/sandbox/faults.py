"""Fault rules installed through ``POST /_sandbox/faults``: the awkward days of a real API, on demand.

A rule matches a method and a regular expression searched in the URL path. It may answer a status
(429/5xx) instead of the real response, slow the response down, let the write commit and *then*
fail or hang (``after_commit``: a timeout whose request succeeded), or reorder list results
between pages (``shuffle``). ``nth`` counts matching calls from installation; ``times`` bounds how
often the rule fires; ``rate`` fires it at random with a seeded generator, so runs repeat.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

FaultBody = Literal["default", "gateway", "html", "text"]


class FaultRule(BaseModel):
    """One fault rule as posted by a test or an operator."""

    model_config = ConfigDict(extra="forbid")

    method: str = "*"
    path: str = ".*"
    status: Literal[429, 500, 502, 503, 504] | None = None
    retry_after: float | None = Field(default=None, ge=0)
    delay_s: float = Field(default=0.0, ge=0, le=600)
    rate: float | None = Field(default=None, ge=0, le=1)
    nth: int | None = Field(default=None, ge=1)
    times: int | None = Field(default=None, ge=1)
    after_commit: bool = False
    shuffle: bool = False
    body: FaultBody = "default"

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("path")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _does_something(self) -> FaultRule:
        if self.status is None and not self.delay_s and not self.shuffle:
            raise ValueError("a rule needs a status, a delay_s or shuffle")
        return self


@dataclass
class _ActiveRule:
    rule: FaultRule
    pattern: re.Pattern[str]
    seen: int = 0
    fired: int = 0

    def limit(self) -> int | None:
        # A rule aimed at the Nth call fires once unless told otherwise.
        return self.rule.times if self.rule.times is not None else (1 if self.rule.nth else None)


@dataclass
class FaultDecision:
    """What the middleware must do for one call."""

    status: int | None = None
    retry_after: float | None = None
    delay_s: float = 0.0
    after_commit: bool = False
    body: FaultBody = "default"
    rules: list[int] = field(default_factory=list)


class FaultBook:
    """The installed rules and their counters, shared by every request of one sandbox."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[_ActiveRule] = []
        self._rng = random.Random(seed)

    @staticmethod
    def parse(payload: Any) -> list[FaultRule]:
        """Validate a ``{"rules": [...]}`` body; raises ``ValueError`` with a readable message."""
        if not isinstance(payload, dict) or not isinstance(payload.get("rules"), list):
            raise ValueError('The body must be {"rules": [ ... ]}.')
        rules = []
        for index, raw in enumerate(payload["rules"]):
            try:
                rules.append(FaultRule.model_validate(raw))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'rule'}: {e['msg']}" for e in exc.errors()
                )
                raise ValueError(f"rules[{index}]: {problems}") from None
        return rules

    def install(self, rules: list[FaultRule], seed: int | None = None) -> None:
        """Add rules; their counters start now."""
        with self._lock:
            if seed is not None:
                self._rng = random.Random(seed)
            self._rules.extend(_ActiveRule(r, re.compile(r.path)) for r in rules)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        """The installed rules with how often each matched and fired."""
        with self._lock:
            return [
                {**a.rule.model_dump(exclude_defaults=True), "seen": a.seen, "fired": a.fired}
                for a in self._rules
            ]

    def decide(self, method: str, path: str) -> FaultDecision:
        """Count this call against every matching rule and merge the rules that fire."""
        decision = FaultDecision()
        with self._lock:
            for index, active in enumerate(self._rules):
                rule = active.rule
                if rule.shuffle or (rule.method not in ("*", method)) or not active.pattern.search(path):
                    continue
                active.seen += 1
                if rule.nth is not None and active.seen < rule.nth:
                    continue
                limit = active.limit()
                if limit is not None and active.fired >= limit:
                    continue
                if rule.rate is not None and self._rng.random() >= rule.rate:
                    continue
                active.fired += 1
                decision.rules.append(index)
                decision.delay_s = max(decision.delay_s, rule.delay_s)
                if rule.status is not None and decision.status is None:
                    decision.status = rule.status
                    decision.retry_after = rule.retry_after
                    decision.after_commit = rule.after_commit
                    decision.body = rule.body
                elif rule.after_commit and decision.status is None:
                    decision.after_commit = True
        return decision

    def shuffle_seed(self, method: str, path: str) -> int | None:
        """A fresh random seed when a shuffle rule matches (list order then changes per page)."""
        with self._lock:
            for active in self._rules:
                rule = active.rule
                if rule.shuffle and rule.method in ("*", method) and active.pattern.search(path):
                    limit = active.limit()
                    if limit is not None and active.fired >= limit:
                        continue
                    active.seen += 1
                    active.fired += 1
                    return self._rng.getrandbits(32)
        return None
