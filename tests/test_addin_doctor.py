"""``xltool addin doctor`` and ``install --trusted``, on fakes of a Windows PC and a Mac.

Every Windows-only probe is replaced: the registry is a dict, file existence and
"can this Python import xltool" are functions. The user is 张三, so the config
path and the interpreter path hold Chinese characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.addin import build as addin
from xltool.addin import install as addin_install
from xltool.addin import doctor as addin_doctor
from xltool.addin import registry as addin_registry
from xltool.addin.doctor import ATTENTION, INFO, OK, Machine, diagnose
from xltool.addin.registry import DictRegistry
from xltool.cli.addin import addin_group

CN_PYTHON = r"C:\Users\张三\AppData\Local\Programs\Python\Python311\pythonw.exe"
EXCEL = r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE"
WPS = r"C:\Users\张三\AppData\Local\Kingsoft\WPS Office\12.1.0.16250\office6\et.exe"
APP_PATHS = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths"
SECURITY = r"HKCU\Software\Microsoft\Office\16.0\Excel\Security"
POLICY = r"HKCU\Software\Policies\Microsoft\Office\16.0\Excel\Security"


def office_registry(**extra: dict[str, object]) -> dict[str, dict[str, object]]:
    """A Microsoft 365 (16.0, 64-bit) machine with Excel's default Trusted Locations."""
    data: dict[str, dict[str, object]] = {
        rf"{APP_PATHS}\excel.exe": {"": EXCEL, "Path": r"C:\Program Files\Microsoft Office\root\Office16\\"},
        r"HKCU\Software\Microsoft\Office\16.0\Excel\Options": {"Font": "等线,11"},
        r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration": {"Platform": "x64", "VersionToReport": "16.0.17928.20156"},
        rf"{SECURITY}\Trusted Locations\Location0": {
            "Path": r"C:\Program Files\Microsoft Office\root\Office16\XLSTART\\",
            "Description": "Excel default location: Excel StartUp",
        },
        rf"{SECURITY}\Trusted Locations\Location2": {
            "Path": r"%APPDATA%\Microsoft\Excel\XLSTART",  # REG_EXPAND_SZ, read unexpanded
            "Description": "Excel default location: User StartUp",
        },
    }
    data.update(extra)
    return data


@pytest.fixture
def pc(tmp_path: Path) -> Machine:
    """张三's Windows PC (code page 936) with xltool installed for CN_PYTHON."""
    home = tmp_path / "Users" / "张三"
    env = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home)}
    addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936")
    return Machine(
        platform="windows",
        env=env,
        home=home,
        interpreter=CN_PYTHON,
        python_version="3.11.9",
        python_bits=64,
        xlwings_version="0.37.8",
        encoding="cp936",
        registry=DictRegistry(office_registry()),
        exists=lambda path: path == CN_PYTHON,
        check_python=lambda path: None,
        build_inputs=lambda: None,
    )


def _statuses(report: addin_doctor.Report) -> dict[str, str]:
    return {check.title: check.status for check in report.checks}


def _attention(report: addin_doctor.Report) -> list[addin_doctor.Check]:
    return [check for check in report.checks if check.status == ATTENTION]


# --------------------------------------------------------------------------- Windows


def test_healthy_windows_pc_with_a_chinese_user_name(pc: Machine) -> None:
    report = diagnose(pc)
    text = report.render()
    assert report.exit_code == 0, text
    assert _attention(report) == []
    statuses = _statuses(report)
    assert statuses["Excel"] == OK and statuses["加载项文件"] == OK and statuses["配置文件"] == OK
    assert statuses["配置中的 Python"] == OK
    assert statuses["宏设置（Office 16.0）"] == OK
    assert f"已找到 {EXCEL}（Office 16.0，64 位）" in text
    assert "Excel 的 VBA 按 cp936 解码后读到：" in text
    assert f"    INTERPRETER_WIN = {CN_PYTHON}" in text  # exactly what the VBA will use
    assert "cp936：Excel 的 VBA 按它读取 xltool.conf" in text
    assert "结论：没有发现问题" in text


