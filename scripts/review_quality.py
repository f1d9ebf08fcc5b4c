"""Review quality of the rule catalogue: recall and precision against expert labels.

    PYTHONPATH=. python scripts/review_quality.py [--verbose]

The labels (tests/review_labels/*.toml, see its README) say, table by table of tests/corpus/,
what a reviewer raises (defects: place + checklist class + severity) and which findings a
reviewer would not keep (noise). The script runs the rules over the same tables and prints:

* recall — labelled defects found at their place by a rule that diagnoses their class;
* precision — findings that find a labelled defect / all findings counted (noise and
  unlabelled findings are not kept; import artefacts and JX108 are left out);
* for the seed (tests/review_labels/seed.toml): must-items found of 26, and false errors
  (error findings outside the must-items).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "review_labels"
CORPUS = REPO / "tests" / "corpus"
SEED = REPO / "examples" / "source" / "区行政审批局_2022.txt"
sys.path.insert(0, str(REPO))

from xltool.core.findings import Finding, Severity  # noqa: E402
from xltool.core.model import Project  # noqa: E402
from xltool.apps.sources import load_source  # noqa: E402
from xltool.rules import validate_projects  # noqa: E402

LEFT_OUT_CODES = {"JX108"}  # the import note: another issue's business


def norm(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))


@dataclass
class TableResult:
    name: str
    held_out: bool = False  # labelled after the rules were written, before they were run on it
    folder: str = ""  # the tests/corpus folder (a name may add "#project")
    blind: str = ""  # second held-out set: the date it was labelled without seeing any finding on it
    defects: int = 0
    found: int = 0
    error_defects: int = 0
    errors_found: int = 0
    kept: int = 0
    noise: int = 0
    unlabelled: int = 0
    missed: list[str] = field(default_factory=list)
    unlabelled_findings: list[str] = field(default_factory=list)
    noise_findings: list[str] = field(default_factory=list)


def _cells_of(project: Project, name: str) -> set[str]:
    key = norm(name)
    cells: set[str] = set()
    for ind in project.indicators:
        if norm(ind.name) == key:
            cells.update(ind.cells.values())
            if ind.cell:
                cells.add(ind.cell)
    return cells


def at_place(f: Finding, label: dict[str, Any], project: Project) -> bool:
    """Is the finding at the label's place (see tests/review_labels/README.md)?"""
    if "at" in label:
        if label["at"] == "*":
            return True
        if f.indicator and norm(f.indicator) == norm(label["at"]):
            return True
        return bool(f.cell) and f.field in ("indicator", "") and f.cell in _cells_of(project, label["at"])
    if "field" in label:
        return f.field == label["field"]
    if "level2" in label:
        return not f.indicator and norm(label["level2"]) in norm(f.level2)
    if label.get("table"):
        return not f.indicator and f.field in ("", "indicator")
    return False


def codes_table() -> dict[str, list[str]]:
    return tomllib.loads((LABELS / "codes.toml").read_text(encoding="utf-8"))["codes"]


def label_files() -> list[Path]:
    return sorted(p for p in LABELS.glob("*.toml") if p.name not in ("codes.toml", "seed.toml"))


def score_table(path: Path, codes: dict[str, list[str]]) -> TableResult:
    labels = tomllib.loads(path.read_text(encoding="utf-8"))
    projects = load_source(CORPUS / labels["table"] / "source.txt").projects
    project = projects[int(labels.get("project", 0))]
    findings = [
        f for f in validate_projects(projects)
        if f.project == project.name and f.sheet == project.sheet and f.code not in LEFT_OUT_CODES
    ]
    name = labels["table"] + (f"#{labels['project']}" if labels.get("project") else "")
    result = TableResult(name, held_out=bool(labels.get("held_out")), folder=labels["table"], blind=str(labels.get("blind", "")))
    defects = labels.get("defect", [])
    noise = labels.get("noise", [])
    names = {norm(i.name) for i in project.indicators}
    for label in defects + noise:
        if label.get("at", "*") != "*" and norm(label["at"]) not in names:
            raise SystemExit(f"{path.name}: 标注的三级指标“{label['at']}”在表中不存在")

    def diagnoses(f: Finding, d: dict[str, Any]) -> bool:
        return d["class"] in codes.get(f.code, []) and at_place(f, d, project)

    for d in defects:
        result.defects += 1
        is_error = d.get("severity") == "error"
        result.error_defects += is_error
        if any(diagnoses(f, d) for f in findings):
            result.found += 1
            result.errors_found += is_error
        else:
            place = d.get("at") or d.get("field") or d.get("level2") or "表"
            result.missed.append(f"{d['class']} {place}: {d.get('note', '')}")
    for f in findings:
        where = f"{f.code} {f.severity.value[0]} {f.cell} [{f.indicator[:24]}] {f.message[:70]}"
        if any(diagnoses(f, d) for d in defects):
            result.kept += 1
            continue
        labelled = [n for n in noise if n["code"] == f.code and at_place(f, n, project)]
        if labelled and all(n.get("artefact") for n in labelled):
            continue  # an import artefact: in neither figure
        if labelled:
            result.noise += 1
            result.noise_findings.append(where)
        else:
            result.unlabelled += 1
            result.unlabelled_findings.append(where)
    return result


