"""The data folder: one folder per job under an unguessable id, state on disk, deleted after a while.

A job folder holds ``报送文件/`` (the uploads, under safe names), ``out/`` (results) and
``job.json`` (state, written atomically). State on disk means a server restarted in
the middle of a merge finds the job still "running" and marks it failed: the half
summary is never served, because only a job marked done hands out its result.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from xltool.core.errors import XltoolError

UPLOADS = "报送文件"  # the folder name merge shows in 文件清单 (never a server path)
_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STOPPED = "服务器在处理过程中停止，任务未完成；请重新提交"


@dataclass
class Job:
    id: str
    kind: str  # "validate" | "merge"
    created: float
    state: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    result: str | None = None  # file name inside out/
    error: dict[str, str] | None = None
    files: list[str] = field(default_factory=list)  # the user's names, in upload order
    notices: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # kind-specific results (findings, summary counts)

    def to_dict(self) -> dict[str, Any]:
        """The fields as they are (already plain data): no deep copy as ``dataclasses.asdict`` makes."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class DataStore:
    """Job folders under ``root``; thread-safe; expiry by age, disk use bounded by ``quota``."""

    def __init__(self, root: Path, *, keep_seconds: float = 24 * 3600, quota_bytes: int = 2 * 1024**3) -> None:
        self.root = Path(root)
        self.jobs_dir = self.root / "jobs"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.keep_seconds = keep_seconds
        self.quota_bytes = quota_bytes
        self._lock = threading.Lock()
        self._cache: dict[str, Job] = {}
        self._used, self._used_at = 0, float("-inf")
        self._fail_interrupted()
        self._sweep_tmp()

    def _sweep_tmp(self) -> None:
        """Temporary files of a server stopped hard (xltool serve keeps TMPDIR in the data folder).

        A run's own folder (xltool-merge-<pid>-…) goes only when its owner is gone; other leftovers
        (files a library made there) are older than this server and go at once."""
        from xltool.api.process import is_owned, sweep_stale

        tmp = self.root / "tmp"
        sweep_stale(tmp)  # what is left of the owned folders belongs to a live run: never touched
        for leftover in tmp.glob("*"):
            if is_owned(leftover.name):
                continue
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)

    # --- jobs

    def new(self, kind: str) -> tuple[Job, Path]:
        job = self.reserve(kind)
        folder = self.jobs_dir / job.id
        (folder / UPLOADS).mkdir(parents=True)  # out/ is made by the calls that write results
        return job, folder

    def reserve(self, kind: str) -> Job:
        """A new job known only in memory: its folder is made by whoever stores the uploads (maybe a worker)."""
        job = Job(id=secrets.token_urlsafe(24), kind=kind, created=time.time())
        with self._lock:  # job.json is written once there is something to say (see Web.receive_job)
            self._cache[job.id] = job
        return job

    def finished(self, job: Job) -> None:
        """A job whose job.json was written elsewhere (a worker process): no longer kept in memory."""
        with self._lock:
            self._cache.pop(job.id, None)

    def folder(self, job_id: str) -> Path | None:
        if not _ID.match(job_id or ""):
            return None
        folder = self.jobs_dir / job_id
        return folder if folder.is_dir() else None

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            if job_id in self._cache:
                return self._cache[job_id]
        if not _ID.match(job_id or ""):
            return None
        folder = self.folder(job_id)
        if folder is None:
            return None
        try:
            job = Job(**json.loads((folder / "job.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        return job

    def save(self, job: Job) -> None:
        """Write job.json atomically (temp file + replace); keep it in the cache."""
        write_job(self.jobs_dir / job.id, job)
        with self._lock:  # only live jobs stay in memory: finished ones are read from disk when asked
            if job.state in ("queued", "running"):
                self._cache[job.id] = job
            else:
                self._cache.pop(job.id, None)

    def discard(self, job_id: str) -> None:
        with self._lock:
            self._cache.pop(job_id, None)
        folder = self.folder(job_id)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    # --- housekeeping

    def _fail_interrupted(self) -> None:
        """Jobs left queued or running by a stopped server are failed; their partial files removed."""
        for folder in self.jobs_dir.iterdir():
            job = self.get(folder.name)
            if job is None:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            if job.state in ("queued", "running"):
                job.state, job.result = "failed", None
                job.error = {"code": "job.interrupted", "message": STOPPED}
                for part in (folder / "out").glob("*"):
                    part.unlink(missing_ok=True) if part.is_file() else shutil.rmtree(part, ignore_errors=True)
                self.save(job)

    def expire(self, now: float | None = None) -> int:
        """Delete finished jobs older than the keep time; returns how many."""
        now = time.time() if now is None else now
        removed = 0
        for folder in list(self.jobs_dir.iterdir()):
            job = self.get(folder.name)
            if job is None or (job.state in ("done", "failed") and now - job.created > self.keep_seconds):
                self.discard(folder.name)
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def used_bytes(self, *, fresh: bool = False) -> int:
        """Bytes under the data folder; walked at most every 30 s (a walk per upload would grow with the jobs kept)."""
        now = time.monotonic()
        if not fresh and now - self._used_at < 30:
            return self._used
        total = 0
        for base, _dirs, names in os.walk(self.jobs_dir):
            for name in names:
                try:
                    total += os.lstat(os.path.join(base, name)).st_size
                except OSError:
                    pass
        self._used, self._used_at = total, now
        return total

    def room_cached(self, incoming: int) -> bool:
        """The cached disk use (walked < 30 s ago) leaves room: :meth:`check_room` then costs one ``statvfs``, fine inline."""
        return time.monotonic() - self._used_at < 30 and self._used + incoming <= self.quota_bytes

    def check_room(self, incoming: int) -> None:
        """Refuse (disk full) when the quota or the disk cannot take ``incoming`` more bytes."""
        free = shutil.disk_usage(self.root).free
        if free < incoming + 64 * 1024 * 1024:
            raise XltoolError("服务器磁盘空间不足，暂时无法接收文件，请联系管理员清理后再试", code="output.disk_full")
        if self.used_bytes() + incoming > self.quota_bytes:
            self.expire()
            if self.used_bytes(fresh=True) + incoming > self.quota_bytes:
                raise XltoolError("服务器存放上传文件的空间已满，请稍后再试（旧任务到期后会自动清理）",
                                  code="output.disk_full")


def write_job(folder: Path, job: Job) -> None:
    """job.json written atomically (temp file + replace), so a reader never sees half of it."""
    temp = folder / f".job.{os.getpid()}.{threading.get_ident()}.tmp"
    temp.write_text(json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
    os.replace(temp, folder / "job.json")


class Sweeper(threading.Thread):
    """Deletes expired jobs every ``interval`` seconds until stopped."""

    def __init__(self, store: DataStore, interval: float = 300) -> None:
        super().__init__(name="xltool-sweeper", daemon=True)
        self.store, self.interval = store, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.store.expire()
                self.store.used_bytes(fresh=True)
            except OSError:
                pass
