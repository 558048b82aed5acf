from datetime import UTC, datetime

import requests

from visma_airbase_pipeline.transport import ServerClock


def _answer(date: str | None) -> requests.Response:
    response = requests.Response()
    if date is not None:
        response.headers["Date"] = date
    return response


def test_keeps_the_first_answers_date_in_utc():
    clock = ServerClock()
    clock.note(_answer("Wed, 25 Nov 2026 20:15:03 GMT"))
    clock.note(_answer("Wed, 25 Nov 2026 20:16:00 GMT"))
    assert clock.at == datetime(2026, 11, 25, 20, 15, 3, tzinfo=UTC)


def test_no_or_unreadable_date_leaves_it_unset_until_a_readable_one():
    clock = ServerClock()
    clock.note(_answer(None))
    clock.note(_answer("yesterday-ish"))
    assert clock.at is None
    clock.note(_answer("Wed, 25 Nov 2026 20:15:03 +0100"))
    assert clock.at == datetime(2026, 11, 25, 19, 15, 3, tzinfo=UTC)
