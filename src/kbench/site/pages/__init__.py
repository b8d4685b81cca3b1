"""One module per kbench page. Each has ``FILE`` (its file in the kbench folder), ``LABEL`` (its name in the
navigation bar), ``TITLE`` and ``build(model) -> {file name: html}`` (a page may write more than one file, as
the scaling page writes one per family). :data:`PAGES` lists them in navigation order: adding a page is adding
a module and a line there. The release-check report pages (:mod:`.report`) are written per report instead.
"""
from __future__ import annotations

from . import environment, layout, overview, releases, roofline, scaling

PAGES = [overview, scaling, layout, releases, roofline, environment]
NAV = [(p.FILE, p.LABEL) for p in PAGES]
