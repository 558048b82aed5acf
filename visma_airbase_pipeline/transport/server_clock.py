"""The server's own clock, read from the ``Date`` header of its answers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests


class ServerClock:
    """When the server answered the first request of a read, by its clock: where the next read of
    "what changed since" may start without trusting ours (or theirs) to agree to the minute."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def note(self, response: requests.Response) -> None:
        """Keep the first answer's ``Date``; an absent or unreadable header leaves ``at`` unset."""
        if self.at is not None:
            return
        try:
            stamp = parsedate_to_datetime(response.headers.get("Date", ""))
        except (TypeError, ValueError):
            return
        self.at = stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
