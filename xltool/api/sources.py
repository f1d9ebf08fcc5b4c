"""Inputs as a web handler or a script has them: a path, or an in-memory file with a name.

The readers behind the file gate judge a file by its bytes on disk (size, zip
directory, extents, a forked child for .xls/.ods), so an upload is staged as a
private temporary file named like the user's file, and every name, finding and
message that mentions the temporary path is given back under the user's name. The
temporary folder is removed when the call ends, whatever happens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import TracebackType
from typing import IO, Any, Union


@dataclass(frozen=True)
class Upload:
    """An in-memory file: ``name`` is the user's file name (its extension matters), ``data`` its bytes."""

    name: str
    data: bytes

    def __repr__(self) -> str:  # never dump megabytes into a log line
        return f"Upload(name={self.name!r}, {len(self.data)} bytes)"


Source = Union[str, "os.PathLike[str]", Upload, IO[bytes]]


def _plain_name(name: str, index: int) -> str:
    """The last component of a user-given name, safe as a file name here (a browser may send a full path)."""
    base = PureWindowsPath(PurePosixPath(name).name).name.strip().replace("\x00", "")
    return base if base not in ("", ".", "..") else f"上传文件{index + 1}"


def _upload_of(source: Any, index: int) -> Upload | None:
    if isinstance(source, Upload):
        return source
    if isinstance(source, (str, os.PathLike)):
        return None
    read = getattr(source, "read", None)
    if read is None:
        raise TypeError(f"not a path, Upload or binary file object: {type(source).__name__}")
    data = read()
    if isinstance(data, str):
        raise TypeError("file objects must be opened in binary mode")
    name = getattr(source, "filename", None) or getattr(source, "name", None)  # Starlette's UploadFile: filename
    return Upload(str(name) if isinstance(name, (str, os.PathLike)) and str(name) else f"上传文件{index + 1}", data)


class Staged:
    """Sources as paths for the readers, with the way back to the names the caller gave.

    Use as a context manager; on exit the private folder holding staged uploads is removed.
    """

    def __init__(self, sources: Any, *, folder: str = "") -> None:
        """``folder``: stage the uploads together in one folder of that name (``uploads``), as a user's
        folder of files would be; a second upload of the same name goes one level down."""
        if isinstance(sources, (str, os.PathLike, Upload)) or hasattr(sources, "read"):
            sources = [sources]
        self.paths: list[Path] = []
        self.uploads: Path | None = None
        self._names: dict[str, str] = {}  # staged path → the user's name
        self._tmp: str | None = None
        try:
            for index, source in enumerate(sources):
                upload = _upload_of(source, index)
                if upload is None:
                    self.paths.append(Path(source))
                    continue
                name = _plain_name(upload.name, index)
                if folder:
                    self.uploads = Path(self.workdir()) / folder
                    target = self.uploads / name
                    at = target.parent / str(index) if target.exists() else target.parent
                else:
                    at = Path(self.workdir()) / str(index)
                at.mkdir(parents=True, exist_ok=True)
                path = at / name
                path.write_bytes(upload.data)
                if not folder:
                    self.paths.append(path)
                self._names[str(path)] = upload.name
        except BaseException:
            self.close()
            raise

    def workdir(self) -> str:
        """The private temporary folder of this call (made on first use)."""
        if self._tmp is None:
            from xltool.io.tempdirs import make_owned_dir

            self._tmp = str(make_owned_dir("api"))  # named after this process: swept if it is killed
        return self._tmp

    @property
    def staged(self) -> bool:
        return bool(self._names)

    def name(self, text: str) -> str:
        """``text`` with every staged path replaced by the user's name for it."""
        if not self._names or not text:
            return text
        if text in self._names:
            return self._names[text]
        for path, name in self._names.items():
            if path in text:
                text = text.replace(path, name)
        return text

    def close(self) -> None:
        if self._tmp is not None:
            import shutil

            from xltool.io.tempdirs import release

            release(self._tmp)
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "Staged":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if isinstance(exc, Exception) and hasattr(exc, "code") and hasattr(exc, "describe"):
            rename_error(exc, self)
        self.close()


def rename_error(exc: Any, staged: Staged) -> None:
    """An XltoolError about a staged upload names the upload, not the temporary file."""
    if not staged.staged or not (hasattr(exc, "describe") and hasattr(exc, "code")):
        return
    exc.file = staged.name(exc.file) if exc.file else exc.file
    exc.message = staged.name(exc.message)
    exc.args = (exc.describe(),)
