"""``xltool addin doctor``: what the add-in needs on this machine, and whether it is there.

The ribbon fails on real PCs for reasons no unit test of the .xlam can see: no
Excel (or only WPS), a config file the VBA decodes with the wrong code page, a
Python without xltool, macros blocked by Trust Center settings or group policy.
The doctor checks each of them and says, in Chinese, what to change.

Everything it looks at comes from a :class:`Machine`: the platform, environment,
registry (:mod:`xltool.addin.registry`), file existence and a way to try an
interpreter. :meth:`Machine.current` fills it from this computer; tests build one
for a Windows PC (registry values as a dict) on any system.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xltool.addin import config as addin_config
from xltool.addin import registry as addin_registry
from xltool.addin.machine import MAC_EXCEL, Machine, same_file

if TYPE_CHECKING:
    from xltool.addin.install import InstallLocations

__all__ = ["ATTENTION", "INFO", "OK", "Check", "Machine", "Report", "diagnose"]

OK = "ok"
ATTENTION = "attention"
INFO = "info"
_LABELS = {OK: "[正常]", ATTENTION: "[需处理]", INFO: "[说明]"}
_PLATFORM_NAMES = {"windows": "Windows", "macos": "macOS", "linux": "Linux"}
# ANSI code pages whose VBA message boxes can show Chinese.
_CHINESE_CODE_PAGES = {"cp936", "gbk", "gb2312", "gb18030", "cp54936", "cp950", "big5", "utf-8"}
_VBA_WARNINGS = {
    1: "启用所有宏",
    2: "禁用所有宏，并发出通知",
    3: "禁用无数字签名的所有宏",
    4: "禁用所有宏，并且不通知",
}
_WPS_ADVICE = (
    "WPS 表格不能运行本加载项（按钮通过 xlwings 调用 Python，xlwings 只支持 Microsoft Excel）。"
    "在 WPS 中填写、保存后，用命令行完成同样的工作：xltool validate 文件.xlsx（校验并报告），"
    "xltool validate 文件.xlsx --mark-to 标注副本.xlsx（在副本上标出问题），xltool template -o 新表.xlsx（新建空白表）。"
)
_CLI_FALLBACK = "在加载项能用之前，可以先用命令行：xltool validate 文件.xlsx --mark-to 标注副本.xlsx。"


@dataclass(frozen=True)
class Check:
    """One finding of the doctor: a status, what was looked at, and what to do."""

    status: str  # OK, ATTENTION or INFO
    title: str
    detail: str
    advice: str = ""


@dataclass
class Report:
    """All checks for one machine; exit code 1 if any needs attention."""

    platform: str
    checks: list[Check] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(c.status == ATTENTION for c in self.checks) else 0

    def render(self) -> str:
        """The report as Chinese text for the terminal."""
        lines = [f"xltool 加载项检查（{_PLATFORM_NAMES.get(self.platform, self.platform)}）", ""]
        for check in self.checks:
            detail = check.detail.split("\n")
            lines.append(f"{_LABELS[check.status]} {check.title}：{detail[0]}")
            lines += [f"    {line}" for line in detail[1:]]
            if check.advice:
                lines.append(f"    怎么办：{check.advice}")
        attention = sum(c.status == ATTENTION for c in self.checks)
        lines.append("")
        if attention:
            lines.append(f"结论：有 {attention} 项需要处理（见上面的“怎么办”）。")
        elif self.platform == "linux":
            lines.append("结论：本机可以生成加载项（xltool addin build），但不能安装或运行它。")
        else:
            lines.append("结论：没有发现问题。在 Excel 中点按钮仍报错时，请按 docs/excel-manual-test.md 逐项检查。")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def _python_checks(machine: Machine) -> list[Check]:
    checks = [
        Check(INFO, "Python", f"{machine.python_version}（{machine.python_bits} 位）：{machine.interpreter}"),
    ]
    if machine.xlwings_version:
        checks.append(Check(OK, "xlwings", f"已安装 {machine.xlwings_version}"))
    else:
        checks.append(Check(ATTENTION, "xlwings", "当前 Python 中没有 xlwings。", "运行 pip install xlwings。"))
    problem = machine.build_inputs()
    if problem:
        checks.append(Check(ATTENTION, "生成加载项所需文件", problem, "重新安装 xltool：运行离线安装包（xltool bundle windows 生成）中的“安装.bat”。"))
    else:
        checks.append(Check(OK, "生成加载项所需文件", "macros 文件夹和 xlwings 的 VBA 运行库都在，可以生成 xltool.xlam。"))
    return checks


def _read_config(machine: Machine, config_file: Path, key: str) -> list[Check]:
    """The config exactly as the VBA will read it, and whether its interpreter works."""
    title = "配置文件"
    install = "运行 xltool addin install（用装有 xltool 的那个 Python）重新写入配置。"
    if not addin_config.encodable(str(config_file), machine.encoding):
        return [Check(
            ATTENTION, title,
            f"路径 {config_file} 含有系统代码页（{machine.encoding}）无法表示的字符，Excel 的 VBA 找不到它，"
            "按钮会改用 PATH 中的 python。",
            "在“控制面板 → 区域 → 管理 → 更改系统区域设置”中选择“中文(简体，中国)”后重启，"
            "或使用用户名只含英文字母的 Windows 账户。",
        )]
    if not config_file.is_file():
        return [Check(ATTENTION, title, f"未找到 {config_file}。", install)]
    try:
        data = config_file.read_bytes()
    except OSError as exc:
        return [Check(ATTENTION, title, f"无法读取 {config_file}：{exc}", install)]
    config = addin_config.read_as_vba(data, machine.encoding)
    shown = "\n".join(f"{name} = {value}" for name, value in config.pairs) or "（空）"
    detail = f"{config_file}\nExcel 的 VBA 按 {machine.encoding} 解码后读到：\n{shown}"
    checks: list[Check] = []

    if machine.encoding != "utf-8" and not data.isascii():
        try:
            data.decode("utf-8")
            looks_utf8 = True
        except UnicodeDecodeError:
            looks_utf8 = False
        try:
            data.decode(machine.encoding)
            decodes = True
        except UnicodeDecodeError:
            decodes = False
        if looks_utf8 or not decodes:
            return [Check(
                ATTENTION, title,
                detail + f"\n文件不是按系统代码页（{machine.encoding}）保存的（可能是旧版 xltool 写的，或被记事本另存为 UTF-8），"
                "其中的中文在 Excel 中会变成乱码。",
                install,
            )]
    if not config.complete:
        return [Check(ATTENTION, title, detail + "\n格式不对：每行应为 \"名称\",\"值\"，VBA 读到文件末尾会出错。", install)]
    value = config.get(key) or config.get("INTERPRETER")
    if not value:
        return [Check(ATTENTION, title, detail + f"\n其中没有 {key}，按钮会改用 PATH 中的 python。", install)]
    checks.append(Check(OK, title, detail))

    interpreter_title = "配置中的 Python"
    if not machine.exists(value):
        checks.append(Check(ATTENTION, interpreter_title, f"{value} 不存在。", install))
        return checks
    problem = machine.check_python(value)
    if problem:
        checks.append(Check(
            ATTENTION, interpreter_title, f"{value} 无法导入 xlwings 和 xltool：{problem}",
            f"用这个 Python 从离线安装包安装：\"{value}\" -m pip install --no-index --find-links 安装包的wheels文件夹 "
            "xltool pywin32；或用装有 xltool 的 Python 重新运行 xltool addin install。",
        ))
        return checks
    if not same_file(value, machine.interpreter):
        checks.append(Check(INFO, interpreter_title, f"{value} 可以使用（它不是当前运行 doctor 的 Python）。"))
    else:
        checks.append(Check(OK, interpreter_title, f"{value}（即当前的 Python）可以导入 xlwings 和 xltool。"))
    if machine.platform == "macos" and not value.isascii():
        checks.append(Check(
            INFO, interpreter_title,
            "路径中有非英文字符。macOS 版 Excel 的 VBA 能否正确读取这样的路径尚未在真机上验证；"
            "按钮报错时，请改用路径只含英文字母的 Python（例如 /Users/Shared/xltool-venv）。",
        ))
    return checks


def _server_checks(machine: Machine, config_file: Path, key: str) -> list[Check]:
    """Whether clicks run in xlwings' persistent Python (``USE UDF SERVER``), and whether it can start."""
    from xltool.addin import udfserver

    title = "按钮的运行方式"
    if machine.platform != "windows":
        return [Check(INFO, title, udfserver.MAC_NOTE)]
    try:
        config = addin_config.read_as_vba(config_file.read_bytes(), machine.encoding)
    except OSError:  # already reported by the config check
        return []
    raw, interpreter = config.get(udfserver.SERVER_KEY), config.get(key) or config.get("INTERPRETER")
    shown = f"{udfserver.SERVER_KEY} = {raw}" if raw is not None else f"配置中没有 {udfserver.SERVER_KEY}"
    try:
        persistent = udfserver.parse_flag(raw)
    except ValueError:
        return [Check(ATTENTION, title, f"{shown}：不是 True 或 False，Excel 会在每次点击时报“类型不匹配”。",
                      "运行 xltool addin install 重新写入，或把它改为 True 或 False。")]
    if not persistent:
        return [Check(INFO, title, f"每次点击都启动新的 Python 进程（{shown}），每次都要重新载入 xlwings 和 xltool。",
                      f"运行 xltool addin install {udfserver.PERSISTENT_FLAG} 改用常驻进程，第一次点击之后的点击快得多。")]
    if not interpreter or not machine.xlwings_version:
        return []  # the config and xlwings checks above already say what is missing
    platform = addin_registry.excel_platform(machine.registry) if machine.registry is not None else None
    bits = {"x64": 64, "x86": 32}.get((platform or "").lower())
    dll = udfserver.find_dll(interpreter, machine.xlwings_version, bits, exists=machine.exists)
    if dll is None:
        names = " 或 ".join(udfserver.dll_names(machine.xlwings_version, bits))
        return [Check(
            ATTENTION, title,
            f"常驻 Python 进程（{shown}），但 {'、'.join(udfserver.dll_places(interpreter))} 中没有 {names}："
            "Excel 无法启动常驻进程，每次点击都会报错（Could not load …dll）。",
            f"用配置中的 Python 重新安装 xlwings：\"{interpreter}\" -m pip install --force-reinstall xlwings；"
            f"或运行 xltool addin install {udfserver.FRESH_FLAG} 改为每次点击启动新进程。",
        )]
    return [Check(OK, title, f"常驻 Python 进程（{shown}，xlwings 的 UDF 服务器，{dll}）：第一次点击启动它，"
                             "以后的点击不再重新载入程序。" + udfserver.UPGRADE_NOTE)]


