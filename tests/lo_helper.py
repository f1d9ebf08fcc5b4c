"""LibreOffice headless for tests: file conversion and UNO scripts, in one office per test process.

LibreOffice's Python bridge (``uno``) lives in the system interpreter
(``/usr/bin/python3``, Debian's python3-uno), not in the test interpreter, so UNO
work runs in a child process of that interpreter. Starting an office costs about 2.4 s of CPU
and wall, so every call of a test process goes to one headless office with a throw-away
profile, started on the first call and ended with the process (tests/lo_office.py); each call
gets the office with no document open, and whatever it opened is closed after it. Everything is
bounded by a timeout: a call that times out or loses the office kills it (the next call starts a
fresh one), so a hung office never hangs the test run.

Usage::

    from tests.lo_helper import convert, lo_available, run_uno_script
    pdf = convert(xlsx, "pdf", tmp_path)
    info = run_uno_script('''
    doc = load(ARGS["path"])
    result = [s.Name for s in doc.Sheets]
    doc.close(True)
    ''', args={"path": str(xlsx)})

Inside a script: ``desktop``, ``ctx``, ``smgr``, ``uno``, ``ARGS`` (the ``args``
dict), ``props(**kw)`` (PropertyValues), ``load(path, **kw)`` (hidden document),
``store(doc, path, filter_name)``; assign ``result`` (JSON-serialisable) to return it.
A script must not end the office (``desktop.terminate()``): the next call would pay for a new one.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
import uuid
from functools import cache
from pathlib import Path
from typing import Any

try:  # `python -m pytest` puts the repo root on sys.path, bare `pytest` and scripts/ put tests/
    from tests import lo_office
except ImportError:  # pragma: no cover
    import lo_office  # type: ignore[no-redef]

LibreOfficeError = lo_office.LibreOfficeError
soffice_path = lo_office.soffice_path
_child_env = lo_office.child_env
UNO_PYTHON = lo_office.UNO_PYTHON
XLSX_FILTER = "Calc MS Excel 2007 XML"


def need(present: bool, reason: str) -> None:
    """Skip a test whose tool is missing, saying which — but fail it when the run installed every
    tool (scripts/test.sh sets ``XLTOOL_NEED_TOOLS``; CI runners set ``CI``): there a skip would
    hide a test that never ran."""
    if present:
        return
    import pytest  # noqa: PLC0415  (the helper is also used by scripts, without pytest)

    if os.environ.get("XLTOOL_NEED_TOOLS") or os.environ.get("CI"):
        pytest.fail(f"{reason}（scripts/setup.sh 已安装全部工具，不应缺少）", pytrace=False)
    pytest.skip(reason)


@cache
def lo_available() -> bool:
    """soffice is installed (enough for :func:`convert`)."""
    return soffice_path() is not None


@cache
def uno_available() -> bool:
    """soffice plus the system Python's ``uno`` module (needed by :func:`run_uno_script`)."""
    if not lo_available() or not Path(UNO_PYTHON).exists():
        return False
    try:
        done = subprocess.run(
            [UNO_PYTHON, "-c", "import uno"], env=_child_env(), capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run in a new session; on timeout kill the whole group (soffice forks)."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_child_env(), start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        raise LibreOfficeError(f"LibreOffice timed out after {timeout:.0f} s: {' '.join(cmd[:3])}\n{err[-2000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def convert(path: str | os.PathLike[str], fmt: str, outdir: str | os.PathLike[str], *, timeout: float = 180) -> Path:
    """What ``soffice --convert-to fmt`` writes; returns the written file.

    ``fmt`` is what ``--convert-to`` takes: ``"pdf"``, ``"xlsx"``, or with a filter (and its options),
    ``'xlsx:"Calc MS Excel 2007 XML"'``.
    """
    return convert_all([path], fmt, outdir, timeout=timeout)[0]


def convert_all(paths: list[str | os.PathLike[str]], fmt: str, outdir: str | os.PathLike[str], *,
                timeout: float = 240) -> list[Path]:
    """Several files as ``soffice --convert-to fmt --outdir outdir`` writes them; their names must differ.

    Done in the process's office through UNO, loading and storing each file as ``--convert-to``
    does (see ``_CONVERT``); without python3-uno, by ``soffice --convert-to`` itself.
    """
    sources = [Path(p).resolve() for p in paths]
    if len({s.stem for s in sources}) != len(sources):
        raise ValueError("convert_all writes every file as <name>.<fmt> into one folder: names must differ")
    if soffice_path() is None:
        raise LibreOfficeError("soffice not found")
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    ext, _, filter_spec = fmt.partition(":")
    targets = [out / f"{s.stem}.{ext}" for s in sources]
    if not uno_available():
        return _convert_cli(sources, fmt, out, targets, timeout)
    # --convert-to's filter part: a filter name (quotes are the shell's), then after a ':' the filter's options
    filter_name, _, options = filter_spec.partition(":")
    jobs = [[str(s), str(t)] for s, t in zip(sources, targets)]
    try:
        run_uno_script(_CONVERT, timeout, args={"jobs": jobs, "filter": filter_name.strip('"'), "options": options,
                                               "calc_filter": CALC_EXPORT.get(ext.lower(), "")})
    except LibreOfficeError as exc:
        raise LibreOfficeError(f"conversion to {fmt} failed: {exc}") from exc
    if not all(t.exists() for t in targets):
        raise LibreOfficeError(f"conversion to {fmt} wrote no file: {[str(t) for t in targets if not t.exists()]}")
    return targets


# The filter ``--convert-to <ext>`` picks for a spreadsheet (what LibreOffice 7.4 prints: "using filter :
# ..."). Its own guess (desktop/source/app/dispatchwatcher.cxx) goes through the office's internal filter
# lists, which UNO does not show in the same order; another format must be named with its filter.
CALC_EXPORT = {
    "pdf": "calc_pdf_Export", "xlsx": XLSX_FILTER, "xlsm": "Calc MS Excel 2007 VBA XML", "xls": "MS Excel 97",
    "xlt": "MS Excel 97 Vorlage/Template", "ods": "calc8", "ots": "calc8_template",
    "fods": "OpenDocument Spreadsheet Flat XML", "xml": "OpenDocument Spreadsheet Flat XML",
    "csv": "Text - txt - csv (StarCalc)", "html": "HTML (StarCalc)", "dif": "DIF", "slk": "SYLK",
}

# What dispatchwatcher.cxx does for each file of ``--convert-to``: load it read-only in a hidden new
# view without interaction, store it with the filter (and options) named, or the one it picks, close it.
_CONVERT = r'''
for source, target in ARGS["jobs"]:
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, props(
        Referer="private:OpenEvent", ReadOnly=True, OpenNewView=True, Hidden=True, Silent=True))
    if doc is None:
        raise RuntimeError("LibreOffice could not open " + source)
    target_url = uno.systemPathToFileUrl(target)
    spreadsheet = doc.supportsService("com.sun.star.sheet.SpreadsheetDocument")
    filter_name = ARGS["filter"] or (ARGS["calc_filter"] if spreadsheet else "")
    if not filter_name:
        raise RuntimeError("no known filter for %s from %s: name it (ext:Filter Name)" % (target, source))
    stored = dict(ConversionRequestOrigin="CommandLine", Overwrite=True, FilterName=filter_name)
    if ARGS["options"]:
        stored["FilterOptions"] = ARGS["options"]
    doc.storeToURL(target_url, props(**stored))
    doc.close(True)
'''


def _convert_cli(sources: list[Path], fmt: str, out: Path, targets: list[Path], timeout: float) -> list[Path]:
    """``soffice --convert-to`` in an office of its own (no python3-uno to reach a shared one)."""
    folder = Path(tempfile.gettempdir()) / f"lo_profile_{uuid.uuid4().hex}"
    try:
        done = _run(
            [str(soffice_path()), f"-env:UserInstallation={folder.as_uri()}", "--headless", "--norestore",
             "--nolockcheck", "--convert-to", fmt, "--outdir", str(out), *map(str, sources)],
            timeout,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if done.returncode != 0 or not all(t.exists() for t in targets):
        raise LibreOfficeError(f"conversion to {fmt} failed ({done.returncode}): {done.stdout[-1000:]}{done.stderr[-1000:]}")
    return targets


def to_png(pdf: str | os.PathLike[str], out_prefix: str | os.PathLike[str], *, dpi: int = 60,
           first_page_only: bool = True, timeout: float = 60) -> list[Path]:
    """Render a PDF with pdftoppm; returns the PNG files (``<prefix>.png`` for one page)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise LibreOfficeError("pdftoppm not found")
    prefix = Path(out_prefix)
    cmd = [exe, "-png", "-r", str(dpi)]
    if first_page_only:
        cmd += ["-f", "1", "-l", "1", "-singlefile"]
    done = _run(cmd + [str(pdf), str(prefix)], timeout)
    if done.returncode != 0:
        raise LibreOfficeError(f"pdftoppm failed: {done.stderr[-1000:]}")
    if first_page_only:
        return [prefix.with_suffix(".png")]
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


def run_uno_script(script_text: str, timeout: float = 180, *, args: dict[str, Any] | None = None) -> Any:
    """Run ``script_text`` in the process's headless LibreOffice; return its ``result``.

    Raises LibreOfficeError with the script's traceback when it fails, or when LibreOffice does
    not answer within ``timeout`` seconds (the office is then killed; the next call starts another).
    """
    if soffice_path() is None or not uno_available():
        raise LibreOfficeError("LibreOffice with python3-uno is not available")
    return lo_office.OFFICE.run(textwrap.dedent(script_text), args or {}, timeout)


def render_png(workbook: str | os.PathLike[str], png: str | os.PathLike[str], *, dpi: int = 60) -> Path:
    """First printed page of a workbook as PNG (how docs/template.png is made)."""
    target = Path(png)
    with tempfile.TemporaryDirectory(prefix="xltool_render_") as work:
        pdf = convert(workbook, "pdf", work)
        (made,) = to_png(pdf, Path(work) / "page", dpi=dpi)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)
    return target


if __name__ == "__main__":  # python tests/lo_helper.py templates/jixiao_template.xlsx docs/template.png [dpi]
    import sys

    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python tests/lo_helper.py WORKBOOK.xlsx OUT.png [DPI]")
    print(render_png(sys.argv[1], sys.argv[2], dpi=int(sys.argv[3]) if len(sys.argv) == 4 else 60))
