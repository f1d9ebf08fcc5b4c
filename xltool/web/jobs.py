"""Long jobs (merges) in a bounded pool of worker threads, so the server keeps answering meanwhile.

Each job's progress (files read of total) and its place in the queue live on the job
record, which the job page reads through server-sent events or a page refresh.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from xltool.core.errors import XltoolError
from xltool.web.errors import INTERNAL, from_library
from xltool.web.store import STOPPED, UPLOADS, DataStore, Job

SUMMARY_NAME = "汇总.xlsx"


class JobPool:
    """At most ``workers`` merges run at once; the others wait in order."""

    def __init__(self, store: DataStore, workers: int, merge_jobs: int | None = None) -> None:
        self.store = store
        self.merge_jobs = merge_jobs
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="xltool-job")
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = False

    def position(self, job_id: str) -> int:
        """1-based place among the jobs still waiting; 0 when not waiting."""
        with self._lock:
            try:
                return self._queue.index(job_id) + 1
            except ValueError:
                return 0

    def submit_merge(self, job: Job, folder: Path) -> None:
        with self._lock:
            self._queue.append(job.id)
        self._executor.submit(self._run, job, folder, self._merge)

    def _run(self, job: Job, folder: Path, work: Callable[[Job, Path], None]) -> None:
        with self._lock:
            if job.id in self._queue:
                self._queue.remove(job.id)
        job.state = "running"
        self.store.save(job)
        try:
            work(job, folder)
            job.state = "done"
        except XltoolError as exc:
            err = from_library(exc, [folder / UPLOADS, folder])
            job.state, job.result, job.error = "failed", None, {"code": err.code, "message": err.message}
        except Exception:  # noqa: BLE001 - a job never takes the server down; no traceback reaches a user
            # A merge cut by the server stopping (its reader processes go) is no internal error: say so,
            # in the words a restarted server gives a job it finds interrupted.
            code, message = ("job.interrupted", STOPPED) if self._stopping else ("internal", INTERNAL)
            job.state, job.result, job.error = "failed", None, {"code": code, "message": message}
        job.data["finished"] = time.time()
        self.store.save(job)

    def _merge(self, job: Job, folder: Path) -> None:
        from xltool.web import service
        from xltool.web.errors import scrub

        last = [0.0]

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            now = time.monotonic()
            if now - last[0] > 0.5 or done == total:  # the file on disk need not follow every file
                last[0] = now
                self.store.save(job)

        output = folder / "out" / SUMMARY_NAME
        output.parent.mkdir(exist_ok=True)
        merged = service.merge(folder / UPLOADS, output, jobs=self.merge_jobs, progress=progress)
        def shown(name: str) -> str:  # the page names files as uploaded; the summary keeps its folder
            return name.removeprefix(UPLOADS + "/").removeprefix(UPLOADS + "\\")

        problems = [{"file": shown(f), "status": s, "reason": r} for f, s, r in merged.problems]
        job.data.update(scrub({
            "files": merged.files, "merged": merged.merged, "projects": merged.projects,
            "indicators": merged.indicators, "findings": merged.findings, "problems": problems,
            "duplicates": merged.duplicates,
        }, [folder / UPLOADS, folder]))
        job.result = SUMMARY_NAME

    def shutdown(self) -> None:
        self._stopping = True
        self._executor.shutdown(wait=False, cancel_futures=True)
