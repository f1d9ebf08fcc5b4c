"""xltool: 项目绩效目标表 template, validation and consolidation.

The library API (``xltool.validate``, ``xltool.read``, ``xltool.Upload`` …) lives in
:mod:`xltool.api` and is re-exported here lazily (PEP 562), so ``import xltool`` stays
as light as a version string.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    api = import_module("xltool.api")  # finds the submodule without asking this function again
    if name == "api":
        return api
    if name not in api.__all__:
        raise AttributeError(f"module 'xltool' has no attribute {name!r}")
    return getattr(api, name)


def __dir__() -> list[str]:
    api = import_module("xltool.api")
    return sorted({"__version__", "api", *api.__all__})
