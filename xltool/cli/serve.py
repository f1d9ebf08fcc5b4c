"""``xltool serve``: the web page for a whole office, started with one command."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import socket

_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{8,128}$")


def default_data_dir() -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"xltool-serve-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；默认只允许本机访问。让其他电脑访问（如 0.0.0.0）时必须同时设置 --token。")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口。")
@click.option("--token", default=None, help="访问口令（至少 8 位字母、数字或 ._~-）；设置后每个请求都须带口令。")
@click.option("--random-token", is_flag=True, help="随机生成访问口令（每次启动不同），打印在链接中。")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None,
              help="存放上传文件和结果的文件夹；默认在系统临时文件夹中。")
@click.option("--max-upload-mb", type=click.IntRange(1, 4096), default=200, show_default=True,
              help="单次上传的大小上限（MB）。")
@click.option("--workers", type=click.IntRange(1, 16), default=None,
              help="同时运行的汇总任务数；默认按 CPU 核数（最多 2 个）。")
@click.option("--keep-hours", type=click.FloatRange(0.1, 24 * 30), default=24, show_default=True, metavar="小时数",
              help="上传文件和结果保留的小时数，到期自动删除。")
def serve_command(host: str, port: int, token: str | None, random_token: bool, data_dir: Path | None,
                  max_upload_mb: int, workers: int | None, keep_hours: float) -> None:
    """启动网页版：在浏览器中下载模板、校验、导入和汇总。

    \b
    只在本机使用：  xltool serve
    供全办公室使用：xltool serve --host 0.0.0.0 --random-token
    启动后把打印出的完整链接（含口令）发给同事即可；关闭命令行窗口即停止。
    """
    from xltool.web.app import Settings, is_loopback
    from xltool.web.server import create_app

    if random_token and token:
        click.echo("错误：--token 与 --random-token 只能选用一个。", err=True)
        sys.exit(2)
    if random_token:
        import secrets  # here, not at import: `xltool --help` loads this module

        token = secrets.token_urlsafe(18)
    if token is not None and not _TOKEN.match(token):
        click.echo("错误：口令须为 8–128 位的字母、数字或 ._~- 字符（或改用 --random-token 随机生成）。", err=True)
        sys.exit(2)
    if not is_loopback(host) and not token:
        click.echo(f"错误：监听地址 {host} 允许其他电脑访问，必须同时用 --token 设置访问口令"
                   "（或用 --random-token 随机生成），否则内网中任何人都能上传和下载文件。", err=True)
        sys.exit(2)
    data = data_dir or default_data_dir()
    try:
        data.mkdir(parents=True, exist_ok=True)
        probe = data / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        click.echo(f"错误：无法使用数据文件夹 {data}（{_why(exc)}）。", err=True)
        sys.exit(2)
    # The server's temporary files (a merge's working folder) live in the data folder too, so a server
    # stopped hard leaves nothing in the system's temp folder; the next start clears them (DataStore).
    os.environ["TMPDIR"] = str(data / "tmp")
    (data / "tmp").mkdir(exist_ok=True)
    import tempfile

    tempfile.tempdir = None

    from xltool.addin.wps import build_wps_addin

    # The port is taken before anything is announced: uvicorn would word a port in use in English
    # (and exit) only after "已启动" was printed.
    listener = _listen(host, port)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    # The WPS add-in, served at /wps/ (rewritten at every start: it carries this address and token).
    wps = build_wps_addin(data / "wps-addin", server="", public=f"http://{shown}:{port}", token=token)
    settings = Settings(data=data, token=token, max_upload_mb=max_upload_mb,
                        workers=workers or min(2, os.cpu_count() or 1), keep_hours=keep_hours,
                        mounts=(("/wps", wps.folder),))
    app = create_app(settings)

    import uvicorn

    link = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    click.echo(f"xltool 网页版已启动：{link}")
    click.echo(f"WPS 表格加载项：http://{shown}:{port}/wps/（登记方法见 http://{shown}:{port}/wps/说明.txt）")
    if host in ("0.0.0.0", "::"):
        click.echo("其他电脑请把地址中的 127.0.0.1 换成本机的内网 IP 地址。")
    click.echo(f"数据文件夹：{data}（保留 {keep_hours:g} 小时）。按 Ctrl+C 停止。")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[listener])


def _listen(host: str, port: int) -> "socket.socket":
    """A listening socket on ``host:port``, or a Chinese error and exit code 2 when it cannot be had."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # UnicodeError: a name no resolver accepts ("a..b")
        why = "无法解析这个地址" if isinstance(exc, (socket.gaierror, UnicodeError)) else _why(exc)
        click.echo(f"错误：无法在 {host}:{port} 上启动（{why}），请检查监听地址。", err=True)
        sys.exit(2)
    try:
        if os.name != "nt":  # as uvicorn does; on Windows it would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError as exc:
        sock.close()
        click.echo(f"错误：无法在 {host}:{port} 上启动（{_why(exc)}）。", err=True)
        sys.exit(2)
    return sock


def _why(exc: OSError) -> str:
    """The system's reason in Chinese (its own strerror is English on most systems)."""
    import errno

    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return "同名的文件已存在，它不是文件夹"
    if isinstance(exc, PermissionError) or exc.errno == errno.EACCES:
        return "没有权限；1024 以下的端口须以管理员身份运行" if exc.filename is None else "没有写入权限"
    if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", None) == 10048:
        return "端口已被占用，请关闭占用它的程序或用 --port 换一个端口"
    if exc.errno == errno.EADDRNOTAVAIL or getattr(exc, "winerror", None) == 10049:
        return "本机没有这个地址"
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足"
    return f"系统错误 {exc.errno}" if exc.errno else "系统错误"
