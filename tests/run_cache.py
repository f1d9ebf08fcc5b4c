"""Files built once per test run and copied to each test that asks for them.

Several test files build the same costly inputs (the hostile corpus's 200 MB zip bomb, 150
generated department workbooks). Under xdist each worker would build them again. The first
caller builds into a folder every worker of the run sees (``XLTOOL_TEST_SHARED``, set by
tests/conftest.py, inside pytest's own temporary folder of the run); later callers wait on a
lock for it and copy. Outside pytest (no shared folder) everything is built in place as before.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

SHARED_ENV = "XLTOOL_TEST_SHARED"


def built_once(key: str, target: Path, build: Callable[[Path], Any]) -> Any:
    """``build(path)`` writes a file or folder at ``path`` and returns something picklable; run it for
    ``target`` once per run under ``key``, copying the built file or folder to ``target`` after that.

    Returns what ``build`` returned, with every :class:`Path` inside the built one moved to ``target``.
    """
    shared = os.environ.get(SHARED_ENV)
    if not shared:
        return build(target)
    cache = Path(shared) / "built-once" / re.sub(r"[^\w.-]+", "_", key)
    cache.mkdir(parents=True, exist_ok=True)
    built, result = cache / "built", cache / "result.pickle"
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds, another one waits for it
        if not result.is_file():
            shutil.rmtree(built, ignore_errors=True)
            made = build(built)
            tmp = result.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(_moved(made, built, Path("."))))
            tmp.replace(result)
    made = _moved(pickle.loads(result.read_bytes()), Path("."), target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if built.is_dir():
        shutil.copytree(built, target, dirs_exist_ok=True)
    else:
        shutil.copyfile(built, target)
    return made


def _moved(value: Any, old: Path, new: Path) -> Any:
    """``value`` with each path under ``old`` re-rooted under ``new`` (lists, tuples, dataclasses)."""
    if isinstance(value, Path):
        try:
            return new / value.relative_to(old) if old != Path(".") else new / value
        except ValueError:
            return value
    if isinstance(value, list):
        return [_moved(v, old, new) for v in value]
    if isinstance(value, tuple):
        return tuple(_moved(v, old, new) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.replace(value, **{f.name: _moved(getattr(value, f.name), old, new)
                                             for f in dataclasses.fields(value) if f.init})
    return value


def departments(folder: Path, tables: int, **options: Any) -> list[Any]:
    """``benchmarks.common.generate_departments(folder, tables, **options)``, built once per run."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks.common import generate_departments

    key = "departments-" + "-".join(f"{k}={v}" for k, v in sorted({"tables": tables, **options}.items()))
    return built_once(key, folder, lambda path: generate_departments(path, tables, **options))
