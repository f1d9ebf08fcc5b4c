"""File names as a person should read them, whatever bytes the file system holds.

On Linux a name is bytes; Python hands names that are not valid UTF-8 over as
"surrogate escapes" (``\\udcb1``), which cannot be printed, written to a workbook or
sent as JSON. Such names nearly always come from a Windows zip unpacked by ``unzip``:
the bytes are GBK. :func:`legible` shows them decoded as GBK (GB 18030, its superset),
so a reviewer sees “民政局.xlsx”, never mojibake or a crash; the file itself is still
opened by its real name (the ``str`` with the escapes, which ``open`` understands).
"""

from __future__ import annotations

import codecs
import os
import re

_ESCAPED = re.compile("[\udc80-\udcff]+")
_ERROR_HANDLER = "xltool-legible"
# Where one name part ends in a path or message. Not "\\" on POSIX: it is a valid GBK trail byte.
_SEPARATORS = re.compile(r"([/\s：:，（）“”\\])" if os.sep == "\\" else r"([/\s：:，（）“”])")


def _component(part: str) -> str:
    raw = part.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:  # neither UTF-8 nor GBK: each undecodable byte shown as \xNN
        return _ESCAPED.sub(lambda m: m[0].encode("utf-8", "surrogateescape").decode("gb18030", "backslashreplace"),
                            part)


def legible(text: str | os.PathLike[str]) -> str:
    """``text`` (a path or a message holding one) with every undecodable name part decoded as GBK.

    Each path component is decoded on its own, so a GBK file name inside a UTF-8 folder
    keeps the folder's name intact. Text without escapes is returned unchanged.
    """
    text = os.fspath(text)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not _ESCAPED.search(text):
        return text
    parts = _SEPARATORS.split(text)
    return "".join(_component(p) if _ESCAPED.search(p) else p for p in parts)


def _handler(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Codec error handler: escaped name bytes that reach a stream are shown decoded as GBK.

    Returns bytes in the stream's encoding: encoders accept only ASCII text from a handler.
    """
    if isinstance(exc, UnicodeEncodeError):
        end = exc.end
        run = _ESCAPED.match(exc.object, exc.start)
        if run:  # the whole run: some codecs (GBK's own) report one character at a time
            end = max(end, run.end())
        bad = exc.object[exc.start : end]
        shown = _component(bad) if _ESCAPED.fullmatch(bad) else bad
        try:
            return shown.encode(exc.encoding), end
        except (UnicodeError, LookupError):
            return shown.encode("ascii", "backslashreplace"), end
    raise exc


codecs.register_error(_ERROR_HANDLER, _handler)


def legible_streams(*streams: object) -> None:
    """Make ``streams`` (stdout, stderr) print undecodable name bytes legibly instead of raising."""
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors=_ERROR_HANDLER)
            except (ValueError, OSError):  # a detached or exotic stream: leave it as it is
                pass
