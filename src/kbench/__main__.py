"""``python -m kbench``: the same command line as the ``kbench`` script."""
from .cli import main

raise SystemExit(main())
