"""One declaration of a project's columns: the merge record, the store's table and 项目汇总.

A project travels from the reading worker (``ProjectRecord``) through the SQLite store
(its ``projects`` table) to the writer (``ProjectRow``) and onto 项目汇总. Each of those
used to list the fields again, by position (``'?' * 24``, column 18 = 计入合计 …), so a
new summary column meant editing four files in step. Here each column is declared
once, in summary order; the record, the table, the store's query, the row, the sheet's
titles, widths, formats, 合计 cells and print area are all derived from this tuple.
Titles of header fields come from the field table (``data/fields.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from xltool.core.fields import field, funding_keys
from xltool.core.text import display_width

Origin = Literal["record", "store", "query", "writer"]
Kind = Literal["text", "wrap", "amount", "int", "flag", "center"]

_PY = {"TEXT": str, "REAL": float | None, "INTEGER": int}


@dataclass(frozen=True)
class ProjectColumn:
    """One column of a project's journey; ``title`` "" = not a column of 项目汇总."""

    key: str  # attribute of the record and the row, column of the store's table
    title: str = ""
    origin: Origin = "record"  # record: read from the file; store: set in the store (default below);
    #                            query: computed by the store's query; writer: numbered by the writer
    sql: str = "TEXT"  # type in the store's table
    default: str = ""  # SQL default of a store column
    query: str = ""  # the store's SELECT expression of a query column
    kind: Kind = "text"
    width: float = 8.0  # characters
    total: bool = False  # summed in the 合计 row (visible counted rows only)
    printed: bool = True  # part of the printed page (the print area ends at the last printed column)
    highlight: str = ""  # format of a non-zero / non-empty value: error | warning

    @property
    def in_row(self) -> bool:
        """Handed to the writer (``ProjectRow``)."""
        return self.origin != "writer" and (bool(self.title) or self.key in _ROW_EXTRAS)


_ROW_EXTRAS = {"total_text", "counted"}


def _title(key: str) -> str:
    return field(key).summary


def _amount(key: str, width: float) -> ProjectColumn:
    return ProjectColumn(key, _title(key if key == "total" else f"funding.{key}"), sql="REAL", kind="amount",
                         width=width, total=True)


C = ProjectColumn
PROJECT_COLUMNS: tuple[ProjectColumn, ...] = (
    C("pord", sql="INTEGER PRIMARY KEY"),  # order of the project in the whole run
    C("file_idx", sql="INTEGER"),
    C("seq", "序号", origin="writer", kind="center", width=4.5),  # centred: never touching the name beside it
    C("name", _title("name"), kind="wrap", width=13),
    C("department", _title("department"), kind="wrap", width=9),
    C("implementer", _title("implementer"), kind="wrap", width=9),
    _amount("total", 10),
    C("total_text"),  # what was typed as 总额 when it is not a number (shown in its place)
    # A source's title on one line where it fits ("部省级（万元）" is the widest): titles are never broken by hand.
    *(_amount(k, max(9.0, display_width(_title(f"funding.{k}")) * 0.75)) for k in funding_keys()),
    C("start", _title("start"), kind="center", width=7.5),
    C("end", _title("end"), kind="center", width=7.5),
    C("n_ind", "指标数", sql="INTEGER", kind="int", width=6.5, total=True),
    C("errors", "错误数", origin="query", query="coalesce(e.errors, 0)", kind="int", width=6.5, total=True,
      highlight="error"),
    C("warnings", "警告数", origin="query", query="coalesce(e.warnings, 0)", kind="int", width=6.5, total=True,
      highlight="warning"),
    C("note", "备注", origin="store", default="''", kind="wrap", width=9, highlight="warning"),
    C("counted", "计入合计", origin="store", sql="INTEGER", default="1", kind="flag", width=9),
    C("dup_of", origin="store", sql="INTEGER", default="-1"),  # a duplicate: the counted copy's pord
    # Not printed (the print area ends at 计入合计), one line each so rows stay as tall as the printed texts:
    # the goals print on 部门整体 (年度总体目标), the sources on 指标明细 and 文件清单.
    C("annual_goal", _title("annual_goal"), width=60, printed=False),
    C("file", "来源文件", width=30, printed=False),
    C("sheet", "来源工作表", width=16, printed=False),
    C("overview"),
    C("profile"),
    C("cells"),  # JSON of field → cell
    C("name_key"),
    C("impl_key"),
)
del C

VISIBLE_TITLE = "筛选可见"
"""A hidden helper column after the last one: 1 while the row is shown, 0 when a filter hides it
(``SUBTOTAL(103, …)`` of the row's own 序号), so the 合计 can add the visible counted rows."""

SUMMARY_COLUMNS = tuple(c for c in PROJECT_COLUMNS if c.title)
PROJECT_HEADERS = tuple(c.title for c in SUMMARY_COLUMNS)
RECORD_COLUMNS = tuple(c for c in PROJECT_COLUMNS if c.origin == "record" or c.key == "pord")
STORE_COLUMNS = tuple(c for c in PROJECT_COLUMNS if c.origin in ("record", "store"))
ROW_COLUMNS = tuple(c for c in PROJECT_COLUMNS if c.in_row)


def summary_index(key: str) -> int:
    """0-based column of ``key`` on 项目汇总."""
    return next(i for i, c in enumerate(SUMMARY_COLUMNS) if c.key == key)


def printed_columns() -> int:
    """How many leading columns of 项目汇总 print."""
    return max(i for i, c in enumerate(SUMMARY_COLUMNS) if c.printed) + 1


def _py(column: ProjectColumn) -> Any:
    return _PY.get(column.sql.split()[0], str) if column.kind != "flag" else bool


ProjectRecord = NamedTuple("ProjectRecord", [(c.key, _py(c)) for c in RECORD_COLUMNS])  # type: ignore[misc]
ProjectRecord.__doc__ = "A project as a reading worker sends it (fields: the declaration's record columns)."
ProjectRow = NamedTuple("ProjectRow", [(c.key, _py(c)) for c in ROW_COLUMNS])  # type: ignore[misc]
ProjectRow.__doc__ = "A project as 项目汇总 shows it; ``counted`` False: a duplicate, listed but out of every total."


def quote(key: str) -> str:
    """An SQL identifier (``end`` is a keyword)."""
    return f'"{key}"'


def store_table_sql() -> str:
    """The store's ``projects`` table."""
    parts = []
    for c in STORE_COLUMNS:
        default = f" NOT NULL DEFAULT {c.default}" if c.origin == "store" else ""
        parts.append(f"{quote(c.key)} {c.sql}{default}")
    return f"CREATE TABLE projects ({', '.join(parts)});"


def store_insert_sql() -> str:
    """INSERT of a ``ProjectRecord`` (store-set columns take their defaults)."""
    keys = ", ".join(quote(c.key) for c in RECORD_COLUMNS)
    return f"INSERT INTO projects ({keys}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"


def store_select_sql() -> str:
    """The SELECT list of ``ProjectRow`` over ``projects p`` joined to error counts ``e``."""
    return ", ".join(c.query if c.origin == "query" else f"p.{quote(c.key)}" for c in ROW_COLUMNS)