def score_corpus() -> list[TableResult]:
    codes = codes_table()
    return [score_table(p, codes) for p in label_files()]


@dataclass
class SeedResult:
    must: int = 0
    found: int = 0
    false_errors: int = 0
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)


def _matches_must(f: Finding, m: dict[str, Any]) -> bool:
    if f.code != m["code"]:
        return False
    if "projects" in m:
        if f.project not in m["projects"]:
            return False
    elif m.get("project", "*") != "*" and f.project != m["project"]:
        return False
    if "indicator" in m and norm(f.indicator) != norm(m["indicator"]):
        return False
    return not ("field" in m and f.field != m["field"])


def score_seed() -> SeedResult:
    items = tomllib.loads((LABELS / "seed.toml").read_text(encoding="utf-8"))["must"]
    findings = validate_projects(load_source(SEED).projects)
    result = SeedResult(must=len(items))
    for m in items:
        hits = [f for f in findings if _matches_must(f, m)]
        if "projects" in m:
            ok = set(m["projects"]) <= {f.project for f in hits}
        else:
            ok = len(hits) >= int(m.get("min_count", 1))
        result.found += ok
        if not ok:
            result.missed.append(f"{m['code']} {m.get('project', '')} {m.get('indicator', '')}")
    per_item = Counter()
    for f in findings:
        if f.severity is not Severity.ERROR:
            continue
        item = next((k for k, m in enumerate(items) if _matches_must(f, m)), None)
        per_item[(item, f.project)] += 1
        # an error outside the must-items, or a second error of one item on one project, is false
        if item is None or per_item[(item, f.project)] > 1:
            result.false_errors += 1
            result.false.append(f"{f.project} {f.code} {f.cell} {f.message[:60]}")
    return result


def figures(tables: list[TableResult]) -> dict[str, float]:
    defects = sum(t.defects for t in tables)
    found = sum(t.found for t in tables)
    errors = sum(t.error_defects for t in tables)
    errors_found = sum(t.errors_found for t in tables)
    counted = sum(t.kept + t.noise + t.unlabelled for t in tables)
    kept = sum(t.kept for t in tables)
    return {
        "recall": found / defects if defects else 1.0,
        "error_recall": errors_found / errors if errors else 1.0,
        "precision": kept / counted if counted else 1.0,
        "defects": defects, "found": found, "findings": counted, "kept": kept,
        "noise": sum(t.noise for t in tables), "unlabelled": sum(t.unlabelled for t in tables),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="规则的审核质量：召回率与准确率（按专家标注）")
    parser.add_argument("--verbose", "-v", action="store_true", help="列出漏报的问题和不应报的结果")
    args = parser.parse_args(argv)
    tables = score_corpus()
    width = max(len(t.name) for t in tables)
    print(f"{'表':<{width}}  问题 查到   结果 保留 噪声 未标")
    for t in tables:
        print(f"{t.name:<{width}}  {t.defects:4d} {t.found:4d}   {t.kept + t.noise + t.unlabelled:4d} "
              f"{t.kept:4d} {t.noise:4d} {t.unlabelled:4d}")
        if args.verbose:
            for line in t.missed:
                print(f"    漏报 {line}")
            for line in t.noise_findings:
                print(f"    噪声 {line}")
            for line in t.unlabelled_findings:
                print(f"    未标 {line}")
    groups = (
        ("语料", [t for t in tables if not t.held_out]),
        ("留出", [t for t in tables if t.held_out and not t.blind]),
        ("盲标留出", [t for t in tables if t.blind]),
    )
    for label, subset in groups:
        if not subset:
            continue
        fig = figures(subset)
        print(f"{label} {len(subset)} 张表：召回率 {fig['recall']:.1%}（{fig['found']}/{fig['defects']}），"
              f"其中错误级 {fig['error_recall']:.1%}；准确率 {fig['precision']:.1%}（{fig['kept']}/{fig['findings']}，"
              f"噪声 {fig['noise']}，未标注 {fig['unlabelled']}）")
    seed = score_seed()
    print(f"种子表：必查项 {seed.found}/{seed.must}，误报错误 {seed.false_errors} 条")
    if args.verbose:
        for line in seed.missed:
            print(f"    漏报 {line}")
        for line in seed.false:
            print(f"    误报 {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
