"""``--date D`` or ``--from D --to D``: the UTC day range `vab sync` and `vab reconcile` act on."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime


def day_range(args: argparse.Namespace) -> tuple[date, date] | None:
    """The inclusive range the arguments name (default: today); None after saying what is wrong."""
    today = datetime.now(UTC).date()
    if args.date and (args.first or args.last):
        print("Give either --date or --from/--to, not both.", file=sys.stderr)
        return None
    first = args.date or args.first or args.last or today
    last = args.date or args.last or args.first or today
    if last < first:
        print(f"--to {last} is before --from {first}.", file=sys.stderr)
        return None
    return first, last
