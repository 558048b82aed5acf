"""Checks of dates and text read from Visma before they go to Airbase: plausible business dates, and
text without control characters. Anything else in text (quotes, semicolons, markup, right-to-left
marks, emoji, zero-width joiners) is data and passes through unchanged; it is stored with bound
parameters and sent as JSON, so it is never interpreted.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from visma_airbase_pipeline.mapping.errors import MappingError

#: Business dates outside these years are data errors (``0001-01-01``, ``9999-12-31`` placeholders).
FIRST_DATE: Final = date(1900, 1, 1)
LAST_DATE: Final = date(2099, 12, 31)
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS: Final = re.compile(r"[\t\n\r]")


def require_date(value: date | None, what: str) -> date:
    """A business date within 1900..2099 (anything else is a placeholder or a typo)."""
    if value is None:
        raise MappingError(f"{what} is missing")
    if not FIRST_DATE <= value <= LAST_DATE:
        raise MappingError(f"{what} {value.isoformat()} is out of range ({FIRST_DATE} to {LAST_DATE})")
    return value


def clean_text(value: str | None, what: str, *, multiline: bool = False) -> str:
    """Text as given (unicode, quotes and all), refusing control characters such as NUL that no
    name or memo holds; tabs and line breaks only where ``multiline``."""
    text = value or ""
    bad = _CONTROL.search(text) or (None if multiline else _LINE_BREAKS.search(text))
    if bad:
        raise MappingError(
            f"{what} contains a control character (U+{ord(bad.group()):04X}) at position {bad.start() + 1}"
        )
    return text
