"""argparse ``type=`` functions shared by release-check, bisect and noise.

Each takes the option's text and returns the parsed value, or raises :class:`argparse.ArgumentTypeError`
with a message that names the option and the bad value; argparse then prints the usage line with it and exits
with status 2, the project's status for a run that could not be done. ``option_type(name, check)`` binds the
option's name so the message can say which option was wrong.
"""
from __future__ import annotations

import argparse
import math
import re
from typing import Any, Callable


def option_type(option: str, check: Callable[[str, str], Any]) -> Callable[[str], Any]:
    """``check(option, text)`` as an argparse type; the function's ``__name__`` is the option's, so argparse's
    own messages (it calls the type for defaults given as strings too) name it as well."""
    def parse(text: str) -> Any:
        return check(option, text)

    parse.__name__ = option
    return parse


def _fail(option: str, text: str, why: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"{option} {text!r}: {why}")


def whole_number(option: str, text: str, least: int) -> int:
    """A whole number of at least ``least``."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise _fail(option, text, "not a whole number") from None
    if value < least:
        raise _fail(option, text, f"must be at least {least}" if least else "must be 0 or more")
    return value


def positive_int(option: str, text: str) -> int:
    """A whole number of at least 1 (``--rounds``)."""
    return whole_number(option, text, 1)


def non_negative_int(option: str, text: str) -> int:
    """A whole number of at least 0 (``--confirm``: 0 turns confirmation off)."""
    return whole_number(option, text, 0)


def positive_float(option: str, text: str) -> float:
    """A finite number greater than 0 (``--confirm-budget`` minutes)."""
    value = _finite_float(option, text)
    if value <= 0:
        raise _fail(option, text, "must be greater than 0")
    return value


def _finite_float(option: str, text: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise _fail(option, text, "not a number") from None
    if not math.isfinite(value):
        raise _fail(option, text, "must be a finite number")
    return value


def factor(option: str, text: str) -> float:
    """A finite ratio greater than 1 (``--factor``: a change counts beyond factor or 1/factor)."""
    value = _finite_float(option, text)
    if value <= 1.0:
        raise _fail(option, text, "must be greater than 1 (a change counts beyond this ratio or its inverse)")
    return value


def probability(option: str, text: str) -> float:
    """A significance level strictly between 0 and 1 (``--alpha``)."""
    value = _finite_float(option, text)
    if not 0.0 < value < 1.0:
        raise _fail(option, text, "must be between 0 and 1 (a significance level, e.g. 0.05)")
    return value


def regex(option: str, text: str) -> str:
    """A Python regular expression (``--bench``; asv matches it with :func:`re.search`); returned as given."""
    try:
        re.compile(text)
    except re.error as exc:
        raise _fail(option, text, f"not a valid regular expression ({exc})") from None
    return text


def version(option: str, text: str) -> str:
    """A version number as :mod:`kbench.versions` reads it (PEP 440), returned in its normal form
    (``0.62.0-rc1`` -> ``0.62.0rc1``)."""
    from .versions import InvalidVersion, normalise

    try:
        return normalise(str(text).strip())
    except InvalidVersion:
        raise _fail(option, text, "not a version number (e.g. 0.61.0 or 0.62.0rc1)") from None
