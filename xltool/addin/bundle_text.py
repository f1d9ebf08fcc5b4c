"""The texts of the offline Windows installer: 安装.bat, 卸载.bat and 说明.txt.

cmd.exe reads a batch file in the console's OEM code page, line by line, seeking by
byte offset. The scripts are therefore written in GBK (code page 936, the OEM code
page of Chinese Windows, where the messages must be readable) with CRLF line ends
(LF-only files break ``goto`` and labels). The alternative, an ASCII file that runs
``chcp 65001``, could show no Chinese message at all, and switching the code page
inside a running batch file misbehaves on older Windows. Every path is quoted and
built from ``%~dp0`` / ``%LOCALAPPDATA%``, which cmd expands as Unicode, so a folder
named in Chinese or with spaces works whatever the code page; no quoted argument ends
in a backslash (``"C:\\x\\"`` would escape the closing quote for the program).

说明.txt is UTF-8 with a byte-order mark and CRLF: every Notepad (and WPS) opens it
correctly.
"""

from __future__ import annotations

from typing import Iterable

# The last python.org release of each minor version that still ships a Windows installer.
PYTHON_INSTALLERS = {"3.10": "3.10.11", "3.11": "3.11.9", "3.12": "3.12.10"}

INSTALL_BAT = "安装.bat"
UNINSTALL_BAT = "卸载.bat"
README_TXT = "说明.txt"
WHEELS_DIR = "wheels"
VENV_DIR = r"%LOCALAPPDATA%\xltool\venv"


