"""Names of the sheets xltool itself adds: every layer must recognise them, none may own them."""

from __future__ import annotations




MARKABLE_SUFFIXES = (".xlsx", ".xlsm")

PARTIAL_READ = "部分未读取"
"""A merged file with a sheet that looks like a table but was not read (its money is not in the totals):
the merge's console line and the web page's file list say it in this one word."""
"""What xltool can mark (openpyxl writes these back); other formats are saved as .xlsx first."""

RESULTS_SHEET = "校验结果"


MARKS_SHEET = "xltool_marks"

# Name of the very-hidden sheet that holds dropdown lists and the workbook's profile.
LISTS_SHEET = "xltool_lists"


PROFILE_KEY = "profile"

# Lists-sheet rows "source:<sheet title>" | JSON: where an imported sheet came from (file, year,
# framework, the fields its source form lacked), so that validate asks once for those fields.
PROVENANCE_PREFIX = "source:"


INSTRUCTIONS_SHEET = "填写说明"

# How a project without a 项目名称 is shown, in every message, page and report.
UNNAMED_PROJECT = "（未填写项目名称）"


def project_shown(name: str, sheet: str) -> str:
    """A finding's 项目 as lists show it: a finding on a sheet whose project has no name says so (so the
    column filters to it); one about a whole file names no project."""
    return name or (UNNAMED_PROJECT if sheet else "")


# Sheets xltool itself adds (instructions, validation results, stored marks): never
# project sheets, and not "skipped" either.
SERVICE_SHEETS = frozenset({LISTS_SHEET, INSTRUCTIONS_SHEET, RESULTS_SHEET, MARKS_SHEET})

# Sheets of the summary workbook ``xltool merge`` writes; two of them together mark a
# workbook as xltool's summary wherever it turns up (an input folder, ``validate``).
SUMMARY_PROJECTS_SHEET = "项目汇总"
SUMMARY_FILES_SHEET = "文件清单"

# Custom document property a marked copy (``validate --mark-to``) carries: the source's name.
MARKED_COPY_PROPERTY = "xltool_marked_copy_of"


# "No project table here", worded once: what a reader, the import, the ribbon and merge say.
NO_TABLE = "未找到项目绩效目标表"
NO_TABLE_WHY = "没有“项目名称”栏目和指标表（一级指标、二级指标、三级指标）"


def no_table_message(where: str = "", why: str = NO_TABLE_WHY) -> str:
    """"未找到项目绩效目标表：<where>没有“项目名称”栏目和指标表（…）" — ``where`` names the place
    ("本工作簿中", "当前工作表“X”中"), ``why`` what was found instead when that is known."""
    return f"{NO_TABLE}：{where}{why}"
