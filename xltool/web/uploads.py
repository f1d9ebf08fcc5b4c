"""Uploads: size limits while the body streams in, safe file names, and .zip archives checked before unpacking.

Nothing from the client decides a server path: every name is reduced to safe
components (no ``..``, no absolute path, no drive letter, no control character) and
the result is checked to lie inside the job folder before a byte is written.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xltool.core.errors import XltoolError
from xltool.io.archives import ARCHIVES, zip_entry_name

NESTED_ARCHIVES = ARCHIVES
ZIP_MAX_ENTRIES = 2_000
ZIP_MAX_RATIO = 200
ZIP_RATIO_MIN_SIZE = 1024 * 1024
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_DRIVE = re.compile(r"^[A-Za-z]:")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


class UploadTooLarge(Exception):
    """The request body grew past the limit while it was being received."""


class BodyLimit:
    """ASGI middleware: a body longer than ``max_bytes`` is refused with 413 before or while it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            from xltool.web.errors import error_for

            await error_for(scope, 413, "upload.too_large", too_large_message(self.max_bytes))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise UploadTooLarge()
            return message

        await self.app(scope, counted, send)


def too_large_message(limit: int) -> str:
    return f"上传的内容超过上限 {limit // (1024 * 1024)} MB，请分批上传或联系管理员调整上限"


