"""How faithfully the reader reads the acceptance corpus (tests/corpus): one line per table.

    PYTHONPATH=. python scripts/corpus_fidelity.py [--forms text,docx,xlsx] [--verbose]

Points per project: the name, the total, and for each expected indicator its name and
its operator+target; an indicator read that is not in the expected list costs a point
too (a footer row read as an indicator is a defect). Values are compared after light
normalisation (NFKC, whitespace removed, the operator in its standard form); a target
with an embedded operator is compared as operator + rest. Projects are paired in order;
a table whose project count differs from the expected one is flagged ("合并/拆分").
The .docx/.xlsx forms are generated from the text (tests/corpus_forms.py) with merged
cells as Word and Excel users make them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
sys.path.insert(0, str(REPO))

from xltool.core.errors import XltoolError  # noqa: E402
from xltool.core.model import Project, normalize_operator  # noqa: E402
from xltool.apps.sources import load_source  # noqa: E402
from xltool.parse.imported import split_operator  # noqa: E402


def norm(value: Any) -> str:
    """NFKC, whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))


def op_target(operator: str, target: str) -> tuple[str, str]:
    """(standard operator, normalised rest): "≥" + "95%" equals "" + "≥95%"."""
    embedded, rest = split_operator(target or "")
    op = operator or embedded
    if embedded and (not operator or normalize_operator(operator) == normalize_operator(embedded)):
        target = rest
    op = normalize_operator(op) if op else ""
    return op, norm(target)


@dataclass
class TableScore:
    """One corpus table's points."""

    name: str
    points: int = 0
    total: int = 0
    projects: tuple[int, int] = (0, 0)  # (read, expected)
    misses: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.points / self.total if self.total else 1.0


def score_project(got: Project | None, want: dict[str, Any], misses: list[str]) -> tuple[int, int]:
    """(points, possible) for one project."""
    points = possible = 0

    def check(ok: bool, what: str) -> None:
        nonlocal points, possible
        possible += 1
        points += ok
        if not ok:
            misses.append(what)

    name = got.name if got else ""
    check(got is not None and norm(name) == norm(want["name"]), f"名称 {name!r} ≠ {want['name']!r}")
    total = got.total if got else None
    ok_total = (total is None) if want["total"] is None else (total is not None and abs(total - want["total"]) < 1e-6)
    check(got is not None and ok_total, f"金额 {total!r} ≠ {want['total']!r}")
    read = [i for i in got.indicators if not i.is_blank] if got else []
    used: set[int] = set()
    for ind in want["indicators"]:
        k = next((k for k, i in enumerate(read) if k not in used and norm(i.name) == norm(ind["name"])), None)
        check(k is not None, f"指标 {ind['name']!r} 未读到")
        if k is None:
            possible += 1
            misses.append(f"  目标值 {ind['operator']}{ind['target']} 未读到")
            continue
        used.add(k)
        have = op_target(read[k].operator_raw, read[k].target)
        check(have == op_target(ind["operator"], ind["target"]),
              f"指标 {ind['name']!r}: {have} ≠ {op_target(ind['operator'], ind['target'])}")
    for k, i in enumerate(read):
        if k not in used:
            check(False, f"多读的指标 {i.name!r} {i.target!r}")
    return points, possible


def score_file(path: Path, expected: dict[str, Any], label: str) -> TableScore:
    result = TableScore(label)
    try:
        projects = load_source(path).projects
    except XltoolError as exc:
        projects = []
        result.misses.append(f"未读到：{exc}")
    want = expected["projects"]
    result.projects = (len(projects), len(want))
    for k, w in enumerate(want):
        p, t = score_project(projects[k] if k < len(projects) else None, w, result.misses)
        result.points += p
        result.total += t
    for extra in projects[len(want):]:
        result.total += 1
        result.misses.append(f"多读的项目 {extra.name!r}")
    return result


def corpus_dirs() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "expected.json").is_file())


def score_corpus(forms: tuple[str, ...] = ("text",)) -> list[TableScore]:
    """Every corpus table in every requested form (text | docx | xlsx | html | xml2003)."""
    sys.path.insert(0, str(REPO / "tests"))
    from corpus_forms import FORMS_TABLES, write_form  # noqa: PLC0415  (tests helper)

    scores: list[TableScore] = []
    with tempfile.TemporaryDirectory(prefix="xltool-corpus-") as tmp:
        for form in forms:
            for folder in corpus_dirs():
                if form != "text" and folder.name not in FORMS_TABLES:
                    continue  # only tables whose rows keep their empty cells are laid out as files
                expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
                if form == "text":
                    path = folder / "source.txt"
                else:
                    path = write_form(folder / "source.txt", Path(tmp) / f"{folder.name}.{form}", form)
                scores.append(score_file(path, expected, folder.name if form == "text" else f"{folder.name} [{form}]"))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="验收语料的读取准确率")
    parser.add_argument("--forms", default="text", help="text,docx,xlsx,html,xml2003 中的一个或几个（逗号分隔）")
    parser.add_argument("--verbose", "-v", action="store_true", help="列出每个未读对的项")
    args = parser.parse_args(argv)
    scores = score_corpus(tuple(args.forms.split(",")))
    width = max(len(s.name) for s in scores)
    for s in scores:
        flag = "" if s.projects[0] == s.projects[1] else f"  项目数 {s.projects[0]}≠{s.projects[1]}（合并/拆分）"
        print(f"{s.name:<{width}}  {s.points:4d}/{s.total:<4d} {s.score:6.1%}{flag}")
        if args.verbose:
            for miss in s.misses:
                print(f"    {miss}")
    points, total = sum(s.points for s in scores), sum(s.total for s in scores)
    print(f"{'合计':<{width}}  {points:4d}/{total:<4d} {points / total:6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
