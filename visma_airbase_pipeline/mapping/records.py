"""Reading a Visma record (as JSON) into its model, with a reason people understand when it does not
fit: each bad field named by its path in the record, what it held and what was expected. A record
that cannot be read is quarantined like any other that cannot be mapped, never a crash.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from visma_airbase_pipeline.mapping.errors import MappingError

M = TypeVar("M", bound=BaseModel)

_EXPECTED: Final = {
    "decimal_parsing": "is not a number",
    "decimal_type": "is not a number",
    "finite_number": "is not a finite number",
    "decimal_max_digits": "has too many digits",
    "list_type": "should be a list",
    "model_type": "should be an object",
    "model_attributes_type": "should be an object",
    "dict_type": "should be an object",
    "string_type": "should be text",
    "bool_parsing": "should be true or false",
    "bool_type": "should be true or false",
    "int_parsing": "should be a whole number",
    "int_type": "should be a whole number",
    "int_from_float": "should be a whole number",
    "date_from_datetime_inexact": "is not a date",
    "date_parsing": "is not a date",
    "date_type": "is not a date",
}
_MAX_SHOWN = 60
_MAX_ERRORS = 5


def read_record(model: type[M], raw: Any, what: str) -> M:
    """``raw`` as a ``model``, or a MappingError naming every field that does not fit."""
    if not isinstance(raw, dict):
        raise MappingError(f"the {what} is not a JSON object but {_shown(raw)}")
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise MappingError(f"the {what} cannot be read: {describe(error)}") from None
    except (ValueError, TypeError, ArithmeticError, RecursionError) as error:
        raise MappingError(f"the {what} cannot be read ({type(error).__name__})") from None


def describe(error: ValidationError) -> str:
    """The validation errors as one sentence: ``invoiceLines line 1 → amount 'abc' is not a number``."""
    parts = []
    problems = error.errors(include_url=False)
    for problem in problems[:_MAX_ERRORS]:
        where = " → ".join(
            f"line {part + 1}" if isinstance(part, int) else str(part) for part in problem["loc"]
        )
        kind = problem["type"]
        if kind in _EXPECTED:
            expected = _EXPECTED[kind]
        elif kind == "value_error":
            expected = f"is not valid ({str(problem['msg']).removeprefix('Value error, ')})"
        else:
            expected = f"is not valid ({problem['msg']})"
        parts.append(f"{where or 'the record'} {_shown(problem.get('input'))} {expected}")
    more = len(problems) - _MAX_ERRORS
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "(an object)"
    if isinstance(value, list):
        return "(a list)"
    if value is None:
        return "(empty)"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
