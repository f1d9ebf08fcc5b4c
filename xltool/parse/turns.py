"""Reading a table and applying a layout take turns across threads."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

__all__ = ["PARSING", "one_at_a_time"]

# A layout changes the field table's wordings for the whole process, so a read in another thread
# (the facade serves a web server's threads) would see it: applying a layout and reading a table
# take turns. Parsing is pure Python under the GIL, so the turns cost next to nothing.
PARSING = threading.RLock()
_F = TypeVar("_F", bound=Callable[..., Any])


def one_at_a_time(func: _F) -> _F:
    """A parser entry point: never runs while another thread has a layout applied."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with PARSING:
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
