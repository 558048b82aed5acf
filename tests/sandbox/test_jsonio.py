"""The fast JSON writers answer the same bytes as the reference ones they replace."""

from decimal import Decimal

import pytest

from visma_airbase_pipeline.sandbox.airbase import wire
from visma_airbase_pipeline.sandbox.jsonio import dumps, reference_dumps

PAYLOADS = [
    {"amount": Decimal("6752.35"), "zero": Decimal("0.00"), "neg": Decimal("-0"), "exp": Decimal("1E+2")},
    [Decimal("-0.000"), Decimal("10.4729"), 1, 1.5, -0.0, 10**30, True, None, "text"],
    {"nul": "\x00", "marks": '"\\u0000', "quote": 'a"\x00b', "tail": "x\x00", "both": "\x00y\x00"},
    {"nul_and_decimal": ["\x00", Decimal("1.10")], "lead": "\x001.5\x00", "d": Decimal("2.50")},
    {"unicode": "Ingående moms 宁波 \u2028 \x7f \x1f"},
    {"keys": {1: "int", None: "none", False: "bool", 2.5: "float"}},
    {"bytes": b"raw"},
    {"tuple": (1, Decimal("2.0"), ("x",))},
    {"nested": [{"lines": [{"amount": Decimal("1.00"), "tags": ["CC-1"]}]}] * 3},
    {Decimal("1.5"): "decimal key"},
    [Decimal("NaN")],
    [float("inf")],
    {"b": 1, "a": {"d": Decimal("1.0"), "c": [3, {"f": 1, "e": 2}]}},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
@pytest.mark.parametrize("sort_keys", [False, True])
def test_dumps_writes_what_simplejson_writes(payload, sort_keys):
    try:
        expected = reference_dumps(payload, sort_keys=sort_keys)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            dumps(payload, sort_keys=sort_keys)
    else:
        assert dumps(payload, sort_keys=sort_keys) == expected


WIRE_PAYLOADS = [
    {
        "data": [
            {
                "total_amount": Decimal("-2168.25"),
                "_step": 0,
                "_scheduled": Decimal("0.00"),
                "lines": [{"amount": Decimal("-2168.25"), "_hidden": 1, "tags": ["CC-200"]}],
                "approvals": [{"approver": {"name": "A", "_deep": True}}],
            }
        ],
        "pagination": {"next": None, "page": 1},
    },
    {"created": [{"airbase_id": "x", "erp_reference_id": "1"}], "validation_errors": []},
    {"values": ["_not_a_key", "a", "_also"], "_top": 1, 2: "int key"},
    {"a": {"b": {"c": {"_very_deep": Decimal("1"), "kept": Decimal("1E+3")}}}},
    {"nan": Decimal("NaN"), "bytes": b"x"},
    [Decimal("0.1"), {"_x": 1}, [{"_y": [{"_z": 2}]}]],
]


@pytest.mark.parametrize("payload", WIRE_PAYLOADS, ids=range(len(WIRE_PAYLOADS)))
def test_wire_json_is_the_walk_then_dumps(payload):
    assert wire.wire_json(payload) == reference_dumps(wire.to_wire(payload))
