"""The seeded timeline: a 90-day window that ends at midnight (UTC) of ``today``.

Every instant in the seed is an integer count of milliseconds since the window start, so the
generators compare and shift times with plain integer arithmetic and format them only once, as
the naive Visma strings of ``api/visma.md`` section 4. Nothing is ever placed on ``today`` itself:
a seeded timestamp later than the server's clock would push a delta watermark into the future.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

DAYS = 90
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
_OFFICE_OPENS_MS = 7 * HOUR_MS
_OFFICE_CLOSES_MS = 18 * HOUR_MS
# Due dates run past the window by the longest credit term; precompute a little further.
_DATE_HORIZON_DAYS = DAYS + 120


def utc_today() -> date:
    """Today's date in UTC, the default end of the window (the sandbox compares naive times as UTC)."""
    return datetime.now(UTC).date()


class Window:
    """The 90 days before ``today`` as millisecond offsets, with cached date strings.

    Formatting dates is the hot path for 100k invoices, so the per-day strings (date, period) are
    built once here and looked up by day index.
    """

    def __init__(self, today: date) -> None:
        self.today = today
        self.start = datetime(today.year, today.month, today.day) - timedelta(days=DAYS)
        self.length_ms = DAYS * DAY_MS
        self.last_ms = self.length_ms - 1
        first = self.start.date()
        self._dates = [first + timedelta(days=d) for d in range(_DATE_HORIZON_DAYS)]
        self._day_strings = [f"{d.isoformat()}T00:00:00" for d in self._dates]
        self._periods = [f"{d.year}{d.month:02d}" for d in self._dates]

    def stamp(self, ms: int) -> str:
        """Visma date-time string with millisecond precision, e.g. ``2026-10-03T14:02:11.907``."""
        return (self.start + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")

    def stamp_seconds(self, ms: int) -> str:
        """Airbase-style naive date-time string without fraction, e.g. ``2026-10-03T09:12:44``."""
        return (self.start + timedelta(milliseconds=ms)).isoformat(timespec="seconds")

    def day(self, day: int) -> str:
        """Visma date string (midnight) of window day ``day``; days past the window are allowed."""
        return self._day_strings[day]

    def date_of(self, day: int) -> date:
        """Calendar date of window day ``day``."""
        return self._dates[day]

    def period(self, day: int) -> str:
        """Visma financial period (``YYYYMM``) of window day ``day``."""
        return self._periods[day]

    def office_time(self, rng: random.Random, day: int) -> int:
        """A random instant during office hours of ``day``: when a clerk would key a document in."""
        return day * DAY_MS + rng.randrange(_OFFICE_OPENS_MS, _OFFICE_CLOSES_MS)

    def later(self, rng: random.Random, ms: int, max_delay_ms: int, min_delay_ms: int = 1) -> int:
        """An instant after ``ms`` by a random delay, clipped to the end of the window.

        Used for ``lastModifiedDateTime``: never before the creation instant, never on ``today``.
        """
        return min(ms + rng.randint(min_delay_ms, max_delay_ms), self.last_ms)

    def clip(self, ms: int) -> int:
        """``ms`` moved back inside the window if it ran past its end."""
        return min(ms, self.last_ms)

    @staticmethod
    def day_index(ms: int) -> int:
        """Window day that contains instant ``ms``."""
        return ms // DAY_MS