def _addin_file_check(where: InstallLocations) -> Check:
    from xltool.addin import build as addin

    target = where.startup_dir / addin.ADDIN_FILENAME
    if target.is_file():
        return Check(OK, "加载项文件", f"{target}（Excel 启动时自动打开）")
    return Check(ATTENTION, "加载项文件", f"启动文件夹中没有 {target}。", "运行 xltool addin install。")


def _excel_checks_windows(machine: Machine) -> list[Check]:
    registry = machine.registry
    if registry is None:
        return [Check(INFO, "Excel", "无法读取 Windows 注册表，未检查 Excel 是否安装及宏设置。")]
    checks = []
    excel = addin_registry.excel_executable(registry)
    wps = addin_registry.wps_executable(registry)
    versions = addin_registry.office_versions(registry)
    if excel:
        extra = []
        if versions:
            extra.append("Office " + "、".join(versions))
        platform = addin_registry.excel_platform(registry)
        if platform:
            extra.append({"x64": "64 位", "x86": "32 位"}.get(platform.lower(), platform))
        suffix = f"（{'，'.join(extra)}）" if extra else ""
        checks.append(Check(OK, "Excel", f"已找到 {excel}{suffix}"))
        if wps:
            checks.append(Check(INFO, "WPS 表格", f"本机还装有 WPS（{wps}）。加载项只在 Microsoft Excel 中出现，请用 Excel 打开工作簿。"))
    elif wps:
        checks.append(Check(ATTENTION, "Excel", f"未找到 Microsoft Excel，只找到 WPS 表格（{wps}）。", _WPS_ADVICE))
    else:
        checks.append(Check(ATTENTION, "Excel", "未找到 Microsoft Excel（注册表 App Paths 中没有 excel.exe）。",
                            "安装 Microsoft Excel 2016 或更高版本（含 Microsoft 365）；" + _CLI_FALLBACK))
    return checks


