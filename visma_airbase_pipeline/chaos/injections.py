"""What the soak does to the connector: fault episodes on the two APIs (429 storms, 5xx, answers
lost after the write committed, responses slower than the client's timeout, tokens expiring
mid-run), misbehaving webhook delivery, and the tally of what was injected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from visma_airbase_pipeline.sandbox.admin_client import SandboxAdmin

VISMA_API = r"/v[12]/"
AIRBASE_API = r"/v1/accounting"
WRITES = ("POST", "PUT", "PATCH")


TOKENS_REVOKED = "tokens revoked"
STALE_ETAGS = "stale ETags"


@dataclass(frozen=True)
class Episode:
    """A spell of API trouble on both sandboxes: fault rules, and optionally Visma tokens revoked
    every few seconds and conditional writes racing a concurrent edit."""

    name: str
    visma_rules: tuple[dict[str, Any], ...] = ()
    airbase_rules: tuple[dict[str, Any], ...] = ()
    revoke_tokens_every_s: float | None = None
    concurrent_edit_rate: float | None = None

    def kinds(self) -> list[str]:
        """The fault kinds this episode injects (how the tally names them)."""
        return [
            self.name,
            *([TOKENS_REVOKED] if self.revoke_tokens_every_s else []),
            *([STALE_ETAGS] if self.concurrent_edit_rate else []),
        ]


def episodes(read_timeout_s: float) -> list[Episode]:
    """The API fault episodes, in the order the soak cycles through them."""
    slow = read_timeout_s + 1.5
    lost_answers = tuple({"method": m, "status": 503, "after_commit": True, "rate": 0.2} for m in WRITES)
    return [
        Episode(
            "429 storm",
            ({"path": VISMA_API, "status": 429, "retry_after": 1, "rate": 0.4},),
            ({"path": AIRBASE_API, "status": 429, "retry_after": 1, "rate": 0.4},),
            revoke_tokens_every_s=4.0,
            concurrent_edit_rate=0.3,
        ),
        Episode(
            "5xx and lost answers",
            (
                {"path": VISMA_API, "status": 503, "rate": 0.12},
                {"path": VISMA_API, "status": 502, "rate": 0.05, "body": "gateway"},
                *({**rule, "path": VISMA_API} for rule in lost_answers),
            ),
            (
                {"path": AIRBASE_API, "status": 500, "rate": 0.1},
                {"path": AIRBASE_API, "status": 504, "rate": 0.05, "body": "html"},
                *({**rule, "path": AIRBASE_API} for rule in lost_answers),
            ),
            revoke_tokens_every_s=4.0,
            concurrent_edit_rate=0.5,
        ),
        Episode(
            "timeouts",
            (
                {"method": "GET", "path": VISMA_API, "delay_s": slow, "rate": 0.25},
                *(
                    {"method": m, "path": VISMA_API, "delay_s": slow, "after_commit": True, "rate": 0.25}
                    for m in WRITES
                ),
            ),
            (
                {"method": "GET", "path": AIRBASE_API, "delay_s": slow, "rate": 0.25},
                {"method": "POST", "path": AIRBASE_API, "delay_s": slow, "after_commit": True, "rate": 0.25},
            ),
            revoke_tokens_every_s=4.0,
            concurrent_edit_rate=0.3,
        ),
    ]


@dataclass
class Tally:
    """What was injected, by fault kind, and the connector-visible answers the sandboxes gave."""

    fired: Counter[str] = field(default_factory=Counter)
    episodes: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "fired": dict(self.fired),
            "episodes": dict(self.episodes),
            "kills": dict(self.kills),
            "actions": dict(self.actions),
        }


class FaultPlanter:
    """Runs one episode at a time on both sandboxes and counts how often each of its faults hit."""

    def __init__(self, visma: SandboxAdmin, airbase: SandboxAdmin, tally: Tally, seed: int) -> None:
        self.visma = visma
        self.airbase = airbase
        self.tally = tally
        self.seed = seed
        self.current: Episode | None = None
        self._statuses_before: Counter[int] = Counter()
        self._revoked_at = 0.0

    def start(self, episode: Episode) -> None:
        """Replace whatever episode is on with ``episode``."""
        self.stop()
        self.current = episode
        self.tally.episodes[episode.name] += 1
        self.seed += 1
        self._statuses_before = status_counts(self.visma)
        for admin, rules in ((self.visma, episode.visma_rules), (self.airbase, episode.airbase_rules)):
            if rules:
                admin.post("faults", {"rules": list(rules), "seed": self.seed})
        if episode.concurrent_edit_rate:
            self.visma.post("config", {"concurrent_edit_rate": episode.concurrent_edit_rate})

    def tick(self, now: float) -> None:
        """What the current episode does repeatedly: revoke the Visma tokens."""
        every = self.current.revoke_tokens_every_s if self.current else None
        if every is not None and now - self._revoked_at >= every:
            self.visma.post("tokens/expire")
            self._revoked_at = now

    def hits(self) -> Counter[str]:
        """How often each fault kind of the current episode has hit the connector so far."""
        episode = self.current
        found: Counter[str] = Counter()
        if episode is None:
            return found
        found[episode.name] = sum(
            int(rule["fired"])
            for admin in (self.visma, self.airbase)
            for rule in admin.get("faults")["rules"]
        )
        if episode.revoke_tokens_every_s or episode.concurrent_edit_rate:
            answers = status_counts(self.visma)
            if episode.revoke_tokens_every_s:
                found[TOKENS_REVOKED] = answers[401] - self._statuses_before[401]
            if episode.concurrent_edit_rate:
                found[STALE_ETAGS] = answers[412] - self._statuses_before[412]
        return found

    def own_hits(self) -> int:
        """The hits of the current episode's own rules (what decides when it has done its part)."""
        return self.hits()[self.current.name] if self.current else 0

    def stop(self) -> None:
        """End the current episode: count what hit, remove its rules, restore the Visma config."""
        episode = self.current
        if episode is None:
            return
        self.tally.fired.update(self.hits())
        self.current = None
        for admin in (self.visma, self.airbase):
            admin.delete("faults")
        if episode.concurrent_edit_rate:
            self.visma.post("config", {"concurrent_edit_rate": 0})


def webhook_misbehaviour(drop: float, duplicate: float, reorder: float) -> dict[str, float]:
    """How the sandboxes' webhook senders misbehave (``POST /_sandbox/webhooks`` fields)."""
    return {"drop": drop, "duplicate": duplicate, "reorder": reorder}


def webhook_tally(admin: SandboxAdmin) -> Counter[str]:
    """Deliveries dropped on purpose, duplicated, and attempts that found the receiver down."""
    log = admin.get("webhooks")
    counts: Counter[str] = Counter()
    for delivery in log["deliveries"]:
        counts["events"] += delivery["copy"] == 1
        counts["dropped"] += bool(delivery["dropped"])
        counts["duplicated"] += delivery["copy"] == 2
        counts["receiver down"] += sum(1 for s in delivery["statuses"] if not isinstance(s, int) or s >= 500)
    return counts


def status_counts(admin: SandboxAdmin) -> Counter[int]:
    """Answers the sandbox gave, by HTTP status (faults, budgets and the real thing alike)."""
    counts: Counter[int] = Counter()
    for row in admin.get("stats"):
        counts[int(row["status"])] += int(row["count"])
    return counts
