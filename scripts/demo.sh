#!/usr/bin/env bash
# The main job on the shipped examples: validate the department workbook, then merge every example.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=$(bash scripts/setup.sh) || exit 1
# The console script lives beside the interpreter in .venv: make sure `xltool` resolves to it.
export PATH="$(dirname "$PY"):$PATH"
mkdir -p out
echo "== 校验 examples/区行政审批局_2022.xlsx（标注副本写到 out/校验标注.xlsx）"
xltool validate examples/区行政审批局_2022.xlsx --mark-to out/校验标注.xlsx
echo "== 汇总 examples/split/ 下 22 个单位的工作簿和演示用问题表 → out/汇总.xlsx"
xltool merge examples/split examples/broken_demo.xlsx -o out/汇总.xlsx
status=$?
echo "== 完成：结果在 out/ 目录。"
exit "$status"
