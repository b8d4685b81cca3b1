"""The site's prose, kept out of the code: ``templates/<page>.html`` holds a page's paragraphs as named
blocks, each opened by a line ``<!-- block: NAME -->``; ``$name`` placeholders are filled with
``string.Template`` (values are inserted as given: escape text before). The files ship as package data.
"""
from __future__ import annotations

import functools
import re
import string
from importlib import resources
from typing import Dict

_BLOCK = re.compile(r"^<!-- block: ([\w-]+) -->\n", re.M)


@functools.lru_cache(maxsize=None)
def blocks(page: str) -> Dict[str, string.Template]:
    """The named blocks of ``templates/<page>.html`` (each without its trailing newlines)."""
    text = resources.files(__package__).joinpath("templates", f"{page}.html").read_text(encoding="utf-8")
    parts = _BLOCK.split(text)
    if parts[0].strip():
        raise ValueError(f"templates/{page}.html: text before the first block marker")
    return {name: string.Template(body.rstrip("\n")) for name, body in zip(parts[1::2], parts[2::2])}


def prose(page: str, block: str, **values) -> str:
    """Block ``block`` of ``templates/<page>.html`` with its placeholders filled (every one must be given)."""
    return blocks(page)[block].substitute(values)


def asset(name: str) -> str:
    """A file of ``templates/`` as it is (the style sheet)."""
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")
