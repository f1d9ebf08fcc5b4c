"""One adversarial cell must not stall a run: read ≤ 0.2 s and validate ≤ 0.5 s more than a normal table.

    python benchmarks/adversarial_cells.py [--fields overview,total] [--patterns digits] [--timeout 10]

Every text cell of a table goes through the reader's and the rules' regular expressions,
so one cell typed (or pasted) with 30,000 digits or spaces can cost seconds to minutes
when a pattern backtracks quadratically (adjacent ``\\s*…\\s*``, no anchor). For each
field of the 附件3 form and each adversarial pattern (each cell within Excel's 32,767
characters) this writes a one-table workbook with that one cell replaced, then times
``read_workbook`` and ``validate_files`` on it against the same table unmodified, in
the same run. It prints a table (seconds over, and ratio to, the normal table) and exits 1 if any
cell costs more than the limits
(a case that hits ``--timeout`` is reported as at least that long).

Measured 2026-12-07, after the reader's patterns were anchored (issue 23): 304 cases on 2 shared cores
(``--timeout 3``, two other test runs beside it), 303 within the limits, the worst validate +0.17 s. The one
over was "项目名称：" × 6,000 in the 其他资金 cell, read at +0.213 s (limit 0.2): alone, three runs gave +0.094,
+0.107 and +0.150 s, so it is load: the read grows linearly (1,500 / 3,000 / 6,000 repeats: 0.012 / 0.016 / 0.032 s parsing).
Earlier, before the fixes, "1" + 30,000 spaces + "项"/"x" timed out in 18 of 19 cells (quadratic
``\s*…\s*`` in ``parse.labels`` and the amount pattern) and 30,000 digits in 项目概况 took > 5 s in rules/.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl  # noqa: E402

from benchmarks.common import generate_departments  # noqa: E402

READ_LIMIT = 0.2  # seconds more than the normal table, per adversarial cell
VALIDATE_LIMIT = 0.5
EXCEL_CELL_LIMIT = 32_767

# Cell of each field in benchmarks.common.write_project_sheet's layout (first indicator row: 12).
FIELDS: dict[str, str] = {
    "name": "B3", "department": "B4", "implementer": "B5", "start": "B6", "end": "B7",
    "total": "D3", "province": "D4", "city": "D5", "district": "D6", "other": "D7",
    "overview": "B8", "long_term_goal": "B9", "annual_goal": "B10",
    "level1": "A12", "level2": "B12", "indicator": "C12", "operator": "D12", "target": "E12",
    "label_total": "C3",  # a label cell: the header matcher sees it too
}

PATTERNS: dict[str, str] = {
    "digits": "1" * 30_000,  # 30,000 digits
    "spaces_han": "1" + " " * 30_000 + "项",
    "spaces_x": "1" + " " * 30_000 + "x",
    "dots": "1." * 15_000,
    "units": "1万元 " * 7_500,
    "tabs_newlines": ("1\t\n " * 10_000)[:30_000] + "元",
    "full_width": "１" + "　" * 30_000 + "万",
    "percent": "9" * 15_000 + "%" * 15_000,
    "brackets": "（" * 15_000 + "1" + "）" * 15_000,
    "ascii_brackets": "(" * 30_000 + "x",
    "trailing_dots": "." * 30_000 + "x",
    "newline_spaces": "\n" + " " * 30_000 + "年",
    "colons": "项目名称：" * 6_000,
    "han_run": "项" * 30_000,  # a run of Chinese without the slash the two-indicators rule looks for
    "number_brackets": "1" + "(" * 30_000,  # a unit of 30,000 opening brackets
    "number_dots": "1" + "." * 30_000 + "x",
}


def timed(func: Callable[[], object], timeout: float) -> float:
    """Seconds ``func`` took, run in a forked child (``timeout`` if it had to be killed).

    A fork of the warmed-up parent starts in milliseconds with everything imported, and a
    stalled case is killed outright: no half-finished state leaks into the next case.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        start = time.perf_counter()
        try:
            func()
        except Exception:  # a refusal (XltoolError) is an outcome, not a stall
            pass
        sender.send(time.perf_counter() - start)

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()
    try:
        return receiver.recv() if receiver.poll(timeout) else timeout
    except EOFError:  # the child died: count it as a stall
        return timeout
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()


def build(base: Path, folder: Path, field: str, pattern: str) -> Path:
    wb = openpyxl.load_workbook(base)
    ws = wb["项目1"]
    text = PATTERNS[pattern]
    assert len(text) <= EXCEL_CELL_LIMIT
    ws[FIELDS[field]] = text
    path = folder / f"{field}-{pattern}.xlsx"
    wb.save(path)
    return path


def measure(path: Path, timeout: float) -> tuple[float, float]:
    from xltool.apps.validate import validate_files
    from xltool.apps.sources import read_workbook

    return timed(lambda: read_workbook(path), timeout), timed(lambda: validate_files([path]), timeout)