def _macro_checks_windows(machine: Machine, startup_dir: Path) -> list[Check]:
    registry = machine.registry
    if registry is None:
        return []
    checks = []
    versions = addin_registry.office_versions(registry)
    if not versions:
        checks.append(Check(INFO, "宏设置", "注册表中还没有 Excel 的设置（Excel 可能从未启动过），启动一次 Excel 后再检查。"))
    for version in versions:
        security = addin_registry.macro_security(registry, version)
        title = f"宏设置（Office {version}）"
        warnings = security.vba_warnings
        setting = _VBA_WARNINGS.get(warnings or 2, f"未知值 {warnings}")
        setting += "（组策略设定）" if security.vba_warnings_policy else ("" if warnings else "（默认）")
        trusted = addin_registry.is_trusted(security, startup_dir, machine.env)
        if security.require_addin_signature:
            checks.append(Check(
                ATTENTION, title, "组策略要求应用程序加载项必须有受信任发布者的签名；xltool.xlam 没有签名，Excel 会停用它。",
                "请 IT 关闭“要求应用程序加载项由受信任的发布者签名”。" + _CLI_FALLBACK,
            ))
        if security.all_locations_disabled:
            checks.append(Check(
                ATTENTION, title, "组策略禁用了所有受信任位置，启动文件夹中的加载项也会按宏设置处理。",
                "请 IT 允许受信任位置（至少包括 Excel 启动文件夹 XLSTART）。",
            ))
        elif trusted:
            checks.append(Check(OK, title, f"宏安全性：{setting}。启动文件夹 {startup_dir} 是受信任位置，加载项的宏可以运行。"))
        elif security.locations:
            advice = (
                "运行 xltool addin install --trusted 把它登记为受信任位置。"
                if security.user_locations_allowed
                else "组策略只承认 IT 指定的受信任位置：请 IT 把这个文件夹加入受信任位置。"
            )
            checks.append(Check(
                ATTENTION, title, f"宏安全性：{setting}。启动文件夹 {startup_dir} 不在受信任位置中，加载项的宏可能被禁用。", advice,
            ))
        elif warnings in (3, 4):
            checks.append(Check(
                ATTENTION, title, f"宏安全性：{setting}，且未读到受信任位置列表，无法确认启动文件夹是否受信任。",
                "运行 xltool addin install --trusted；如仍无效，请 IT 放行（见 xltool addin install --trusted 的说明）。",
            ))
        else:
            checks.append(Check(INFO, title, f"宏安全性：{setting}。未读到受信任位置列表；Excel 默认信任启动文件夹 XLSTART。"))
    if addin_registry.asr_blocks_child_processes(registry):
        checks.append(Check(
            ATTENTION, "Defender 规则",
            "已启用攻击面减少规则“阻止所有 Office 应用程序创建子进程”：Excel 无法启动 Python，所有按钮都会失败。",
            "请 IT 为 EXCEL.EXE 设置例外，或改用命令行：xltool validate 文件.xlsx --mark-to 标注副本.xlsx。",
        ))
    return checks


