"""The acceptance corpus (tests/corpus): published 绩效目标表 read as text, .docx and .xlsx.

Scored by scripts/corpus_fidelity.py: project name, total, every indicator's name and its
operator+target; every indicator's 一级/二级 is checked on its own (test_every_indicator_keeps_its_levels). The floors are below today's figures on purpose: a new wording that costs
a point somewhere is a review question, not a broken build; a project merged or split is.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
sys.path.insert(0, str(REPO / "tests"))

_spec = importlib.util.spec_from_file_location("corpus_fidelity", REPO / "scripts" / "corpus_fidelity.py")
assert _spec and _spec.loader
fidelity = importlib.util.module_from_spec(_spec)
sys.modules["corpus_fidelity"] = fidelity  # dataclasses look their module up
_spec.loader.exec_module(fidelity)

OVERALL_FLOOR = 0.95
TABLE_FLOOR = 0.85


@pytest.fixture(scope="module")
def text_scores() -> list:
    return fidelity.score_corpus(("text",))


def test_corpus_index_matches_the_folders() -> None:
    index = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
    assert sorted(e["dir"] for e in index) == [p.name for p in fidelity.corpus_dirs()]
    assert len(index) >= 21 and len({e["province"] for e in index}) >= 9


def test_text_corpus_reads_at_least_95_percent(text_scores: list) -> None:
    points = sum(s.points for s in text_scores)
    total = sum(s.total for s in text_scores)
    assert points / total >= OVERALL_FLOOR, [(s.name, s.misses) for s in text_scores if s.misses]


def test_every_table_above_its_floor_and_no_project_merged_or_split(text_scores: list) -> None:
    for s in text_scores:
        assert s.projects[0] == s.projects[1], (s.name, "项目数", s.projects)
        assert s.score >= TABLE_FLOOR, (s.name, s.score, s.misses)


@pytest.mark.parametrize("form", ["docx", "xlsx", "html", "xml2003"])
def test_corpus_as_word_and_excel_files_with_merged_cells(form: str) -> None:
    scores = fidelity.score_corpus((form,))
    assert len(scores) >= 8
    points, total = sum(s.points for s in scores), sum(s.total for s in scores)
    assert points / total >= OVERALL_FLOOR, [(s.name, s.misses) for s in scores if s.misses]
    assert all(s.projects[0] == s.projects[1] for s in scores), [(s.name, s.projects) for s in scores]


def test_fidelity_script_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert fidelity.main(["--forms", "text"]) == 0
    out = capsys.readouterr().out
    assert "合计" in out and "01_hubei_huangshi_zhutiban" in out


def _word_copy(text: str) -> str:
    """The same table as Word's text copy lays it out: one tab-led line per cell, a blank line per row.

    A web table pasted into Word and copied out again keeps the web copy's short rows (its
    merged cells are gone), so the reader must align them in this format too.
    """
    out: list[str] = []
    for line in text.split("\n"):
        out += [*(f"\t{cell}" for cell in line.split("\t")), ""] if "\t" in line else [line]
    return "\n".join(out)


def test_corpus_in_words_copy_format_and_gbk_reads_as_well(tmp_path: Path) -> None:
    points = total = 0
    for folder in fidelity.corpus_dirs():
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        text = (folder / "source.txt").read_text(encoding="utf-8")
        source = tmp_path / f"{folder.name}.txt"
        source.write_bytes(_word_copy(text).replace("\n", "\r\n").encode("gb18030"))  # Notepad on Chinese Windows
        score = fidelity.score_file(source, expected, folder.name)
        assert score.projects[0] == score.projects[1], (folder.name, score.projects)
        points, total = points + score.points, total + score.total
    assert points / total >= OVERALL_FLOOR


def test_corpus_as_pipe_rows_reads_too(tmp_path: Path) -> None:
    """"| a | b |" rows (Markdown, a wiki or a mail client's text copy). Only the outline
    table (11), whose levels are leading spaces that a pipe cell trims, cannot survive it."""
    points = total = 0
    for folder in fidelity.corpus_dirs():
        if folder.name.startswith("11_"):
            continue
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        rows = (folder / "source.txt").read_text(encoding="utf-8").split("\n")
        header_done = False
        out = []
        for line in rows:
            if "\t" in line:
                out.append("| " + " | ".join(line.split("\t")) + " |")
                if not header_done:  # a Markdown rule under the first row
                    out.append("|" + "---|" * len(line.split("\t")))
                    header_done = True
            else:
                out.append(line)
        source = tmp_path / f"{folder.name}.md.txt"
        source.write_text("\n".join(out), encoding="utf-8")
        score = fidelity.score_file(source, expected, folder.name)
        assert score.projects[0] == score.projects[1], (folder.name, score.projects, score.misses[:3])
        points, total = points + score.points, total + score.total
    assert points / total >= OVERALL_FLOOR


# Tables whose title block states no year anywhere (nor their name or dates): the import says so
# in a note and the year stays unread; every other table's year is read back as meta.json has it.
NO_YEAR_STATED = {"10_zhejiang_linhai_lvhuayanghu", "16_sichuan_ganzi_shipinanquan_list",
                  "29_jiangxi_fuliang_linyeju_bumenzhengti", "31_hainan_shengji_huizhanjiangli",
                  "50_xinjiang_bingtuan_alaer_baoxianku"}


def test_validating_an_imported_corpus_table_finds_nothing_the_import_caused(tmp_path: Path) -> None:
    """Import → write → read back → validate: the year is the table's (never the clock's), the
    framework is kept, the fields the form lacked are one JX108 prompt (no JX103 each), and no
    finding is about a form note in a level name."""
    from xltool.apps.sources import read_workbook  # noqa: PLC0415
    from xltool.apps.sources import load_source  # noqa: PLC0415
    from xltool.rules import validate_projects  # noqa: PLC0415
    from xltool.write.template import write_projects  # noqa: PLC0415

    caused: dict[str, list[str]] = {}
    for folder in fidelity.corpus_dirs():
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        imported = load_source(folder / "source.txt").projects
        back = read_workbook(write_projects(imported, tmp_path / f"{folder.name}.xlsx")).projects
        found = []
        for before, project in zip(imported, back):
            if folder.name in NO_YEAR_STATED:
                found += [] if any("年度未读取" in n for n in before.notes) else ["年度未读取却无提示"]
            elif project.year != meta["year"]:
                found.append(f"年度 {project.year} ≠ {meta['year']}")
            if project.profile != before.profile:
                found.append(f"指标体系 {project.profile} ≠ {before.profile}")
        source_fields = {p.sheet: b.layout_fields for b, p in zip(imported, back)}  # what each form had
        for f in validate_projects(back):
            had = source_fields[f.sheet]
            # a table naming no project (31) gets JX103 for its name whatever its layout (rules/layout.in_layout)
            absent = had is not None and f.field and f.field.split(".")[0] not in had and f.field != "name"
            if f.code == "JX103" and absent or "必填" in f.message or "选填" in f.message:
                found.append(f"{f.code} {f.message}")
        found += [f"JX108 ×{n}" for p in back if (n := sum(f.code == "JX108" and f.sheet == p.sheet
                                                             for f in validate_projects([p]))) > 1]
        if found:
            caused[folder.name] = found
    assert caused == {}


# Tables whose 一级/二级 the reader places otherwise than a careful reader of the page (the fidelity score
# counts names and values only). 40 is a 绩效评价指标表: its "评价指标 | 评价内容" columns hold a category
# ("项目年度绩效目标(定量指标)", in the first row only) and the 二级 names; the reader takes the 二级 names
# for 一级. Listed so that a change either way shows up here.
KNOWN_LEVEL_MISREADS = {"40_hebei_ningjin_gaozhongzhuxuejin"}


def test_every_indicator_keeps_its_levels() -> None:
    """一级/二级 of every indicator as expected.json has them, in order; a row the reader keeps for an empty
    二级 (no indicator in it) is passed over, as the expected answer leaves it out."""
    from xltool.apps.sources import load_source  # noqa: PLC0415

    wrong: dict[str, list[str]] = {}
    for folder in fidelity.corpus_dirs():
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["projects"]
        for want, got in zip(expected, load_source(folder / "source.txt").projects):
            named = [i for i in got.indicators if fidelity.norm(i.name)]
            for w, i in zip(want["indicators"], named):
                if (fidelity.norm(i.level1), fidelity.norm(i.level2)) != (fidelity.norm(w["level1"]),
                                                                          fidelity.norm(w["level2"])):
                    wrong.setdefault(folder.name, []).append(f"{w['name']}: {i.level1}/{i.level2}")
    assert set(wrong) == KNOWN_LEVEL_MISREADS, {k: v for k, v in wrong.items() if k not in KNOWN_LEVEL_MISREADS}
