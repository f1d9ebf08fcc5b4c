"""LibreOffice headless for tests: file conversion and UNO scripts in a subprocess.

LibreOffice's Python bridge (``uno``) lives in the system interpreter
(``/usr/bin/python3``, Debian's python3-uno), not in the test interpreter, so UNO
work runs as a child process that starts its own ``soffice`` on a private pipe with
a throw-away user profile (two LibreOffice instances sharing a profile block each
other). Everything is bounded by a timeout and the whole process group is killed
when it expires, so a hung office never hangs the test run.

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
"""

from __future__ import annotations

import json
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

UNO_PYTHON = "/usr/bin/python3"
XLSX_FILTER = "Calc MS Excel 2007 XML"
_MARKER = "@@XLTOOL_UNO_RESULT@@"


class LibreOfficeError(RuntimeError):
    """LibreOffice failed, timed out or produced no output."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _child_env() -> dict[str, str]:
    """Environment for the system Python and soffice: no virtualenv/pyenv leakage."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV")}
    env.setdefault("HOME", tempfile.gettempdir())
    env["SAL_USE_VCLPLUGIN"] = "svp"  # headless rendering backend
    return env


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


def _profile_url() -> tuple[Path, str]:
    folder = Path(tempfile.gettempdir()) / f"lo_profile_{uuid.uuid4().hex}"
    return folder, folder.as_uri()


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
    """``soffice --convert-to fmt``; returns the written file.

    ``fmt`` is what ``--convert-to`` takes: ``"pdf"``, ``"xlsx"``, or with a filter,
    ``'xlsx:"Calc MS Excel 2007 XML"'``.
    """
    return convert_all([path], fmt, outdir, timeout=timeout)[0]


def convert_all(paths: list[str | os.PathLike[str]], fmt: str, outdir: str | os.PathLike[str], *,
                timeout: float = 240) -> list[Path]:
    """Several files in one ``soffice --convert-to`` run (one office start); their names must differ."""
    sources = [Path(p).resolve() for p in paths]
    if len({s.stem for s in sources}) != len(sources):
        raise ValueError("convert_all writes every file as <name>.<fmt> into one folder: names must differ")
    soffice = soffice_path()
    if soffice is None:
        raise LibreOfficeError("soffice not found")
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    profile, url = _profile_url()
    try:
        done = _run(
            [soffice, f"-env:UserInstallation={url}", "--headless", "--norestore", "--nolockcheck",
             "--convert-to", fmt, "--outdir", str(out), *map(str, sources)],
            timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    ext = fmt.split(":", 1)[0]
    targets = [out / f"{s.stem}.{ext}" for s in sources]
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


_PREAMBLE = r'''
import json, os, shutil, subprocess, sys, time, traceback
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

SOFFICE, PROFILE_DIR, PROFILE_URL, PIPE, MARKER = sys.argv[1:6]
ARGS = json.loads(sys.argv[6])
_proc = subprocess.Popen(
    [SOFFICE, "-env:UserInstallation=" + PROFILE_URL, "--headless", "--invisible", "--nologo",
     "--norestore", "--nodefault", "--nolockcheck", "--accept=pipe,name=" + PIPE + ";urp;"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
desktop = None
try:
    _local = uno.getComponentContext()
    _resolver = _local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", _local)
    ctx = None
    _deadline = time.monotonic() + 60
    while ctx is None:
        try:
            ctx = _resolver.resolve("uno:pipe,name=" + PIPE + ";urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > _deadline or _proc.poll() is not None:
                raise
            time.sleep(0.2)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def props(**kw):
        return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())

    def load(path, **kw):
        kw.setdefault("Hidden", True)
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        doc = desktop.loadComponentFromURL(url, "_blank", 0, props(**kw))
        if doc is None:
            raise RuntimeError("LibreOffice could not open " + path)
        return doc

    def store(doc, path, filter_name):
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(path)), props(FilterName=filter_name, Overwrite=True))

    _ns = dict(desktop=desktop, ctx=ctx, smgr=smgr, uno=uno, ARGS=ARGS, props=props, load=load, store=store,
               result=None)
    with open(sys.argv[7], encoding="utf-8") as _fh:
        _code = compile(_fh.read(), "<uno script>", "exec")
    exec(_code, _ns)
    print(MARKER + json.dumps(_ns.get("result"), ensure_ascii=False, default=str), flush=True)
finally:
    try:
        if desktop is not None:
            desktop.terminate()
    except Exception:
        pass
    try:
        _proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        _proc.kill()
    shutil.rmtree(PROFILE_DIR, ignore_errors=True)
'''


def run_uno_script(script_text: str, timeout: float = 180, *, args: dict[str, Any] | None = None) -> Any:
    """Run ``script_text`` against a private headless LibreOffice; return its ``result``.

    One soffice is started and terminated per call, so batch the work of a test
    module into one script where possible.
    """
    soffice = soffice_path()
    if soffice is None or not uno_available():
        raise LibreOfficeError("LibreOffice with python3-uno is not available")
    profile, url = _profile_url()
    with tempfile.TemporaryDirectory(prefix="xltool_uno_") as work:
        runner = Path(work) / "runner.py"
        body = Path(work) / "script.py"
        runner.write_text(_PREAMBLE, encoding="utf-8")
        body.write_text(textwrap.dedent(script_text), encoding="utf-8")
        pipe = f"xltool_{uuid.uuid4().hex}"
        try:
            done = _run(
                [UNO_PYTHON, str(runner), soffice, str(profile), url, pipe, _MARKER,
                 json.dumps(args or {}, ensure_ascii=False), str(body)],
                timeout,
            )
        finally:
            shutil.rmtree(profile, ignore_errors=True)
    for line in done.stdout.splitlines():
        if line.startswith(_MARKER):
            return json.loads(line[len(_MARKER):])
    raise LibreOfficeError(f"UNO script failed ({done.returncode}):\n{done.stderr[-3000:]}{done.stdout[-1000:]}")


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
