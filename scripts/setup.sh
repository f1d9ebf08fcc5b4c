#!/usr/bin/env bash
# Install everything xltool and its tests need on a fresh Debian machine (idempotent).
#   - a virtual environment in .venv (Debian's own Python is "externally managed": pip may not
#     install into it), holding xltool itself (editable) with its test extras;
#   - LibreOffice Calc headless + python3-uno: the real spreadsheet application the tests drive;
#   - Chromium + ChromeDriver (Debian's): the real browser the web page's tests drive;
#   - poppler-utils + CJK fonts: PDF pages to text and PNG for the print tests and the docs;
#   - node + npm (Debian's, only when node is missing) and, with npm, the WPS API declarations
#     (et-jsapi-declare) in tests/wps/node_modules: the WPS add-in's JavaScript is tested under node.
# Prints the interpreter it set up on its last line (scripts/test.sh and demo.sh read it).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="libreoffice-calc python3-uno poppler-utils fonts-noto-cjk chromium chromium-driver python3-venv"
missing=""
command -v soffice >/dev/null 2>&1 || missing="yes"
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || missing="yes"
command -v chromium >/dev/null 2>&1 || missing="yes"
command -v chromedriver >/dev/null 2>&1 || missing="yes"
command -v pdftotext >/dev/null 2>&1 || missing="yes"
"${PYTHON:-python3}" -m ensurepip --version >/dev/null 2>&1 || missing="yes"
if ! command -v node >/dev/null 2>&1; then
  missing="yes"
  APT_PACKAGES="$APT_PACKAGES nodejs npm"
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== 安装 LibreOffice、Chromium 等系统软件包（apt-get）…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
  else
    echo "提示：缺少 LibreOffice / Chromium / node（需要 root 用 apt-get 安装：$APT_PACKAGES），相关测试会注明原因后跳过。" >&2
  fi
fi

BASE=${PYTHON:-python3}
VENV=${XLTOOL_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== 创建虚拟环境 $VENV（用 $BASE）…" >&2
  if ! "$BASE" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    echo "错误：无法用 $BASE 创建虚拟环境。Debian/Ubuntu 上请先安装：apt-get install python3-venv" >&2
    exit 1
  fi
fi
# pip runs again only when pyproject.toml changed since the last install into this environment (or
# xltool no longer imports from this folder): an editable install sees new modules by itself, and a
# reinstall costs seconds (a build environment from the package index) on every test run.
STAMP="$VENV/.xltool-installed"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1) $PWD"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -z "${XLTOOL_REINSTALL:-}" ] \
   && "$VENV/bin/python" -c "import sys, pytest, xltool; sys.exit(not xltool.__file__.startswith(sys.argv[1]))" "$PWD/" \
      >/dev/null 2>&1; then
  echo "== 虚拟环境 $VENV 中的 xltool 及测试依赖已是最新（pyproject.toml 未变；XLTOOL_REINSTALL=1 可强制重装）" >&2
else
  echo "== 在虚拟环境 $VENV 中安装 xltool 及测试依赖（pip）…" >&2
  rm -f "$STAMP"
  # (a machine's pip.conf may name local package folders that are not there: pip's word on each is dropped)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-warn-script-location -e ".[test]" 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2
  [ "${PIPESTATUS[0]}" = "0" ] || { echo "错误：pip 安装失败（见上）。" >&2; exit 1; }
  echo "$WANT" > "$STAMP"
fi
if command -v npm >/dev/null 2>&1 && [ ! -f tests/wps/node_modules/et-jsapi-declare/lib.et.d.ts ]; then
  echo "== 安装 WPS 加载项测试所需的 API 声明（npm ci，tests/wps/node_modules）…" >&2
  (cd tests/wps && npm ci --no-audit --no-fund --loglevel=error) >&2 \
    || echo "提示：npm 安装失败（无法访问 npm 软件源？），WPS 声明检查会注明原因后跳过。" >&2
fi
echo "$VENV/bin/python"
