"""Version numbers, read the way pip reads them: through :mod:`packaging` (PEP 440), a core dependency.

Every command that orders, compares or checks a release number goes through here: the release watcher (which
release is next), release-check and bisect (is this the Numba the environment imported, which releases lie
between two), the option parser (``--baseline 0.62.0-rc1`` is ``0.62.0rc1``) and the release index of
:mod:`kbench.pypi`.
"""
from __future__ import annotations

from typing import Any, Iterable, List, Optional

from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: F401 - part of this module's API
from packaging.version import InvalidVersion, Version

__all__ = ["InvalidSpecifier", "InvalidVersion", "SpecifierSet", "Version", "is_prerelease", "is_valid",
           "normalise", "parse", "parse_all", "same_version", "newest"]


def parse(text: Any) -> Version:
    """``text`` as a :class:`~packaging.version.Version`; :class:`~packaging.version.InvalidVersion` (a
    ValueError) when it is not a version number. Surrounding white space is allowed, nothing else."""
    if isinstance(text, Version):
        return text
    return Version(str(text))


def is_valid(text: Any) -> bool:
    """Whether ``text`` is a PEP 440 version number (``0.61.0``, ``0.62.0rc1``, ``1.0.dev3``, ``v0.60.0.post1``)."""
    try:
        parse(text)
    except InvalidVersion:
        return False
    return True


def normalise(text: Any) -> str:
    """The normal form of a version number (``0.62.0-rc1`` -> ``0.62.0rc1``); InvalidVersion when it is not one."""
    return str(parse(text))


def is_prerelease(text: Any) -> bool:
    """A release candidate, beta, alpha or dev build (a post-release of a final release is not)."""
    return parse(text).is_prerelease


def same_version(a: Any, b: Any) -> bool:
    """Whether two version numbers name one release (``0.62`` and ``0.62.0`` do). Text that is not a version
    (an import error, None) is compared as text, so it matches nothing but itself."""
    try:
        return parse(a) == parse(b)
    except InvalidVersion:
        return str(a).strip() == str(b).strip()


def parse_all(raw: Iterable[Any]) -> List[Version]:
    """The version numbers of ``raw`` parsed, deduplicated and sorted ascending; what is not one is dropped."""
    out = set()
    for text in raw:
        try:
            out.add(parse(text))
        except InvalidVersion:
            continue
    return sorted(out)


def newest(raw: Iterable[Any], pre: bool = True, exclude: Iterable[Any] = (),
           minimum: Optional[Any] = None) -> Optional[str]:
    """The newest version of ``raw`` (returned as given) that is not in ``exclude``, not older than
    ``minimum`` and, unless ``pre``, not a pre-release; None when there is none. Text that is not a version
    number is skipped (in ``exclude`` too)."""
    done = set(parse_all(exclude))
    floor = parse(minimum) if minimum is not None else None
    best: Optional[str] = None
    best_version: Optional[Version] = None
    for text in raw:
        try:
            v = parse(str(text).strip())
        except InvalidVersion:
            continue
        if v in done or (not pre and v.is_prerelease) or (floor is not None and v < floor):
            continue
        if best_version is None or v > best_version:
            best, best_version = str(text).strip(), v
    return best
