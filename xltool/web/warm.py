"""Imported once by every worker process before its first request: the parser, rules and writers.

Where the platform has a fork server (Linux, macOS) this is its preload, so each worker
forked from it starts warm in milliseconds (and a worker killed by a hostile file is
replaced at once); elsewhere (Windows) each spawned worker imports it itself.
"""

from __future__ import annotations

import xltool.api.reading  # noqa: F401  (the facade is lazy: load what the calls use, once)
import xltool.api.writing  # noqa: F401
import xltool.web.quick  # noqa: F401
from xltool.rules import iter_catalogue

list(iter_catalogue())  # registers every rule module
