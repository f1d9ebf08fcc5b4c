#!/usr/bin/env bash
# The whole test suite (what CI runs): set up (a virtual environment in .venv), then pytest.
# pytest's exit code 5 (no tests) fails too.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=$(bash scripts/setup.sh) || exit 1
# The console script lives beside the interpreter: make sure `xltool` resolves to this one.
export PATH="$(dirname "$PY"):$PATH"
# Bytecode is cached: with PYTHONDONTWRITEBYTECODE set (as on some CI images) every one of the suite's
# hundreds of Python processes compiled xltool from source again (a quarter of a CLI run's instructions),
# and each pytest worker rewrote and compiled every test file (12 s of CPU instead of 5).
unset PYTHONDONTWRITEBYTECODE
# setup.sh installed LibreOffice, Chromium and node: a test missing one fails instead of skipping.
export XLTOOL_NEED_TOOLS=1
"$PY" -m compileall -q -j 0 xltool >/dev/null || true  # cached once here, not by the first few processes at once
# One worker per core (two on the usual office server and CI), a test file's tests kept together so that
# its expensive fixtures (LibreOffice renders, the hostile corpus, the offline bundle) are built once.
# Files are handed out costliest first (tests/conftest.py, FILE_COST); --no-loadscope-reorder keeps that
# order (xdist's own puts the files with the most tests first, whatever they cost).
"$PY" -m pytest -q -p no:cacheprovider -n auto --dist loadfile --no-loadscope-reorder "$@"
status=$?
if [ "$status" = "5" ]; then echo "错误：没有收集到任何测试。" >&2; exit 1; fi
exit "$status"
