"""Generate docs/rules.md from the rule catalogue, so the document never drifts from the code.

    python scripts/make_rules_doc.py           # write docs/rules.md
    python scripts/make_rules_doc.py --check   # exit 1 when docs/rules.md is out of date

The test suite runs the check, so a rule added without regenerating the page fails CI.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xltool.core.findings import Severity  # noqa: E402
from xltool.rules import RuleInfo, iter_catalogue  # noqa: E402

DOC = REPO / "docs" / "rules.md"

GROUPS: dict[str, str] = {
    "1": "完整性",
    "2": "计算符号与方向",
    "3": "可衡量性",
    "4": "成本指标",
    "5": "指标归类",
    "6": "金额",
    "7": "目标文字（照抄、无数量、与指标对应）",
    "8": "规范书写（一格两指标、指标名称、单位）",
    "9": "时间与时效",
    "HZ0": "汇总（多个文件之间）",
}

_HEADER = """\
# 校验规则一览

本页由 `python scripts/make_rules_doc.py` 根据规则目录自动生成，请勿手工修改。

每条规则有一个永久不变的编号（JX + 三位数字，按百位分组；汇总多个文件时才能发现的问题为 HZ + 三位数字）。严重程度：

| 级别 | 含义 |
|---|---|
| 错误 | 审核人员一定会退回修改的问题 |
| 警告 | 很可能有问题，请逐条核对 |
| 提示 | 书写规范方面的建议 |

规则用到的词表和阈值（如“越小越好”的指标用词、满意度习惯下限、资金合计允许误差）在
`xltool/data/rules.toml` 中，各地可按本地口径调整；`[profile.<体系名>]` 下的设置只对该指标体系生效。
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(rules: list[RuleInfo]) -> str:
    """The whole page as Markdown."""
    lines = [_HEADER, "## 目录", "", "| 编号 | 规则 | 级别 | 适用范围 |", "|---|---|---|---|"]
    for info in rules:
        scope = "同批多个项目之间" if info.batch else "单个项目"
        lines.append(f"| [{info.code}](#{info.code.lower()}) | {_cell(info.title)} | {info.severity.label} | {scope} |")
    current = ""
    for info in rules:
        group = info.code[:3]
        if group != current:
            current = group
            lines += ["", f"## {group}xx {GROUPS.get(group[2:] if group.startswith('JX') else group, '其他')}"]
        lines += [
            "",
            f"### {info.code}",
            "",
            f"**{info.title}**（{info.severity.label}{'，跨项目比对' if info.batch else ''}）",
            "",
            f"- 为什么：{info.why}",
            f"- 错误示例：{info.bad}",
            f"- 正确示例：{info.good}",
        ]
    counts = {s: sum(1 for i in rules if i.severity is s) for s in Severity}
    summary = "，".join(f"{s.label} {counts[s]} 条" for s in Severity)
    lines += ["", "---", "", f"共 {len(rules)} 条规则（默认级别：{summary}）。", ""]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder, then replace: never a half-written page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rules.", suffix=".md.tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="根据规则目录生成 docs/rules.md")
    parser.add_argument("--check", action="store_true", help="只检查 docs/rules.md 是否为最新，不写文件")
    args = parser.parse_args(argv)
    text = render(list(iter_catalogue()))
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
        if current != text:
            print("docs/rules.md 不是最新的：请运行 python scripts/make_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    write_atomic(DOC, text)
    print(f"已写入 {DOC.relative_to(REPO)}（{text.count('### ')} 条规则）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
