"""Why a record could not be mapped (quarantined) or should not be (skipped)."""

from __future__ import annotations


class MappingError(ValueError):
    """The record cannot become an Airbase payload; the reason is shown to people and kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Skip(Exception):
    """The record is valid but is not something Airbase should hold (e.g. a voided invoice)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
