"""Bounded loaders for JSON state files and the TOML configuration.

Every JSON state file (mirror metadata, journal, changesets, the lock's
sidecar, cached records) is parsed by :func:`parse_json`, which bounds nesting
and the length of numbers, and the configuration by :func:`parse_toml`: a
hostile file is a clear error, never a ``RecursionError`` or a number too long
to print.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from typing import Any

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_NUMBER_DIGITS",
    "parse_json",
    "parse_toml",
]


#: How deeply arrays and objects may nest in a JSON state file (wikisync's own nest 3 deep).
MAX_JSON_DEPTH = 32
#: How many digits a number may have in a JSON state file or a dump (ids fit in 20).
MAX_NUMBER_DIGITS = 30


class _TooLong(Exception):
    pass


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _TooLong(digits)
    return int(digits)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise _TooLong(text)
    return float(text)


class _Constant(Exception):
    pass


def _no_constant(name: str) -> float:
    raise _Constant(name)


def parse_json(text: str) -> Any:
    """``json.loads`` for state files, with bounds: nesting depth, digits in a number.

    A hostile file (100,000 nested ``[``, a 5,000-digit number, ``NaN``) is
    refused with a :class:`json.JSONDecodeError` (a ``ValueError``) naming the
    line and column, never a ``RecursionError`` or a number too long to print.

    Raises:
        json.JSONDecodeError: the text is not JSON or is over a bound.
    """
    try:
        value = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_no_constant,
        )
    except _TooLong:
        match = re.search(rf"[-+0-9.eE]{{{MAX_NUMBER_DIGITS + 1},}}", text)
        position = match.start() if match else 0
        raise json.JSONDecodeError(
            f"a number longer than {MAX_NUMBER_DIGITS} digits", text, position
        ) from None
    except _Constant as exc:
        name = str(exc)
        raise json.JSONDecodeError(
            f"{name} is not a JSON number", text, max(text.find(name), 0)
        ) from None
    except RecursionError:
        raise _too_deep(text) from None
    if _depth_over(value):
        raise _too_deep(text)
    return value


def _too_deep(text: str) -> json.JSONDecodeError:
    depth = 0
    position = 0
    in_string = escaped = False
    for position, char in enumerate(text):  # noqa: B007 - the position is the answer
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                break
        elif char in "]}":
            depth -= 1
    return json.JSONDecodeError(
        f"arrays and objects nested more than {MAX_JSON_DEPTH} deep", text, position
    )


def _depth_over(value: Any) -> bool:
    # Iterative: a deep value must not exhaust the stack being measured.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with the same bounds as :func:`parse_json`.

    Raises:
        tomllib.TOMLDecodeError: the text is not TOML, nests too deeply, or
            holds an integer too long to read.
    """
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError(
            "arrays or tables nested too deeply for a configuration file"
        ) from None
    except ValueError as exc:
        if isinstance(exc, tomllib.TOMLDecodeError):
            raise
        # int() refuses over 4,300 digits (sys.get_int_max_str_digits).
        raise tomllib.TOMLDecodeError(
            f"an integer over {sys.get_int_max_str_digits()} digits long"
        ) from None
    if _depth_over(data):
        raise tomllib.TOMLDecodeError(f"arrays or tables nested more than {MAX_JSON_DEPTH} deep")
    return data
