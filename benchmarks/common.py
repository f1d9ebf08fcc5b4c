"""Generator of department workbooks for the merge benchmark and tests.

Written directly with xlsxwriter in the 附件3 label layout (the reader finds tables by
their labels, not coordinates), so thousands of distinct tables cost seconds, not
minutes. Every table is described by a :class:`ProjectSpec`; tests compute expected
counts and totals from the specs, independently of the merge under test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import xlsxwriter

# in_memory: xlsxwriter's default writes every part to a temporary file first (a quarter of the time
# of a small workbook); the generated workbooks are small.
WRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                  "in_memory": True}

# (一级, 二级, [(三级, 计算符号, 年度目标值), ...]) as in the seed's district-2022 form.
_INDICATOR_POOL: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("产出指标", "产出数量指标", (("档案库房租赁数", "=", "3间"), ("培训人次", "≥", "600人次"), ("办公面积", "=", "8085.11平方米"))),
    ("产出指标", "产出质量指标", (("房屋设施完好率", "≥", "90%"), ("验收合格率", "=", "100%"))),
    ("产出指标", "产出时效指标", (("按期完成率", "≥", "95%"), ("响应时间", "≤", "1小时"))),
    ("产出指标", "产出成本指标", (("项目总成本", "≤", "{total}万元"), ("人均补助标准", "=", "750元/人/月"))),
    ("效果指标", "经济效益指标", (("节约运行成本", "≥", "5万元"),)),
    ("效果指标", "社会效益指标", (("政务服务便利度提升", "定性", "较好"), ("群众办事等候时间缩短", "≥", "10%"))),
    ("效果指标", "生态效益指标", (("……", "", ""),)),
    ("效果指标", "可持续影响指标", (("对机构持续稳定运转的保障程度", "定性", "达到预期目标"),)),
    ("效果指标", "满意度指标", (("服务对象满意率", "≥", "90%"),)),
)


_KINDS = ("信息化运维", "办公场所租赁", "业务培训", "档案整理", "设备购置", "宣传印刷", "课题研究", "物业管理")
# Distinct clauses, so generated 项目概况 and goals are not near copies of each other
# (the copied-text rules would rightly flag templated text in every table).
_CLAUSES = tuple(
    f"{a}{b}{c}"
    for a in ("推进", "保障", "完善", "提升", "规范", "加强", "落实", "优化")
    for b in ("窗口服务", "档案管理", "网络安全", "资产管理", "人员培训", "应急处置", "数据共享", "后勤保障")
    for c in ("工作质量", "运行效率", "服务水平", "制度建设", "监督检查", "信息公开")
)


@dataclass(frozen=True)
class IndicatorSpec:
    level1: str
    level2: str
    name: str
    operator: str
    target: str

    @property
    def is_placeholder(self) -> bool:
        return self.name.strip("…. ") == "" and not self.operator and not self.target


@dataclass(frozen=True)
class ProjectSpec:
    """What one generated table holds; amounts in 万元 (None = blank cell)."""

    name: str
    department: str
    implementer: str
    total: float
    province: float | None
    city: float | None
    district: float | None
    other: float | None
    start: str = "2022.01"
    end: str = "2022.12"
    overview: str = ""
    long_term_goal: str = ""
    annual_goal: str = ""
    indicators: tuple[IndicatorSpec, ...] = ()

    @property
    def real_indicators(self) -> list[IndicatorSpec]:
        """Indicators a summary lists: no '……' placeholder rows."""
        return [i for i in self.indicators if not i.is_placeholder]


@dataclass
class WorkbookSpec:
    path: Path
    projects: list[ProjectSpec] = field(default_factory=list)
    extra_sheets: tuple[str, ...] = ()


def make_project(index: int, *, department: str, implementer: str, rng: random.Random) -> ProjectSpec:
    """A realistic table: sources add up, ~13 indicators over all nine 二级 rows."""
    cents = rng.randrange(10_00, 900_00)  # 10.00 .. 899.99 万元
    total = cents / 100
    city_cents = rng.choice((0, cents // 4))
    province_cents = rng.choice((0, 0, cents // 10))
    district_cents = cents - city_cents - province_cents
    indicators: list[IndicatorSpec] = []
    for level1, level2, options in _INDICATOR_POOL:
        count = 1 if len(options) == 1 else rng.randint(1, len(options))
        for name, op, target in options[:count]:
            indicators.append(IndicatorSpec(level1, level2, name, op, target.format(total=f"{total:.2f}")))
    kind = _KINDS[index % len(_KINDS)]
    name = f"{implementer}{kind}项目{index:05d}"
    clauses = rng.sample(_CLAUSES, 6)
    return ProjectSpec(
        name=name,
        department=department,
        implementer=implementer,
        total=total,
        province=province_cents / 100 or None,
        city=city_cents / 100 or None,
        district=district_cents / 100,
        other=None,
        overview=f"用于{kind}：{clauses[0]}，{clauses[1]}；测算依据为合同价 {total:.2f} 万元。",
        long_term_goal=f"{clauses[2]}，{clauses[3]}。",
        annual_goal=f"{clauses[4]}，{clauses[5]}，全年完成率达到 {rng.randint(90, 100)}%。",
        indicators=tuple(indicators),
    )


def _formats(workbook: xlsxwriter.Workbook) -> dict[str, object]:
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14, "align": "center"}),
        "label": workbook.add_format({"bold": True, "border": 1}),
        "cell": workbook.add_format({"border": 1, "text_wrap": True}),
        "amount": workbook.add_format({"border": 1, "num_format": "0.00"}),
    }


def write_project_sheet(workbook: xlsxwriter.Workbook, sheet_name: str, project: ProjectSpec, fmt: dict) -> None:
    """One table in the 附件3 layout: header grid (label, value, label, value), then indicators."""
    ws = workbook.add_worksheet(sheet_name)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 24)
    ws.set_column(3, 4, 14)
    ws.write_string(0, 0, "附件3")
    ws.merge_range(1, 0, 1, 4, "2022年度区级预算绩效管理项目绩效目标表", fmt["title"])

    def amount(row: int, col: int, value: float | None) -> None:
        if value is None:
            ws.write_blank(row, col, None, fmt["amount"])
        else:
            ws.write_number(row, col, value, fmt["amount"])

    header = (
        ("项目名称", project.name, "项目总金额（万元）", project.total),
        ("主管部门", project.department, "其中：部省级财政（万元）", project.province),
        ("实施单位", project.implementer, "市级财政（万元）", project.city),
        ("计划开始时间", project.start, "区级财政（万元）", project.district),
        ("计划结束时间", project.end, "其他（万元）", project.other),
    )
    for r, (label1, value1, label2, value2) in enumerate(header, start=2):
        ws.write_string(r, 0, label1, fmt["label"])
        ws.write_string(r, 1, value1, fmt["cell"])
        ws.write_string(r, 2, label2, fmt["label"])
        amount(r, 3, value2)
    for r, (label, text) in enumerate(
        (("项目概况", project.overview), ("中长期绩效目标", project.long_term_goal), ("年度绩效目标", project.annual_goal)),
        start=7,
    ):
        ws.write_string(r, 0, label, fmt["label"])
        ws.merge_range(r, 1, r, 4, "", fmt["cell"])
        ws.write_string(r, 1, text, fmt["cell"])
    for c, title in enumerate(("一级指标", "二级指标", "三级指标", "计算符号", "年度目标值")):
        ws.write_string(10, c, title, fmt["label"])
    prev1 = prev2 = ""
    for r, ind in enumerate(project.indicators, start=11):
        # Like merged cells in the real form: a level is typed once, on its first row.
        if ind.level1 != prev1:
            ws.write_string(r, 0, ind.level1, fmt["cell"])
        if ind.level2 != prev2:
            ws.write_string(r, 1, ind.level2, fmt["cell"])
        prev1, prev2 = ind.level1, ind.level2
        ws.write_string(r, 2, ind.name, fmt["cell"])
        if ind.operator:
            ws.write_string(r, 3, ind.operator, fmt["cell"])
        if ind.target:
            ws.write_string(r, 4, ind.target, fmt["cell"])


def write_department_workbook(path: Path, projects: Sequence[ProjectSpec], *, extra_sheets: Iterable[str] = ()) -> Path:
    """A workbook with one sheet per project (项目1, 项目2 …) plus optional non-project sheets."""
    workbook = xlsxwriter.Workbook(str(path), WRITER_OPTIONS)
    fmt = _formats(workbook)
    for name in extra_sheets:
        ws = workbook.add_worksheet(name)
        ws.write_string(0, 0, "填报说明：每个项目填写一张表，金额单位为万元。")
    for i, project in enumerate(projects, start=1):
        write_project_sheet(workbook, f"项目{i}", project, fmt)
    workbook.close()
    return path


def generate_departments(
    folder: Path,
    tables: int,
    *,
    per_workbook: tuple[int, int] = (1, 9),
    workbooks_per_department: int = 10,
    seed: int = 2022,
) -> list[WorkbookSpec]:
    """Write workbooks holding ``tables`` project tables in all, in ``folder`` (created).

    Workbook *k* belongs to department ``k // workbooks_per_department``; each holds a
    random number of tables within ``per_workbook`` and every fourth one also has a
    填报说明 sheet without a table. Deterministic for a given seed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    specs: list[WorkbookSpec] = []
    index = 0
    k = 0
    while index < tables:
        count = min(rng.randint(*per_workbook), tables - index)
        dept_no = k // workbooks_per_department
        department = f"区第{dept_no + 1}局"
        implementer = f"{department}第{k % 3 + 1}中心"
        projects = [
            make_project(index + j, department=department, implementer=implementer, rng=rng) for j in range(count)
        ]
        extra = ("填报说明",) if k % 4 == 0 else ()
        path = folder / f"dept{dept_no + 1:03d}" / f"单位{k + 1:05d}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_department_workbook(path, projects, extra_sheets=extra)
        specs.append(WorkbookSpec(path=path, projects=projects, extra_sheets=extra))
        index += count
        k += 1
    return specs
