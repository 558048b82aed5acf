"""The background webhook dispatcher against a real loopback receiver."""

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from visma_airbase_pipeline.sandbox.webhooks import OutgoingEvent, WebhookSender, WebhookTarget

SECRET = "test-secret"


def _sign(raw: bytes, event: OutgoingEvent, secret: str, mode: str) -> dict[str, str]:
    return {"X-Sig": hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest(), "X-Event": event.event_id}


@pytest.fixture
def receiver():
    received: list[tuple[str, bytes, bool]] = []
    plan = {"fail_first": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            good = hmac.compare_digest(
                hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest(), self.headers["X-Sig"]
            )
            received.append((self.headers["X-Event"], raw, good))
            status = 401 if not good else 200
            if plan["fail_first"] > 0:
                plan["fail_first"] -= 1
                status = 503
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received, plan
    server.shutdown()


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _sender(url: str, **misbehaviour) -> WebhookSender:
    sender = WebhookSender(_sign, SECRET, seed=1)
    sender.configure(WebhookTarget(url=url, secret=SECRET, **misbehaviour))
    return sender


def test_delivers_signed_events_in_order(receiver):
    url, received, _ = receiver
    sender = _sender(url)
    for n in range(3):
        sender.emit(OutgoingEvent(f"e{n}", {"n": n}))
    assert _wait(lambda: len(received) == 3)
    assert [r[0] for r in received] == ["e0", "e1", "e2"] and all(r[2] for r in received)
    sender.stop()


def test_retries_non_2xx_until_delivered(receiver):
    url, _, plan = receiver
    plan["fail_first"] = 2
    sender = _sender(url)
    sender.emit(OutgoingEvent("e1", {"n": 1}))
    assert _wait(lambda: any(d["delivered"] for d in sender.deliveries()))
    assert sender.deliveries()[0]["statuses"] == [503, 503, 200]
    sender.stop()


def test_duplicate_drop_and_bad_signature(receiver):
    url, received, _ = receiver
    dup = _sender(url, duplicate=1.0)
    dup.emit(OutgoingEvent("d1", {"n": 1}))
    assert _wait(lambda: len(received) == 2)
    assert [r[0] for r in received] == ["d1", "d1"]
    dup.stop()

    dropper = _sender(url, drop=1.0)
    dropper.emit(OutgoingEvent("x1", {"n": 1}))
    time.sleep(0.3)
    assert [r[0] for r in received].count("x1") == 0 and dropper.deliveries()[0]["dropped"]
    assert dropper.redeliver("x1")  # an operator can still push a dropped event
    assert _wait(lambda: [r[0] for r in received].count("x1") == 1)
    dropper.stop()

    forger = _sender(url, bad_signature=1.0)
    forger.emit(OutgoingEvent("b1", {"n": 1}))
    assert _wait(lambda: forger.deliveries()[0]["delivered"])
    attempts = [r for r in received if r[0] == "b1"]
    assert [good for _, _, good in attempts] == [False, True]  # rejected once, then sent properly
    forger.stop()


def test_reorder_lets_later_events_overtake(receiver):
    url, received, _ = receiver
    sender = _sender(url, reorder=1.0)
    sender.emit(OutgoingEvent("first", {}))
    sender.configure(WebhookTarget(url=url, secret=SECRET))
    sender.emit(OutgoingEvent("second", {}))
    assert _wait(lambda: len(received) == 2)
    assert [r[0] for r in received] == ["second", "first"]
    sender.stop()
