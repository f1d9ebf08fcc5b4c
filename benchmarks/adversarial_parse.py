"""One hostile cell must not stall the reader: every adversarial 32 767-character text, in every
place a table can hold it, read in about the time an ordinary text of that length takes there.

    python benchmarks/adversarial_parse.py [--max-ratio 100] [--forms grid,text,xlsx]

The texts are the shapes that make backtracking regular expressions quadratic or worse
(long runs of spaces between a digit and a letter, of digits, of colons, of brackets,
"label:" repeated, a unit word after a run of spaces …). Each is put, one at a time, into a
header value of every kind (text, amount, month, period), a label cell, an indicator's name
and target and a lone cell, and read through the reader (``projects_from_grid``); the
``text`` and ``xlsx`` forms read a real file through ``load_source``. Prints the slowest
cases with their ratio to the same read of an ordinary text of the same length (measured in the
same run) and exits 1 when a ratio is over the target. A benchmark, not a unit test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xltool.core.grid import Grid  # noqa: E402
from xltool.core.text import normalize_label  # noqa: E402
from xltool.parse.amounts import parse_amount  # noqa: E402
from xltool.parse.header import parse_month  # noqa: E402
from xltool.parse.imported import projects_from_grid  # noqa: E402
from xltool.parse.labels import inner_pairs, match, split_label  # noqa: E402

N = 32767  # Excel's limit for one cell
RATIO_TARGET = 100.0  # linear reads of hostile text: 10-60 × the ~1 ms ordinary one (load moves it); quadratic: thousands


def _fill(unit: str, tail: str = "", head: str = "") -> str:
    body = N - len(head) - len(tail)
    return head + (unit * (body // len(unit) + 1))[:body] + tail


TEXTS: dict[str, str] = {
    "digits": _fill("1"),
    "digit_spaces_cjk": _fill(" ", "项", "1"),
    "digit_spaces_x": _fill(" ", "x", "1"),
    "digit_spaces_unit_x": _fill(" ", "万元 x", "1"),
    "spaces_only_tail": _fill(" ", "1"),
    "fullwidth_spaces": _fill("\u3000", "x", "1"),
    "newlines": _fill("\n", "x", "1"),
    "label_colon_repeated": _fill("项目名称:"),
    "label_spaces_colon": _fill(" ", ":x", "资金总额"),
    "colon_spaces": _fill(" ", "x", "资金总额:"),
    "commas_after_colon": _fill(",", "x", "资金总额:1"),
    "separators_mixed": _fill(" ,;，；", "x", "上级资金:1"),
    "label_chars": _fill("项"),
    "digit_commas": _fill("1,"),
    "digit_dots": _fill("1."),
    "open_brackets": _fill("(", ")"),
    "brackets_unclosed": _fill("（万元", "x"),
    "numbering": _fill("一、"),
    "month_spaces": _fill(" ", "x", "2022.1"),
    "period_spaces": _fill(" ", "x", "2022"),
    "unit_line": _fill(" ", "x", "单位:"),
    "capital_numerals": _fill("壹佰"),
    "operator_spaces": _fill(" ", "x", "≥"),
    "pipes_spaces": _fill(" ", "x", "|---|"),
    "percent_spaces": _fill(" ", "%x", "95"),
}

# (label, where the hostile text goes): header values of each kind, then table cells
HEADER_PLACES = ("项目名称", "项目总金额", "其中：财政拨款", "计划开始时间", "项目期", "项目概况", "主管部门")


def _grid(text: str, place: str) -> Grid:
    rows: list[list[object]] = [["项目支出绩效目标表"], ["项目名称", "示例项目"], ["主管部门", "区财政局"],
                                ["项目总金额", 10]]
    indicator = ["产出指标", "数量指标", "培训人次", "≥", "100人"]
    if place in HEADER_PLACES:
        rows.append([place, text])
    elif place == "label":
        rows.append([text, "1"])
    elif place == "lone":
        rows.append([text])
    elif place == "indicator_name":
        indicator[2] = text
    elif place == "indicator_target":
        indicator[4] = text
    elif place == "level":
        indicator[0] = text
    rows += [["一级指标", "二级指标", "三级指标", "计算符号", "指标值"], indicator]
    return Grid(rows=rows, name="表1")


PLACES = (*HEADER_PLACES, "label", "lone", "indicator_name", "indicator_target", "level")


# The baseline: an ordinary 32 767-character text (sentences, as a long 项目概况 holds) in the same place,
# read the same way in the same run; each hostile read is printed as its ratio to it.
BENIGN = _fill("完成年度培训任务600人次，验收合格率100%。")


def _timed(action, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def _reads(text: str, forms: set[str], folder: Path) -> dict[str, float]:
    """Seconds per read of ``text`` in every place and form, keyed by place (and form)."""
    times: dict[str, float] = {}
    if "grid" in forms:
        for place in PLACES:
            grid = _grid(text, place)
            times[place] = _timed(lambda: projects_from_grid(grid, file="x"))
    if forms & {"text", "xlsx"}:
        from xltool.apps.sources import load_source  # noqa: PLC0415

        for place in ("项目总金额", "项目概况", "indicator_target"):
            grid = _grid(text, place)
            if "text" in forms and "\n" not in text:
                path = folder / "t.txt"
                path.write_text("\n".join("\t".join(str(v) for v in row) for row in grid.rows), encoding="utf-8")
                times[f"{place} (文本)"] = _timed(lambda: load_source(path))
            if "xlsx" in forms:
                import openpyxl  # noqa: PLC0415

                path = folder / "t.xlsx"
                wb = openpyxl.Workbook()
                for row in grid.rows:
                    wb.active.append(row)
                wb.save(path)
                times[f"{place} (xlsx)"] = _timed(lambda: load_source(path))
    return times


def run(forms: set[str]) -> list[tuple[float, float, float, str]]:
    """(ratio to the baseline, seconds, baseline seconds, case) for every case, highest ratio first.

    A table read's baseline is the same read of the benign text; a lone function's is the benign
    table read (what a cell may cost the user), the median over the places."""
    rows: list[tuple[float, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="xltool-adversarial-") as tmp:
        folder = Path(tmp)
        base = _reads(BENIGN, forms | {"grid"}, folder)
        table = sorted(base[p] for p in PLACES)[len(PLACES) // 2]
        for name, text in TEXTS.items():
            assert len(text) == N, (name, len(text))
            for fn in (parse_amount, parse_month, inner_pairs, match, split_label, normalize_label):
                t = _timed(lambda: fn(text))
                rows.append((t / table, t, table, f"{name} → {fn.__name__}"))
            for where, t in _reads(text, forms, folder).items():
                rows.append((t / base[where], t, base[where], f"{name} @ {where}"))
    return sorted(rows, reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="对抗性单元格的读取耗时，与同一次运行中普通长文本的读取相比")
    parser.add_argument("--max-ratio", type=float, default=RATIO_TARGET,
                        help=f"单个读取与基线之比的上限（默认 {RATIO_TARGET}）")
    parser.add_argument("--forms", default="grid,text,xlsx", help="读取途径：grid,text,xlsx")
    args = parser.parse_args(argv)
    rows = run(set(args.forms.split(",")))
    over = [row for row in rows if row[0] > args.max_ratio]
    print(f"共 {len(rows)} 个读取，{len(TEXTS)} 种对抗性文本，每种 {N} 个字符；与普通长文本同样读取之比，最高的 8 个：")
    for ratio, t, b, case in rows[:8]:
        print(f"  {ratio:7.2f} ×  {t:7.3f} s（基线 {b:.3f} s）  {case}")
    if over:
        print(f"超过基线 {args.max_ratio} 倍的读取：{len(over)} 个")
        return 1
    print(f"全部在基线的 {args.max_ratio} 倍以内")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