def test_old_utf8_config_needs_attention(pc: Machine) -> None:
    conf = pc.home / ".xltool" / "xltool.conf"
    conf.write_bytes(f'"INTERPRETER_WIN","{CN_PYTHON}"\r\n'.encode("utf-8"))
    report = diagnose(pc)
    (problem,) = _attention(report)
    assert problem.title == "配置文件"
    assert "不是按系统代码页（cp936）保存的" in problem.detail
    assert "xltool addin install" in problem.advice
    assert CN_PYTHON not in problem.detail  # the VBA sees mojibake, and the report shows that
    assert report.exit_code == 1


def test_missing_install_and_missing_python(pc: Machine) -> None:
    (pc.home / ".xltool" / "xltool.conf").unlink()
    (pc.home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "xltool.xlam").unlink()
    report = diagnose(pc)
    titles = [c.title for c in _attention(report)]
    assert titles == ["加载项文件", "配置文件"]
    assert all("xltool addin install" in c.advice for c in _attention(report))


def test_interpreter_without_xltool(pc: Machine) -> None:
    pc.check_python = lambda path: "ModuleNotFoundError: No module named 'xltool'"
    (problem,) = _attention(diagnose(pc))
    assert problem.title == "配置中的 Python"
    assert "No module named 'xltool'" in problem.detail
    assert f'"{CN_PYTHON}" -m pip install --no-index --find-links' in problem.advice

    pc.exists = lambda path: False
    (problem,) = _attention(diagnose(pc))
    assert problem.detail == f"{CN_PYTHON} 不存在。"


def test_config_path_outside_the_code_page(pc: Machine) -> None:
    pc.encoding = "cp1252"  # English-locale Windows, Chinese user name
    report = diagnose(pc)
    (problem,) = _attention(report)
    assert problem.title == "配置文件" and "找不到它" in problem.detail
    assert "更改系统区域设置" in problem.advice
    assert any("不是中文代码页" in c.detail for c in report.checks if c.title == "系统代码页")


def test_macros_blocked_by_policy(pc: Machine) -> None:
    data = office_registry()
    del data[rf"{SECURITY}\Trusted Locations\Location2"]  # XLSTART of the user no longer trusted
    data[POLICY] = {"VBAWarnings": 4, "RequireAddinSig": 1}
    data[r"HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Windows Defender Exploit Guard\ASR\Rules"] = {
        addin_registry.ASR_OFFICE_CHILD_PROCESS.upper(): "1"
    }
    pc.registry = DictRegistry(data)
    report = diagnose(pc)
    text = report.render()
    problems = _attention(report)
    details = [c.detail for c in problems]
    assert report.exit_code == 1
    assert any("签名" in d for d in details)
    assert any("禁用所有宏，并且不通知（组策略设定）" in d and "不在受信任位置中" in d for d in details)
    assert any("xltool addin install --trusted" in c.advice for c in problems)
    assert any(c.title == "Defender 规则" for c in problems)
    assert "阻止所有 Office 应用程序创建子进程" in text


def test_all_trusted_locations_disabled(pc: Machine) -> None:
    pc.registry = DictRegistry(office_registry(**{rf"{POLICY}\Trusted Locations": {"AllLocationsDisabled": 1}}))
    (problem,) = _attention(diagnose(pc))
    assert "禁用了所有受信任位置" in problem.detail and "IT" in problem.advice


def test_only_policy_locations_count(pc: Machine) -> None:
    pc.registry = DictRegistry(office_registry(**{
        r"HKCU\Software\Policies\Microsoft\Office\16.0\Common\Security\Trusted Locations": {"Allow User Locations": 0},
        rf"{POLICY}\Trusted Locations\Location1": {"Path": r"\\server\share\templates\\"},
    }))
    (problem,) = _attention(diagnose(pc))
    assert "不在受信任位置中" in problem.detail and "请 IT 把这个文件夹加入" in problem.advice


def test_wps_only_pc_is_told_to_use_the_cli(pc: Machine) -> None:
    pc.registry = DictRegistry({rf"{APP_PATHS}\et.exe": {"": WPS}})
    report = diagnose(pc)
    problem = next(c for c in _attention(report) if c.title == "Excel")
    assert "只找到 WPS 表格" in problem.detail
    assert "xltool validate 文件.xlsx --mark-to 标注副本.xlsx" in problem.advice
    assert any(c.status == INFO and "从未启动过" in c.detail for c in report.checks)


def test_excel_and_wps_side_by_side(pc: Machine) -> None:
    pc.registry = DictRegistry(office_registry(**{rf"{APP_PATHS}\et.exe": {"": WPS}}))
    report = diagnose(pc)
    assert report.exit_code == 0
    assert _statuses(report)["WPS 表格"] == INFO


