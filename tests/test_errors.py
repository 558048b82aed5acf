"""Error bodies of both systems become one readable message; errors never print secrets."""

from __future__ import annotations

import pickle

import pytest

from visma_airbase_pipeline.errors import (
    AuthError,
    Conflict,
    NotFound,
    RateLimited,
    RemoteError,
    ServerError,
    StaleEtag,
    TransportError,
    ValidationFailed,
    parse_error_body,
    refused_the_record,
)


@pytest.mark.parametrize(
    ("body", "text", "message", "code", "request_id"),
    [
        # Visma ERP body (visma.md 9.1): message, fault code and message id.
        (
            {
                "ExceptionType": "IPPException",
                "ExceptionMessage": "Supplier 99999 not found",
                "ExceptionFaultCode": "12001",
                "ExceptionMessageID": "12001_abc",
            },
            "",
            "Supplier 99999 not found",
            "12001",
            "12001_abc",
        ),
        # Visma Connect token errors: the OAuth error code is what ping maps to a sentence.
        ({"error": "invalid_client"}, "", "invalid_client", "invalid_client", None),
        (
            {"error": "invalid_tenant", "error_description": "not approved"},
            "",
            "invalid_tenant: not approved",
            "invalid_tenant",
            None,
        ),
        # Gateway answers, with and without a status code.
        ({"statusCode": 429, "message": "Rate limit is exceeded"}, "", "Rate limit is exceeded", "429", None),
        ({"message": "Unauthorized"}, "", "Unauthorized", None, None),
        # DRF.
        ({"detail": "Invalid token."}, "", "Invalid token.", None, None),
        # Non-JSON bodies: plain text and CDN HTML pages.
        (None, "Bad Gateway", "Bad Gateway", None, None),
        (
            None,
            "<html><head><title>502</title></head><body>Bad   gateway</body></html>",
            "502 Bad gateway",
            None,
            None,
        ),
    ],
)
def test_error_bodies(body: object, text: str, message: str, code: str | None, request_id: str | None):
    parsed = parse_error_body(body, text)
    assert parsed[:3] == (message, code, request_id)


def test_drf_field_errors_are_kept_per_field():
    message, _, _, fields = parse_error_body(
        {"due_date": ["Must not be before invoice_date."], "non_field_errors": ["Duplicate invoice."]}, ""
    )
    assert fields == {
        "due_date": ["Must not be before invoice_date."],
        "non_field_errors": ["Duplicate invoice."],
    }
    assert message == "due_date: Must not be before invoice_date.; non_field_errors: Duplicate invoice."


def test_long_text_is_truncated():
    message, *_ = parse_error_body(None, "x" * 5000)
    assert len(message) == 300


def test_str_and_repr_name_the_request_not_the_details():
    error = ValidationFailed(
        "bad", method="POST", path="/v1/supplier", status=400, details={"echo": "client_secret=s3cr3t-value"}
    )
    assert str(error) == "POST /v1/supplier -> 400: bad"
    assert "s3cr3t" not in repr(error)
    assert "s3cr3t" not in str(error)


def test_errors_survive_pickling_with_their_fields():
    error = RateLimited("slow", method="GET", path="/v1/x", status=429, retry_after=12.0)
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, RateLimited) and copy.retry_after == 12.0 and copy.status == 429
    assert str(copy) == str(error)


def test_plain_message_without_request_line():
    assert str(RemoteError("just this")) == "just this"


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (ValidationFailed("bad account", status=400), True),
        (NotFound("no such invoice", status=404), True),
        (Conflict("already synced", status=409), True),
        (AuthError("token revoked", status=401), False),
        (AuthError("not allowed", status=403), False),
        (RateLimited("slow down", status=429), False),
        (StaleEtag("kept changing", status=412), False),
        (TransportError("read timed out", kind="timeout"), False),
        (ServerError("bad gateway", status=502), False),
        (RemoteError("request timeout", status=408), False),
    ],
)
def test_only_a_refusal_of_the_record_itself_is_quarantine_material(error, refused):
    assert refused_the_record(error) is refused