def _windows(machine: Machine) -> list[Check]:
    from xltool.addin import install as addin_install

    where = addin_install.install_locations("windows", machine.home, machine.env)
    checks = _excel_checks_windows(machine)
    code_page = Check(INFO, "系统代码页", f"{machine.encoding}：Excel 的 VBA 按它读取 xltool.conf，配置文件也按它写入。")
    if machine.encoding.lower() not in _CHINESE_CODE_PAGES:
        code_page = Check(
            INFO, "系统代码页",
            f"{machine.encoding}：不是中文代码页。加载项自身的中文提示框（如“请先打开工作簿”）可能显示为问号，"
            "含中文的路径也无法写入配置。可在“控制面板 → 区域 → 管理 → 更改系统区域设置”中选择“中文(简体，中国)”。",
        )
    checks.append(code_page)
    checks.append(_addin_file_check(where))
    checks += _read_config(machine, where.config_file, where.interpreter_key)
    checks += _server_checks(machine, where.config_file, where.interpreter_key)
    checks += _macro_checks_windows(machine, where.startup_dir)
    return checks


def _macos(machine: Machine) -> list[Check]:
    from xltool.addin import install as addin_install

    where = addin_install.install_locations("macos", machine.home, machine.env)
    checks = []
    if machine.exists(MAC_EXCEL):
        version = machine.mac_excel_version()
        checks.append(Check(OK, "Excel", f"已找到 {MAC_EXCEL}" + (f"（版本 {version}）" if version else "")))
    else:
        checks.append(Check(ATTENTION, "Excel", f"未找到 {MAC_EXCEL}。",
                            "安装 Microsoft Excel for Mac 2016 或更高版本；" + _CLI_FALLBACK))
    checks.append(_addin_file_check(where))
    if where.applescript_dir is not None and machine.xlwings_version:
        script = where.applescript_dir / f"xlwings-{machine.xlwings_version}.applescript"
        if script.is_file():
            checks.append(Check(OK, "AppleScript", f"{script}（RunPython 在 macOS 上通过它启动 Python）"))
        else:
            checks.append(Check(ATTENTION, "AppleScript", f"缺少 {script}。", "运行 xltool addin install。"))
    checks += _read_config(machine, where.config_file, where.interpreter_key)
    checks += _server_checks(machine, where.config_file, where.interpreter_key)
    checks.append(Check(INFO, "宏设置", "macOS 上无法自动读取。请在 Excel → 偏好设置 → 安全性 中确认未选择“禁用所有宏，并且不通知”。"))
    return checks


def _linux(machine: Machine) -> list[Check]:
    return [
        Check(
            INFO, "本机",
            "Linux 上没有 Microsoft Excel：只能用 xltool addin build 生成 xltool.xlam，不能安装或运行加载项。\n"
            "要使用“绩效目标”选项卡，请在装有 Excel 的 Windows 或 macOS 电脑上安装 Python 和 xltool，再运行 xltool addin install。",
        ),
        Check(
            INFO, "配置文件",
            "xltool.conf 只在 Windows、macOS 上使用：Windows 上按系统代码页（简体中文 Windows 为 936，即 GBK）写入，"
            "macOS 上按 UTF-8 写入，与 xlwings 写自己的配置文件的做法一致。",
        ),
        Check(INFO, "WPS 表格", _WPS_ADVICE),
    ]


def diagnose(machine: Machine) -> Report:
    """Run every check that applies to ``machine``'s platform."""
    report = Report(machine.platform)
    report.checks += _python_checks(machine)
    if machine.platform == "windows":
        report.checks += _windows(machine)
    elif machine.platform == "macos":
        report.checks += _macos(machine)
    else:
        report.checks += _linux(machine)
    return report