def safe_parts(name: str) -> list[str]:
    """A client-supplied name (maybe a path, maybe Windows) as safe path components; [] if nothing is left."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    text = _DRIVE.sub("", text)
    parts = []
    for part in text.split("/"):
        part = _BAD_CHARS.sub("_", part).strip().rstrip(". ")
        if part in ("", ".", "..") or part.startswith("."):
            continue
        if part.split(".")[0].upper() in _RESERVED:
            part = "_" + part
        parts.append(part[:120])
    return parts[-6:]


def unique_target(folder: Path, parts: list[str], taken: set[str]) -> Path:
    """``folder/parts…`` made unique (``_2``, ``_3`` …) and proven to lie inside ``folder``."""
    rel = PurePosixPath(*parts)
    stem, suffix = rel.stem, rel.suffix
    candidate, n = rel, 2
    while str(candidate).casefold() in taken:
        candidate = rel.with_name(f"{stem}_{n}{suffix}")
        n += 1
    taken.add(str(candidate).casefold())
    target = (folder / candidate).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise XltoolError("文件名不安全，已拒绝")
    if len(parts) > 1:
        target.parent.mkdir(parents=True, exist_ok=True)
    return target


@dataclass
class Saved:
    """Files put into a job folder: (user's name, path) plus the names passed over and why."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def is_zip_upload(name: str, head: bytes) -> bool:
    """A .zip archive of files (an .xlsx is a zip too, but not named so)."""
    return name.lower().endswith(".zip") and head.startswith(b"PK")


def check_zip(path: Path, *, max_total: int, suffixes: tuple[str, ...]) -> list[zipfile.ZipInfo]:
    """The entries worth unpacking, after the whole directory was judged; raises XltoolError for a bad archive."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise XltoolError("压缩包已损坏或不是 .zip 格式，请重新打包后上传") from None
    if len(infos) > ZIP_MAX_ENTRIES:
        raise XltoolError(f"压缩包中的条目过多（{len(infos)} 个，上限 {ZIP_MAX_ENTRIES}），请分批上传")
    total = sum(i.file_size for i in infos)
    if total > max_total:
        raise XltoolError(f"压缩包解压后过大（{total // (1024 * 1024)} MB，上限 {max_total // (1024 * 1024)} MB）")
    wanted = []
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        if name.lower().endswith(NESTED_ARCHIVES):
            raise XltoolError(f"压缩包中含有另一个压缩包（{safe_display(name)}），请解压后把其中的文件直接打包上传")
        if info.flag_bits & 0x1:
            raise XltoolError(f"压缩包中的文件（{safe_display(name)}）设置了密码，请去掉密码后重新打包")
        if info.file_size >= ZIP_RATIO_MIN_SIZE and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise XltoolError(f"压缩包中的文件（{safe_display(name)}）压缩比异常，疑似“压缩炸弹”，已拒绝")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise XltoolError(f"压缩包中的文件（{safe_display(name)}）使用了不支持的压缩方式，请用常规 .zip 格式重新打包")
        wanted.append(info)
    return wanted


def safe_display(name: str) -> str:
    return "/".join(safe_parts(name)) or "（无名称）"


def unpack_zip(path: Path, folder: Path, *, max_total: int, suffixes: tuple[str, ...], taken: set[str],
               saved: Saved) -> None:
    """Unpack the entries with wanted suffixes into ``folder`` under safe names, counting real bytes."""
    entries = check_zip(path, max_total=max_total, suffixes=suffixes)
    written = 0
    with zipfile.ZipFile(path) as zf:
        for info in entries:
            name = zip_entry_name(info)
            parts = safe_parts(name)
            shown = "/".join(parts) or "（无名称）"
            if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("~$"):
                saved.skipped.append((shown, "临时文件或系统文件，已忽略"))
                continue
            if not parts[-1].lower().endswith(suffixes):
                saved.skipped.append((shown, "不是可处理的文件类型，已忽略"))
                continue
            target = unique_target(folder, parts, taken)
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1024 * 1024):
                        written += len(chunk)
                        if written > max_total:  # never trust the declared sizes alone
                            raise XltoolError("压缩包解压后过大，已停止解压")
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                if isinstance(exc, OSError) and exc.errno == 28:
                    raise XltoolError("服务器磁盘空间不足，无法解压上传的文件", code="output.disk_full") from None
                saved.skipped.append((shown, "压缩包中的这个文件已损坏，无法解压"))
                continue
            saved.files.append(("/".join(PurePosixPath(target.relative_to(folder.resolve())).parts), target))


def save_uploads(uploads: list[tuple[str, Any]], folder: Path, *, suffixes: tuple[str, ...], max_files: int,
                 max_zip_total: int) -> Saved:
    """Copy the uploaded ``(file name, file object)`` pairs into ``folder``; a single .zip is unpacked after its checks.

    Blocking file work: the caller runs it in a thread, off the event loop.
    """
    uploads = [(name, fh) for name, fh in uploads if name or _size(fh)]
    if not uploads:
        raise XltoolError("没有收到文件，请选择要上传的文件")
    if len(uploads) > max_files:
        raise XltoolError(f"一次最多上传 {max_files} 个文件，请分批上传或打包为 .zip")
    saved, taken = Saved(), set()
    for index, (filename, fh) in enumerate(uploads, 1):
        parts = safe_parts(filename or "") or [f"文件{index}"]
        fh.seek(0)
        head = fh.read(4)
        if is_zip_upload(parts[-1], head):
            if len(uploads) > 1:
                raise XltoolError("压缩包（.zip）请单独上传，不要与其他文件一起选择")
            archive = folder.parent / "upload.zip"
            _copy(fh, archive)
            try:
                unpack_zip(archive, folder, max_total=max_zip_total, suffixes=suffixes, taken=taken, saved=saved)
            finally:
                archive.unlink(missing_ok=True)
            if not saved.files:
                raise XltoolError("压缩包中没有可处理的文件（" + "、".join(suffixes) + "）")
            return saved
        if not parts[-1].lower().endswith(suffixes):
            raise XltoolError(f"“{'/'.join(parts)}”不是可处理的文件类型（可上传：{'、'.join(suffixes)}、.zip）")
        target = unique_target(folder, parts[-1:], taken)
        _copy(fh, target)
        saved.files.append((target.name, target))
    return saved


def _size(fh: Any) -> int:
    fh.seek(0, 2)
    return fh.tell()


def _copy(fh: Any, target: Path) -> None:
    try:
        fh.seek(0)
        with open(target, "wb") as dst:
            shutil.copyfileobj(fh, dst, 1024 * 1024)
    except OSError as exc:
        target.unlink(missing_ok=True)
        if exc.errno == 28:
            raise XltoolError("服务器磁盘空间不足，无法保存上传的文件", code="output.disk_full") from None
        raise XltoolError("无法保存上传的文件") from None