def _bat(lines: Iterable[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def _python_check(python: str) -> str:
    """A ``-c`` program: exit 0 only for a 64-bit CPython of exactly this minor version."""
    major, minor = python.split(".")
    return (f'"import sys; sys.exit(0 if sys.version_info[:2] == ({major}, {minor}) '
            f'and sys.maxsize > 2 ** 32 else 1)"')


def install_bat(python: str) -> bytes:
    """安装.bat: a per-user virtual environment from the bundled wheels, then the Excel add-in."""
    check = _python_check(python)
    full = PYTHON_INSTALLERS[python]
    return _bat([
        "@echo off",
        "setlocal EnableExtensions DisableDelayedExpansion",
        f"rem xltool offline installer for 64-bit CPython {python} (this file is GBK, CRLF).",
        'set "PIP_DISABLE_PIP_VERSION_CHECK=1"',
        'set "PIP_NO_INPUT=1"',
        'set "WHEELS=%~dp0wheels"',
        f'set "VENV={VENV_DIR}"',
        'set "VPY=%VENV%\\Scripts\\python.exe"',
        "echo ==== xltool 离线安装 ====",
        'if not exist "%WHEELS%\\xltool-*.whl" goto :not_unpacked',
        'if "%LOCALAPPDATA%"=="" goto :no_appdata',
        "",
        "rem 1) The Python that IT installed: given as the first argument, the py launcher, or python on PATH.",
        'if "%~1"=="" goto :try_launcher',
        f'"%~1" -c {check} >nul 2>nul',
        "if errorlevel 1 goto :given_wrong",
        'set PYCMD="%~1"',
        "goto :have_python",
        ":try_launcher",
        f"py -{python}-64 -c {check} >nul 2>nul",
        "if errorlevel 1 goto :try_path",
        f'set "PYCMD=py -{python}-64"',
        "goto :have_python",
        ":try_path",
        f"python -c {check} >nul 2>nul",
        "if errorlevel 1 goto :no_python",
        'set "PYCMD=python"',
        ":have_python",
        "",
        "rem 2) The per-user virtual environment.",
        'if exist "%VPY%" goto :venv_ready',
        'echo 正在创建虚拟环境 "%VENV%" ...',
        '%PYCMD% -m venv "%VENV%"',
        "if errorlevel 1 goto :venv_failed",
        ":venv_ready",
        f'"%VPY%" -c {check} >nul 2>nul',
        "if errorlevel 1 goto :venv_other",
        "",
        "rem 3) xltool and every dependency from the bundle alone (no network).",
        "echo 正在安装 xltool（不需要联网）...",
        '"%VPY%" -m pip install --no-index --find-links "%WHEELS%" --force-reinstall xltool pywin32',
        "if errorlevel 1 goto :pip_failed",
        "",
        "rem 4) The Excel add-in (start-up folder and configuration file of this user).",
        '"%VPY%" -m xltool addin install',
        "if errorlevel 1 goto :addin_failed",
        "rem 5) WPS: only when IT names the office's xltool server (set XLTOOL_WPS_SERVER=http://server:8765).",
        'if "%XLTOOL_WPS_SERVER%"=="" goto :wps_done',
        '"%VPY%" -m xltool addin install --wps --server "%XLTOOL_WPS_SERVER%"',
        "if errorlevel 1 goto :addin_failed",
        ":wps_done",
        "echo.",
        "echo 安装完成。请重新启动 Excel，功能区中将出现“绩效目标”选项卡。",
        'echo 命令行程序："%VENV%\\Scripts\\xltool.exe"',
        "echo 按钮不能使用时，请运行上面的程序并加上 addin doctor 检查。",
        "set RC=0",
        "goto :done",
        "",
        ":not_unpacked",
        "echo 错误：找不到安装文件（wheels 文件夹）。请先把整个压缩包解压到一个文件夹，再运行其中的 安装.bat。",
        "goto :failed",
        ":no_appdata",
        "echo 错误：环境变量 LOCALAPPDATA 未设置，无法确定安装位置。请以普通用户身份登录 Windows 后再运行。",
        "goto :failed",
        ":given_wrong",
        f'echo 错误："%~1" 不是 64 位的 Python {python}。本安装包只适用于 Python {python}。',
        "goto :failed",
        ":no_python",
        f"echo 错误：未找到 64 位的 Python {python}。",
        f"echo 请 IT 人员先安装 python.org 的 Python {full} Windows installer (64-bit)，",
        f"echo 或者把 python.exe 的完整路径作为参数运行：安装.bat \"D:\\Python{python.replace('.', '')}\\python.exe\"",
        "goto :failed",
        ":venv_failed",
        'echo 错误：无法创建虚拟环境 "%VENV%"（磁盘已满或没有写入权限？）。',
        "goto :failed",
        ":venv_other",
        f'echo 错误：已有的虚拟环境 "%VENV%" 不是用 Python {python} 创建的。请先运行 卸载.bat，再重新安装。',
        "goto :failed",
        ":pip_failed",
        "echo 错误：安装 xltool 失败（见上方 pip 的输出）。请确认安装包与 Python 版本一致、文件完整。",
        "goto :failed",
        ":addin_failed",
        "echo 错误：xltool 已安装，但 Excel 加载项未能安装（见上方说明）。",
        "goto :failed",
        ":failed",
        "set RC=1",
        ":done",
        "if not defined XLTOOL_NO_PAUSE pause",
        "endlocal & exit /b %RC%",
    ])


def uninstall_bat() -> bytes:
    """卸载.bat: remove the Excel add-in and its configuration, then the virtual environment."""
    return _bat([
        "@echo off",
        "setlocal EnableExtensions DisableDelayedExpansion",
        "rem xltool uninstaller (this file is GBK, CRLF).",
        f'set "VENV={VENV_DIR}"',
        'set "VPY=%VENV%\\Scripts\\python.exe"',
        "echo ==== xltool 卸载 ====",
        "set RC=0",
        'if not exist "%VPY%" goto :no_venv',
        '"%VPY%" -m xltool addin uninstall',
        "if errorlevel 1 set RC=1",
        '"%VPY%" -m xltool addin uninstall --wps',
        'echo 正在删除虚拟环境 "%VENV%" ...',
        'rmdir /s /q "%VENV%"',
        'if exist "%VENV%" goto :in_use',
        'rmdir "%LOCALAPPDATA%\\xltool" >nul 2>nul',
        "echo 卸载完成。Python 本身没有改动，如不再需要请在“设置 - 应用”中卸载。",
        "goto :done",
        ":no_venv",
        'echo 未找到 xltool 的虚拟环境 "%VENV%"，无需卸载。',
        "goto :done",
        ":in_use",
        "echo 错误：有文件正在被使用，未能全部删除。请关闭 Excel 后再运行一次 卸载.bat。",
        "set RC=1",
        ":done",
        "if not defined XLTOOL_NO_PAUSE pause",
        "endlocal & exit /b %RC%",
    ])


def readme_txt(python: str, wheels: list[str], version: str) -> bytes:
    """说明.txt for IT: what to provide, what the scripts change, how to undo it."""
    full = PYTHON_INSTALLERS[python]
    digits = python.replace(".", "")
    text = f"""xltool {version} 离线安装包（Windows 64 位，Python {python}）

一、需要 IT 人员事先准备
  1. Windows 10 或 11（64 位）。
  2. python.org 发布的 Python {full} Windows installer (64-bit)，文件名 python-{full}-amd64.exe。
     只能是 Python {python}：安装包中的程序文件按 Python 的版本编译，其他版本无法安装。
     安装时勾选“py launcher”（默认已勾选）；为全部用户安装可用静默方式：
       python-{full}-amd64.exe /quiet InstallAllUsers=1 Include_launcher=1
     如果不安装 py launcher，也可以在运行时把 python.exe 的完整路径作为参数：
       安装.bat "C:\\Program Files\\Python{digits}\\python.exe"
  3. 使用 Excel 加载项时需要 Microsoft Excel（Windows 桌面版）；使用 WPS 表格时请见 xltool 的使用说明
     （WPS 加载项通过单位的 xltool 服务器校验）。

二、安装（不需要联网）
  1. 把整个压缩包解压到任意文件夹（路径可以有中文和空格）。
  2. 以要使用 xltool 的用户身份双击运行 安装.bat（不需要管理员权限）。
  3. 重新启动 Excel，功能区中出现“绩效目标”选项卡即安装成功。
  命令行程序位于 %LOCALAPPDATA%\\xltool\\venv\\Scripts\\xltool.exe，例如：
    "%LOCALAPPDATA%\\xltool\\venv\\Scripts\\xltool.exe" validate 绩效目标表.xlsx
  加载项按钮不能使用时，运行上面的程序加 addin doctor，按提示处理（宏设置等）。
  批量部署时可先设置环境变量 XLTOOL_NO_PAUSE=1，安装.bat 结束时就不会等待按键；退出码 0 表示成功。
  使用 WPS 表格时：先设置环境变量 XLTOOL_WPS_SERVER=单位 xltool 服务器的地址（例如 http://10.0.0.5:8765），
  安装.bat 会同时在 WPS 中登记“绩效目标”加载项（写入 %APPDATA%\\kingsoft\\wps\\jsaddons\\publish.xml，保留其他加载项）。

三、安装.bat 对电脑做的改动（只涉及当前用户，不改注册表、不改 PATH）
  1. 新建文件夹 %LOCALAPPDATA%\\xltool\\venv：Python 虚拟环境，内含 xltool 及其依赖（约 {len(wheels)} 个程序包）。
  2. 把 Excel 加载项 xltool.xlam 复制到 %APPDATA%\\Microsoft\\Excel\\XLSTART（Excel 启动时自动加载）。
  3. 写入配置文件 %USERPROFILE%\\.xltool\\xltool.conf（记录加载项使用的 Python 解释器）。
  4. 设置了 XLTOOL_WPS_SERVER 时：在 WPS 的 publish.xml 中加入 xltool 加载项的一行（原文件先在旁边备份）。
  再次运行 安装.bat 会用本安装包中的版本重新安装（可用于升级）。

四、撤销
  双击运行 卸载.bat：删除上面第 2、3 项、WPS 中 xltool 加载项的登记和整个 %LOCALAPPDATA%\\xltool 文件夹。卸载前请关闭 Excel。
  也可以手动删除以上几处。Python 本身需要时请在“设置 - 应用”中卸载。

五、安装包内容
  安装.bat、卸载.bat、说明.txt，以及 wheels 文件夹中的程序包：
""" + "".join(f"    {name}\n" for name in wheels)
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