def test_no_registry_access(pc: Machine) -> None:
    pc.registry = None
    report = diagnose(pc)
    assert report.exit_code == 0
    assert any("无法读取 Windows 注册表" in c.detail for c in report.checks)


# --------------------------------------------------------------------------- macOS and Linux


def test_macos(tmp_path: Path) -> None:
    python = "/Users/张三/venv/bin/python3"
    addin_install.install_addin(platform="darwin", home=tmp_path, env={}, interpreter=python)
    mac = Machine(
        platform="macos", env={}, home=tmp_path, interpreter=python, python_version="3.12.4", python_bits=64,
        xlwings_version=addin.xlwings_version(addin.xlwings_runtime_source()), encoding="utf-8",
        exists=lambda path: path in ("/Applications/Microsoft Excel.app", python),
        check_python=lambda path: None, mac_excel_version=lambda: "16.89", build_inputs=lambda: None,
    )
    report = diagnose(mac)
    text = report.render()
    assert report.exit_code == 0, text
    assert "已找到 /Applications/Microsoft Excel.app（版本 16.89）" in text
    assert f"INTERPRETER_MAC = {python}" in text
    assert _statuses(report)["AppleScript"] == OK
    assert "尚未在真机上验证" in text  # non-ASCII path on a Mac: said plainly, not an error

    mac.exists = lambda path: False
    assert {c.title for c in _attention(diagnose(mac))} == {"Excel", "配置中的 Python"}


def test_linux_explains_that_only_build_applies(tmp_path: Path) -> None:
    machine = Machine(platform="linux", env={}, home=tmp_path, interpreter="/usr/bin/python3", python_version="3.11.2",
                      python_bits=64, xlwings_version="0.37.8", encoding="utf-8", build_inputs=lambda: None)
    report = diagnose(machine)
    text = report.render()
    assert report.exit_code == 0
    assert "只能用 xltool addin build 生成 xltool.xlam" in text
    assert "Windows 上按系统代码页" in text and "macOS 上按 UTF-8" in text
    assert "xltool validate 文件.xlsx --mark-to" in text
    assert "/usr/bin/python3" in text and "0.37.8" in text

    machine.xlwings_version = None
    machine.build_inputs = lambda: "未找到 xlwings：请先安装 xlwings（pip install xlwings）后再生成加载项。"
    assert diagnose(machine).exit_code == 1


def test_cli_on_this_machine() -> None:
    result = CliRunner().invoke(addin_group, ["doctor"])
    assert "xltool 加载项检查" in result.output
    if addin_install.sys.platform.startswith("linux"):
        assert result.exit_code == 0, result.output
        assert "Linux" in result.output and "[正常] 生成加载项所需文件" in result.output


# --------------------------------------------------------------------------- registry and --trusted


def test_dict_registry_is_case_insensitive() -> None:
    registry = DictRegistry({r"HKCU\Software\Microsoft\Office\16.0\Excel\Security": {"VBAWarnings": 2}})
    assert registry.value(r"hkcu\software\microsoft\office\16.0\excel\security", "vbawarnings") == 2
    assert registry.subkeys(r"HKCU\Software\Microsoft\Office") == ["16.0"]
    assert addin_registry.office_versions(registry) == ["16.0"]
    assert registry.delete_key(r"HKCU\Software\Microsoft\Office\16.0\Excel\Security")
    assert not registry.delete_key(r"HKCU\Software\Microsoft\Office\16.0\Excel\Security")


def test_office_versions_newest_first() -> None:
    registry = DictRegistry({
        r"HKCU\Software\Microsoft\Office\15.0\Excel\Options": {},
        r"HKCU\Software\Microsoft\Office\16.0\Excel\Options": {},
        r"HKCU\Software\Microsoft\Office\16.0\Word\Options": {},
        r"HKCU\Software\Microsoft\Office\Common": {},
    })
    assert addin_registry.office_versions(registry) == ["16.0", "15.0"]


