#!/usr/bin/env bash
# Install everything xltool and its tests need on a fresh Debian machine (idempotent).
#   - Python packages: xltool itself (editable) with its test extras;
#   - LibreOffice Calc headless + python3-uno: the real spreadsheet application the tests drive;
#   - poppler-utils + CJK fonts: only to render the template to PNG for the docs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v soffice >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== 安装 LibreOffice（apt-get）…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
      libreoffice-calc python3-uno poppler-utils fonts-noto-cjk >/dev/null
  else
    echo "提示：未安装 LibreOffice（soffice / python3-uno），相关测试将被跳过。" >&2
  fi
fi

PY=${PYTHON:-python3}
echo "== 安装 xltool 及测试依赖（pip）…"
"$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore -e ".[test]"
