"""The store: every file's records in a temporary SQLite file.

Counting a duplicate once, the grouping by department and the sort orders of the
summary sheets are queries here, not Python objects of every project held at once, so
memory stays flat from a hundred tables to ten thousand; what the batch rules keep of
each project waits here too, for :func:`batch_findings`. Implements ``summary.SummarySource``.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from xltool.core.names import project_shown
from xltool.io.discovery import InputFile
from xltool.rules.consolidation import CODE_DUPLICATE, CODE_FILE_FAILED, CODE_FILE_SKIPPED, place
from xltool.write.summary import (
    STATUS_FAILED, STATUS_MERGED, DepartmentIndicatorRow, FileRow, FindingRow, ProjectRow, TaskRow,
)
from xltool.write.summary.columns import store_insert_sql, store_select_sql, store_table_sql
from .reading import batch_run
from .records import SEQ_LIMIT, FileResult, FindingRecord, ReadOptions

# 项目汇总's 备注 (a narrow printed column): short, pointing at the other copy's 序号.
COUNTED_NOTE = "重复，计入"
SHORT_DUPLICATE_NOTE = "重复，不计入"
UNNAMED_NOTE = "无项目名称"  # 备注 of a project without a name: one printed line in that narrow column

_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = FILE;
""" + store_table_sql() + """
CREATE TABLE files (idx INTEGER PRIMARY KEY, path TEXT, status TEXT, reason TEXT, projects INTEGER, quiet INTEGER);
CREATE TABLE indicators (
    pord INTEGER, seq INTEGER, level1 TEXT, level2 TEXT, name TEXT, l_rank INTEGER, form_value TEXT,
    PRIMARY KEY (pord, seq)
) WITHOUT ROWID;
CREATE TABLE kept (pord INTEGER PRIMARY KEY, data BLOB);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY, sort_key INTEGER, pord INTEGER, file TEXT, sheet TEXT, cell TEXT, project TEXT,
    code TEXT, severity TEXT, message TEXT
);
"""
_INSERT_PROJECT = store_insert_sql()
_INDEXES = (
    "CREATE INDEX projects_by_department ON projects (department, pord);"
    "CREATE INDEX findings_by_project ON findings (pord);"
)

_SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