def test_is_trusted_expands_variables_and_subfolders() -> None:
    registry = DictRegistry({rf"{SECURITY}\Trusted Locations\Location9": {"Path": r"%AppData%\Work", "AllowSubfolders": 1}})
    security = addin_registry.macro_security(registry, "16.0")
    env = {"APPDATA": r"C:\Users\张三\AppData\Roaming"}
    assert addin_registry.is_trusted(security, r"C:\Users\张三\AppData\Roaming\Work\Sub", env)
    assert addin_registry.is_trusted(security, r"c:\users\张三\appdata\roaming\work\\", env)
    assert not addin_registry.is_trusted(security, r"C:\Users\张三\AppData\Roaming\Workbench", env)


def _windows_home(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    home = tmp_path / "Users" / "张三"
    env = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home)}
    return home, env, home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"


def test_install_trusted_registers_the_startup_folder(tmp_path: Path) -> None:
    home, env, startup = _windows_home(tmp_path)
    data = office_registry()
    del data[rf"{SECURITY}\Trusted Locations\Location2"]
    registry = DictRegistry(data)
    ours = rf"{SECURITY}\Trusted Locations\xltool"

    result = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936",
                                 trusted=True, registry=registry)
    assert registry.value(ours, "Path") == str(startup) + "\\"
    assert registry.value(ours, "AllowSubfolders") == 0
    assert registry.value(ours, "Description") == "xltool 绩效目标表加载项"
    assert f"已把 {startup} 登记为 Excel（Office 16.0）的受信任位置。" in result.notes
    it = "\n".join(result.notes)
    assert "要求应用程序加载项由受信任的发布者签名" in it and "D4F940AB-401B-4EFC-AADC-AD5F3C50688A" in it
    assert "xltool validate 文件.xlsx --mark-to" in it
    assert addin_registry.is_trusted(addin_registry.macro_security(registry, "16.0"), startup, env)

    again = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936",
                                trusted=True, registry=registry)
    assert f"{startup} 已是 Excel（Office 16.0）的受信任位置，无需登记。" in again.notes

    removed = addin_install.uninstall_addin(platform="win32", home=home, env=env, registry=registry)
    assert registry.value(ours, "Path") is None
    assert "已删除 xltool 登记的受信任位置（Office 16.0）。" in removed.notes


def test_install_trusted_when_already_trusted_writes_nothing(tmp_path: Path) -> None:
    home, env, _ = _windows_home(tmp_path)
    registry = DictRegistry(office_registry())
    before = {k: dict(v) for k, v in registry.data.items()}
    result = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936",
                                 trusted=True, registry=registry)
    assert registry.data == before
    assert any("已是" in note for note in result.notes)


def test_install_trusted_under_restrictive_policy_says_it_needs_it(tmp_path: Path) -> None:
    home, env, _ = _windows_home(tmp_path)
    registry = DictRegistry(office_registry(**{rf"{POLICY}\Trusted Locations": {"AllLocationsDisabled": 1}}))
    result = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936",
                                 trusted=True, registry=registry)
    assert any("禁用了所有受信任位置" in note and "IT" in note for note in result.notes)


def test_install_without_trusted_leaves_the_registry_alone(tmp_path: Path) -> None:
    home, env, _ = _windows_home(tmp_path)
    registry = DictRegistry(office_registry())
    before = {k: dict(v) for k, v in registry.data.items()}
    addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936", registry=registry)
    assert registry.data == before


def test_install_trusted_on_macos_explains(tmp_path: Path) -> None:
    result = addin_install.install_addin(platform="darwin", home=tmp_path, env={}, interpreter="/opt/py/bin/python3", trusted=True)
    assert any("macOS 版 Excel 没有“受信任位置”" in note for note in result.notes)


def test_cli_install_trusted_on_linux_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addin_install.sys, "platform", "linux")
    result = CliRunner().invoke(addin_group, ["install", "--trusted"])
    assert result.exception is not None and getattr(result.exception, "exit_code", None) == 2


def test_install_trusted_reports_a_locked_registry(tmp_path: Path) -> None:
    class Locked(DictRegistry):
        def set_value(self, key: str, name: str, value: str | int) -> None:
            raise PermissionError(5, "拒绝访问")

    home, env, startup = _windows_home(tmp_path)
    data = office_registry()
    del data[rf"{SECURITY}\Trusted Locations\Location2"]
    result = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936",
                                 trusted=True, registry=Locked(data))
    assert any(note.startswith("无法写入注册表（Office 16.0）") and str(startup) in note for note in result.notes)
    assert result.addin.is_file()  # the add-in itself is installed all the same
