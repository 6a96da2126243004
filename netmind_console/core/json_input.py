"""JSON that a person types into a form field: read within limits, or refused with a message saying why.

Python's json module recurses once per nesting level, so `[` × 50,000 is a RecursionError (a 500), and a
number of more than 4,300 digits is a ValueError. The nesting is measured first, by a linear scan that never
recurses, and only text within the limits is handed to json.loads. What parses must also be storable in a
PostgreSQL jsonb column: no Infinity or NaN (json.loads would accept them), no NUL, no lone surrogate.
"""

import json
import math
import re
import sys

from django.core.exceptions import ValidationError

MAX_JSON_DEPTH = 64
# A string (to its closing quote, or to the end when it has none) or one bracket: strings are skipped whole,
# so a bracket inside one is not counted. One pass, no backtracking to speak of.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def parse_json_field(text: str, *, name: str = "", max_depth: int = MAX_JSON_DEPTH, max_chars: int):
    """The value `text` holds. `name` starts each message ("Config is nested …"); without it the message
    stands alone ("Nested …"), for forms that put the field's label in front themselves."""
    if nesting_exceeds(text[:max_chars], max_depth):  # said first: for `[` × 50,000 it is the real fault
        raise _refusal(name, f"is nested deeper than {max_depth} levels")
    if len(text) > max_chars:
        raise _refusal(name, f"is too long: {len(text):,} characters; at most {max_chars:,}")
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise _refusal(name, f"is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except _NotFinite as error:
        raise _refusal(name, f"holds {error}, which JSON cannot carry: use a finite number") from None
    except ValueError:  # the one left: an integer longer than int() reads
        raise _refusal(name, f"holds a number with more than {sys.get_int_max_str_digits()} digits") from None
    except RecursionError:  # not reached within max_depth; kept so a generous limit still cannot give a 500
        raise _refusal(name, "is nested too deeply to read") from None
    if not _storable(value):
        raise _refusal(name, "holds a character that cannot be stored (\\u0000 or a lone surrogate \\ud800–\\udfff)")
    return value


def nesting_exceeds(text: str, max_depth: int) -> bool:
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return True
        elif bracket in ("]", "}"):
            depth -= 1
    return False


def _storable(value) -> bool:
    """No NUL and no lone surrogate in any string or key (recursion bounded by the depth checked above)."""
    if isinstance(value, str):
        return "\x00" not in value and (value.isascii() or _encodable(value))
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _NotFinite(ValueError):
    pass


def _finite(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise _NotFinite(literal[:20])
    return number


def _refuse_constant(literal: str):
    raise _NotFinite(literal)


def _refusal(name: str, predicate: str) -> ValidationError:
    if name:
        return ValidationError(f"{name} {predicate}.")
    bare = predicate.removeprefix("is ")
    return ValidationError(f"{bare[0].upper()}{bare[1:]}.")