class MergeStore:
    """Compact rows of every file in SQLite."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path))
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- filling

    def add_result(self, entry: InputFile, result: FileResult) -> None:
        quiet = entry.quiet or result.own
        with self.db:
            self.db.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
                (entry.index, entry.in_summary, result.status, result.reason, len(result.projects), int(quiet)),
            )
            self.db.executemany(_INSERT_PROJECT, result.projects)
            self.db.executemany(
                "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((i.pord, i.seq, i.row.level1, i.row.level2, i.row.name, i.l_rank, i.form_value)
                 for i in result.indicators),
            )
            self.db.executemany("INSERT INTO kept VALUES (?, ?)",
                                ((pord, pickle.dumps(kept, pickle.HIGHEST_PROTOCOL)) for pord, kept in result.kept))
            self.add_findings(result.findings)
            if result.status != STATUS_MERGED and not quiet:
                code = CODE_FILE_FAILED if result.status == STATUS_FAILED else CODE_FILE_SKIPPED
                severity = "error" if result.status == STATUS_FAILED else "warning"
                self.add_findings([FindingRecord(
                    entry.index * SEQ_LIMIT - 1, None, entry.in_summary, "", "", "", code, severity,
                    f"该文件{result.status}，未计入汇总：{result.reason}",
                )])

    def add_findings(self, rows: Iterable[FindingRecord | tuple[Any, ...]]) -> None:
        self.db.executemany(
            "INSERT INTO findings (sort_key, pord, file, sheet, cell, project, code, severity, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def finish_loading(self) -> None:
        self.db.executescript(_INDEXES)

    # -- across files

    def mark_unnamed(self) -> None:
        """A project without a name: its 备注 says so, so that the printed summary shows why the name cell is
        empty (with validation, 问题清单 holds its JX103 too)."""
        with self.db:
            self.db.execute("UPDATE projects SET note = ? WHERE name_key = '' AND note = ''", (UNNAMED_NOTE,))

    def mark_duplicates(self) -> list[str]:
        """Same 项目名称 + 实施单位 in two files (HZ001's groups): every row listed, counted once.

        The first occurrence (in input order) is counted; each other one is marked
        "重复，不计入" and points to the first. Returns one console line per group.
        (The HZ001 findings are the rule's own, from :func:`batch_findings`.) A project without a name
        is never anyone's duplicate (:meth:`mark_unnamed`).
        """
        groups = self.db.execute(
            "SELECT group_concat(pord) FROM projects WHERE name_key != '' "
            "GROUP BY name_key, impl_key HAVING count(DISTINCT file_idx) > 1"
        ).fetchall()
        lines: list[str] = []
        with self.db:
            for (pords,) in groups:
                keys = sorted(int(p) for p in pords.split(","))
                rows = self.db.execute(
                    f"SELECT pord, name, implementer, file, sheet FROM projects "
                    f"WHERE pord IN ({','.join('?' * len(keys))}) ORDER BY pord",
                    keys,
                ).fetchall()
                first = rows[0]
                # 序号 on 项目汇总 (every project is listed, in pord order): short pointers that print.
                seq = {p: self.db.execute("SELECT count(*) FROM projects WHERE pord <= ?", (p,)).fetchone()[0]
                       for p in keys}
                for k, (pord, *_) in enumerate(rows):
                    if k == 0:
                        numbers = [str(seq[o[0]]) for o in rows[1:]]
                        listed = "、".join(numbers[:5]) + (f" 等 {len(numbers)} 行" if len(numbers) > 5 else "")
                        note, counted, dup_of = f"{COUNTED_NOTE}；另见序号 {listed}", 1, -1
                    else:
                        note, counted, dup_of = f"{SHORT_DUPLICATE_NOTE}；同序号 {seq[first[0]]}", 0, first[0]
                    self.db.execute("UPDATE projects SET note = ?, counted = ?, dup_of = ? WHERE pord = ?",
                                    (note, counted, dup_of, pord))
                lines.append(
                    f"重复项目：“{first[1]}”（实施单位：{first[2] or '未填写'}）出现在 "
                    + "、".join(place(r[3], r[4]) for r in rows) + f"；只计入 {place(first[3], first[4])} 的金额"
                )
        return lines

    def add_batch_findings(self, rows: list[FindingRecord]) -> int:
        with self.db:
            self.add_findings(rows)
        return len(rows)

    def counts(self) -> tuple[int, int, int]:
        """(projects, indicators, findings) stored; duplicates count once."""
        projects, indicators = self.db.execute("SELECT count(*), coalesce(sum(n_ind), 0) FROM projects WHERE counted = 1").fetchone()
        findings = self.db.execute("SELECT count(*) FROM findings").fetchone()[0]
        return projects, indicators, findings

    # -- SummarySource

    def projects(self) -> Iterator[ProjectRow]:
        sql = (
            f"SELECT {store_select_sql()} FROM projects p LEFT JOIN ("
            "  SELECT pord, sum(severity = 'error') AS errors, sum(severity = 'warning') AS warnings "
            "  FROM findings WHERE pord IS NOT NULL GROUP BY pord) e ON e.pord = p.pord ORDER BY p.pord"
        )
        return (ProjectRow._make(r) for r in self.db.execute(sql))

    def departments(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT department FROM projects WHERE counted = 1 GROUP BY department ORDER BY min(pord)")]

    def department_tasks(self, department: str) -> Iterator[TaskRow]:
        sql = ("SELECT name, overview, total, annual_goal, province, city, district, other, start FROM projects "
               "WHERE department = ? AND counted = 1 ORDER BY pord")
        return (TaskRow._make(r) for r in self.db.execute(sql, (department,)))

    def department_indicators(self, department: str) -> Iterator[DepartmentIndicatorRow]:
        """The department's indicators in form order; the same indicator with the same
        value in several projects is one row naming its projects."""
        sql = (
            "SELECT i.level1, i.level2, i.name, i.form_value, count(*), group_concat(p.name, '、') "
            "FROM indicators i JOIN projects p ON p.pord = i.pord WHERE p.department = ? AND p.counted = 1 "
            "GROUP BY i.l_rank, i.level1, i.level2, i.name, i.form_value ORDER BY i.l_rank, min(i.pord), min(i.seq)"
        )
        for level1, level2, name, value, count, projects in self.db.execute(sql, (department,)):
            shown = projects if count <= 3 else "、".join(projects.split("、", 3)[:3]) + f"等 {count} 个项目"
            yield DepartmentIndicatorRow(level1, level2, name, value, shown)

    def findings(self) -> Iterator[FindingRow]:
        # A duplicate copy's finding that its counted copy has too (same rule, cell and wording) is listed
        # once, under the counted copy; the duplicate's own HZ finding points there.
        sql = (
            "SELECT f.file, f.sheet, f.cell, f.project, f.code, f.severity, f.message FROM findings f "
            "LEFT JOIN projects p ON p.pord = f.pord WHERE p.dup_of IS NULL OR p.dup_of < 0 OR f.code = ? "
            "OR NOT EXISTS (SELECT 1 FROM findings g WHERE g.pord = p.dup_of AND g.code = f.code "
            "AND g.cell = f.cell AND g.message = f.message) ORDER BY f.sort_key, f.id"
        )
        return (
            FindingRow(f, s, c, project_shown(p, s), code, _SEVERITY_LABELS.get(sev, sev), m)
            for f, s, c, p, code, sev, m in self.db.execute(sql, (CODE_DUPLICATE,))
        )

    def files(self) -> Iterator[FileRow]:
        sql = "SELECT path, status, reason, projects FROM files ORDER BY idx"
        return (FileRow._make(r) for r in self.db.execute(sql))


def batch_findings(path: Path, options: ReadOptions) -> list[FindingRecord]:
    """The batch rules over what they kept of every stored project, read through a connection of its own.

    The same :class:`~xltool.rules.BatchRun` as ``validate``'s, fed in input order. A function
    of the store's file rather than a method, so it can run in a process of its own while the
    parent writes the sheets that do not depend on it.
    """
    from xltool.rules import RuleContext

    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        first = db.execute("SELECT profile FROM projects ORDER BY pord LIMIT 1").fetchone()
        if first is None:
            return []
        run = batch_run(options, RuleContext.for_profile(options.profile or first[0] or None))
        for (data,) in db.execute("SELECT data FROM kept ORDER BY pord"):
            run.add(pickle.loads(data))
        found = run.finish()
        where: dict[tuple[str, str, str], int] = {}
        for pord, file, sheet, name in db.execute("SELECT pord, file, sheet, name FROM projects ORDER BY pord"):
            where.setdefault((file, sheet, name), pord)
    finally:
        db.close()
    rows = []
    for f in found:
        pord = where.get((f.file, f.sheet, f.project))
        rows.append(FindingRecord(pord if pord is not None else -1, pord, f.file, f.sheet, f.cell, f.project,
                                  f.code, f.severity.value, f.message))
    return rows
