"""Tooling around the kernel package: the ``kbench`` commands, environment records, release checks, the site.

Tooling imports ``kernels``; ``kernels`` never imports this package.
"""