def culprit(base: Path, folder: Path, field: str, pattern: str) -> str:
    """The function whose regular-expression calls cost most on a 1/4-length copy of the cell."""
    import cProfile
    import pstats

    from xltool.apps.validate import validate_files

    text = PATTERNS[pattern]
    short = text[:1] + text[1:-1][: len(text) // 4] + text[-1:]
    wb = openpyxl.load_workbook(base)
    wb["项目1"][FIELDS[field]] = short
    path = folder / "explain.xlsx"
    wb.save(path)
    profile = cProfile.Profile()
    profile.enable()
    try:
        validate_files([path])
    except Exception:
        pass
    finally:
        profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    costs: dict[str, float] = {}
    for (file, line, name), (_, _, _, _, callers) in stats.items():
        if not (name.startswith("<method '") and ("re.Pattern" in name or "re.Match" in name)) and not (
            file.endswith(("re/__init__.py", "re\\__init__.py"))
        ):
            continue
        for (cfile, cline, cname), (_, _, _, cum) in callers.items():
            if "xltool" in cfile:
                where = "xltool" + cfile.replace("\\", "/").rsplit("/xltool", 1)[-1] + f":{cline}({cname})"
                costs[where] = costs.get(where, 0.0) + cum
    path.unlink()
    if not costs:
        return "（未找到耗时的正则表达式调用）"
    where, cost = max(costs.items(), key=lambda item: item[1])
    return f"耗时最多的正则调用：{where}，{cost:.2f} s（1/4 长度）"


def explained(base: Path, folder: Path, field: str, pattern: str, timeout: float) -> str:
    """:func:`culprit` in a forked child, so a stall costs at most ``timeout``."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=lambda: sender.send(culprit(base, folder, field, pattern)), daemon=True)
    process.start()
    sender.close()
    try:
        return receiver.recv() if receiver.poll(timeout) else f"（剖析超过 {timeout:.0f} 秒，未完成）"
    except EOFError:
        return "（剖析进程异常退出）"
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="单个恶意单元格的读取、校验耗时（与正常表格对比）")
    parser.add_argument("--fields", default=",".join(FIELDS), help="逗号分隔的栏目，默认全部")
    parser.add_argument("--patterns", default=",".join(PATTERNS), help="逗号分隔的样式，默认全部")
    parser.add_argument("--timeout", type=float, default=10.0, help="单个用例的最长等待秒数（默认 10）")
    parser.add_argument("--explain", action="store_true",
                        help="对超限的用例，用缩短到 1/4 的同样单元格做性能剖析，指出耗时最多的正则表达式所在函数")
    args = parser.parse_args(argv)
    fields = [f for f in args.fields.split(",") if f]
    patterns = [p for p in args.patterns.split(",") if p]
    unknown = [f for f in fields if f not in FIELDS] + [p for p in patterns if p not in PATTERNS]
    if unknown:
        parser.error(f"未知的栏目或样式：{'、'.join(unknown)}")

    with tempfile.TemporaryDirectory(prefix="xltool-adversarial-") as tmp:
        folder = Path(tmp)
        [spec] = generate_departments(folder / "base", 1, per_workbook=(1, 1), seed=7)
        base = spec.path
        from xltool.apps.validate import validate_files
        from xltool.apps.sources import read_workbook

        validate_files([read_workbook(base).projects[0].file])  # warm imports in the parent: children fork ready
        normal = [measure(base, args.timeout) for _ in range(3)]
        base_read = statistics.median(r for r, _ in normal)
        base_validate = statistics.median(v for _, v in normal)
        print(f"正常表格：读取 {base_read:.3f} s，校验 {base_validate:.3f} s（以下为超出正常表格的耗时）")
        print(f"{'栏目':<16}{'样式':<15}{'读取 +s':>9}{'校验 +s':>9}{'其中规则 +s':>12}{'读取 ×':>8}{'校验 ×':>8}  结果")
        failures = 0
        for field in fields:
            for pattern in patterns:
                path = build(base, folder, field, pattern)
                read, check = measure(path, args.timeout)
                extra_read, extra_check = read - base_read, check - base_validate
                # validate reads the file too: what the rules alone add beyond the reader
                extra_rules = (check - read) - (base_validate - base_read)
                bad = extra_read > READ_LIMIT or extra_check > VALIDATE_LIMIT
                failures += bad
                mark = "超时" if max(read, check) >= args.timeout else ("不合格" if bad else "通过")
                if bad:
                    mark += "（读取：parse/）" if extra_read > READ_LIMIT else "（规则：rules/）"
                print(f"{field:<16}{pattern:<15}{extra_read:>9.3f}{extra_check:>9.3f}{extra_rules:>12.3f}"
                      f"{read / base_read:>8.1f}{check / base_validate:>8.1f}  {mark}",
                      flush=True)
                path.unlink()
                if bad and args.explain:
                    print(f"{'':<31}↳ {explained(base, folder, field, pattern, args.timeout * 5)}", flush=True)
    total = len(fields) * len(patterns)
    print(f"共 {total} 个用例，{failures} 个超出限制（读取 {READ_LIMIT} s，校验 {VALIDATE_LIMIT} s）。")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
