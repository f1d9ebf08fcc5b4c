"""Regenerate everything in examples/ (the one documented command: ``python scripts/make_examples.py``).

- ``examples/区行政审批局_2022.xlsx``: the 22 real 2022 tables of one bureau
  (``examples/source/区行政审批局_2022.txt``, defects included) imported into one
  template workbook, one sheet per project;
- ``examples/split/*.xlsx``: the same, one workbook per project;
- ``examples/broken_demo.xlsx``: one small table with classic defects, for demos of
  ``xltool validate`` and the Excel ribbon.

Everything goes through the same code as ``xltool import``. Files are built in a
scratch folder first and moved into place only when all of them were written, so an
error never leaves examples/ half regenerated.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xltool.core.errors import XltoolError  # noqa: E402
from xltool.apps.importer import run_import  # noqa: E402

EXAMPLES = REPO / "examples"
SOURCE = EXAMPLES / "source" / "区行政审批局_2022.txt"
DEPARTMENT = "区行政审批局_2022.xlsx"
SPLIT = "split"
BROKEN = "broken_demo.xlsx"

# One table in the seed's text layout, with the defects reviewers meet most often:
# funding that does not add up (30 + 10 ≠ 50), 定性 "及时" and "预算数", ≥100%, a rate
# measured in 天, "5年" marked 定性, a placeholder XX and "……", no satisfaction
# indicator, end before start, and the long-term goal copied into the annual goal.
BROKEN_DEMO_TEXT = """附件3
2023年度区级预算绩效管理项目绩效目标表
\t项目名称
\t社区便民服务站运行经费（演示）
\t项目总金额（万元）
\t50

\t主管部门
\t区行政审批局
\t其中：部省级财政（万元）
\t

\t实施单位
\t区政务服务中心
\t      市级财政（万元）
\t

\t计划开始时间
\t2023.12
\t      区级财政（万元）
\t30

\t计划结束时间
\t2023.01
\t      其他（万元）
\t10

\t项目概况
\t为全区XX个社区便民服务站提供日常运行保障。

\t中长期绩效目标
\t保障便民服务站正常运行，提升群众办事便利度。

\t年度绩效目标
\t保障便民服务站正常运行，提升群众办事便利度。

\t一级指标
\t二级指标
\t三级指标
\t计算符号
\t年度目标值

\t产出指标
\t产出数量指标
\t服务站数量
\t≥
\t24个

\t
\t产出质量指标
\t事项办结率
\t≤
\t5天

\t
\t产出时效指标
\t经费支出时效性
\t定性
\t及时

\t
\t产出成本指标
\t项目总成本
\t定性
\t预算数

\t效果指标
\t经济效益指标
\t……
\t
\t

\t
\t社会效益指标
\t群众办事一次办成率
\t≥
\t100%

\t
\t生态效益指标
\t……
\t
\t

\t
\t可持续影响指标
\t设备使用年限
\t定性
\t5年

\t
\t满意度指标
\t……
\t
\t
"""


def _replace(built: Path, target: Path) -> None:
    if target.is_dir():
        shutil.rmtree(target)
    os.replace(built, target)


def main() -> int:
    if not SOURCE.is_file():
        print(f"错误：找不到示例源文件 {SOURCE}", file=sys.stderr)
        return 2
    EXAMPLES.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=EXAMPLES))
    try:
        broken_source = scratch / "broken_demo.txt"
        broken_source.write_text(BROKEN_DEMO_TEXT, encoding="utf-8")
        runs = [
            run_import([SOURCE], output=scratch / DEPARTMENT),
            run_import([SOURCE], split_dir=scratch / SPLIT),
            run_import([broken_source], output=scratch / BROKEN),
        ]
        for run in runs:
            for line in run.warnings + [run.profile_notice] * bool(run.profile_notice):
                print(f"提示：{line}", file=sys.stderr)
        _replace(scratch / DEPARTMENT, EXAMPLES / DEPARTMENT)
        _replace(scratch / SPLIT, EXAMPLES / SPLIT)
        _replace(scratch / BROKEN, EXAMPLES / BROKEN)
    except XltoolError as exc:
        print(f"错误：{exc.describe()}", file=sys.stderr)
        return exc.exit_code
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    split_count = len(list((EXAMPLES / SPLIT).glob("*.xlsx")))
    print(f"已生成：{EXAMPLES / DEPARTMENT}（{len(runs[0].projects)} 个项目）")
    print(f"已生成：{EXAMPLES / SPLIT}/（{split_count} 个工作簿）")
    print(f"已生成：{EXAMPLES / BROKEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
