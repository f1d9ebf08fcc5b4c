"""Writing many files into a user's folder all or nothing (``import --split``).

Each file is first written into a hidden staging folder inside the target folder (same file
system, so moving a file in is a rename and needs no space). Only when every file is there are
the files a user already had copied aside (their backups need space, so they come first), and
then the staged files renamed onto their names. Whatever fails (a full disk, Ctrl+C, a locked
file) the folder is left as it was: files this run wrote are removed, files that were there are
restored from their copies, and the copies this run made are removed with them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from xltool.io.files import backup_file


def move_in(pairs: Sequence[tuple[Path, Path]]) -> list[Path]:
    """Move each staged file onto its target (backing up a target that exists): all or none.

    Returns the targets, in order. On any exception the targets are as they were before.
    """
    backups: dict[Path, Path] = {}
    moved: list[Path] = []
    try:
        for _, target in pairs:
            if target.exists():
                backups[target] = backup_file(target)
        for staged, target in pairs:
            if target in backups:
                with suppress(OSError):
                    shutil.copymode(target, staged)  # the user's file keeps its permissions
            os.replace(staged, target)
            moved.append(target)
    except BaseException:
        for target in reversed(moved):
            with suppress(OSError):
                if target in backups:
                    os.replace(backups.pop(target), target)  # the copy is the old file, byte for byte
                else:
                    target.unlink()
        for copy in backups.values():
            with suppress(OSError):
                copy.unlink()
        raise
    return [target for _, target in pairs]
