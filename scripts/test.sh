#!/usr/bin/env bash
# The whole test suite (what CI runs): set up, then pytest. pytest's exit code 5 (no tests) fails too.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
# The console script lives beside the interpreter (pyenv, venv): make sure `xltool` resolves.
export PATH="$("${PYTHON:-python3}" -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
PY=${PYTHON:-python3}
"$PY" -m pytest -q -p no:cacheprovider "$@"
status=$?
if [ "$status" = "5" ]; then echo "错误：没有收集到任何测试。" >&2; exit 1; fi
exit "$status"
