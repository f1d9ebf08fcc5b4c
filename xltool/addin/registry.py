"""The Windows registry facts the add-in depends on, behind a replaceable interface.

``xltool addin doctor`` reads where Excel is, which Office versions a user has,
the macro settings (``VBAWarnings``), whether add-ins must be signed and which
folders are Trusted Locations; ``xltool addin install --trusted`` registers the
add-in's folder as a Trusted Location. All of that goes through :class:`Registry`
so the logic runs (and is tested) on any system: :class:`WinRegistry` is the real
``winreg`` one, :class:`DictRegistry` holds values given as a dict (both in
:mod:`xltool.addin.regstore`, re-exported here).

Keys are written ``HKCU\\Software\\…`` / ``HKLM\\SOFTWARE\\…``; the default value
of a key is the name ``""``. Like the registry, names compare case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xltool.addin.regstore import DictRegistry, Registry, WinRegistry, default_registry

__all__ = [
    "ASR_OFFICE_CHILD_PROCESS",
    "IT_REQUIREMENTS",
    "TRUSTED_LOCATION_NAME",
    "DictRegistry",
    "MacroSecurity",
    "Registry",
    "TrustedLocation",
    "WinRegistry",
    "asr_blocks_child_processes",
    "default_registry",
    "ensure_trusted_location",
    "excel_executable",
    "excel_platform",
    "is_trusted",
    "macro_security",
    "office_versions",
    "register_trusted_folder",
    "remove_trusted_location",
    "wps_executable",
]

TRUSTED_LOCATION_NAME = "xltool"  # our key under ...\Excel\Security\Trusted Locations
# Defender ASR rule "Block all Office applications from creating child processes":
# RunPython starts cmd.exe/python.exe from EXCEL.EXE, which this rule stops.
ASR_OFFICE_CHILD_PROCESS = "d4f940ab-401b-4efc-aadc-ad5f3c50688a"
_ASR_KEYS = (
    r"HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Windows Defender Exploit Guard\ASR\Rules",
    r"HKLM\SOFTWARE\Microsoft\Windows Defender\Windows Defender Exploit Guard\ASR\Rules",
)
_VERSION = re.compile(r"^\d+\.\d+$")


# ---------------------------------------------------------------------------
# Excel, Office and WPS
# ---------------------------------------------------------------------------

_APP_PATHS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths"


def _app_path(registry: Registry, exe: str) -> str | None:
    for hive in ("HKLM", "HKCU"):
        found = registry.value(rf"{hive}\{_APP_PATHS}\{exe}", "")
        if isinstance(found, str) and found.strip():
            return found.strip().strip('"')
    return None


def excel_executable(registry: Registry) -> str | None:
    """EXCEL.EXE as registered under App Paths (every Office installer writes it)."""
    return _app_path(registry, "excel.exe")


def wps_executable(registry: Registry) -> str | None:
    """WPS 表格 (et.exe) if installed: App Paths or Kingsoft's own key."""
    found = _app_path(registry, "et.exe")
    if found:
        return found
    for key in (r"HKCU\Software\Kingsoft\Office\6.0\Common", r"HKLM\SOFTWARE\Kingsoft\Office\6.0\Common"):
        root = registry.value(key, "InstallRoot")
        if isinstance(root, str) and root:
            return root
    return None


def office_versions(registry: Registry) -> list[str]:
    """Office versions with Excel settings for this user ("16.0" first), e.g. ``["16.0"]``.

    16.0 covers Office 2016, 2019, 2021, 2024 and Microsoft 365; 15.0 is 2013, 14.0 is 2010.
    """
    found = {
        name
        for hive in (r"HKCU\Software\Microsoft\Office", r"HKLM\SOFTWARE\Microsoft\Office")
        for name in registry.subkeys(hive)
        if _VERSION.match(name)
        and any(sub.lower() == "excel" for sub in registry.subkeys(rf"{hive}\{name}"))
    }
    return sorted(found, key=lambda v: float(v), reverse=True)


def excel_platform(registry: Registry) -> str | None:
    """"x64" or "x86" for Click-to-Run Office (Microsoft 365, 2019 and later); None if unknown."""
    found = registry.value(r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration", "Platform")
    if isinstance(found, str) and found:
        return found
    for version in office_versions(registry):
        bitness = registry.value(rf"HKLM\SOFTWARE\Microsoft\Office\{version}\Outlook", "Bitness")
        if isinstance(bitness, str) and bitness:
            return bitness
    return None


def asr_blocks_child_processes(registry: Registry) -> bool:
    """True if Defender's ASR rule stops Office starting programs (so RunPython cannot)."""
    for key in _ASR_KEYS:
        for name in (ASR_OFFICE_CHILD_PROCESS, ASR_OFFICE_CHILD_PROCESS.upper()):
            value = registry.value(key, name)
            if value is not None and str(value).strip() == "1":
                return True
    return False


# ---------------------------------------------------------------------------
# Macro security and Trusted Locations
# ---------------------------------------------------------------------------


def _security_keys(version: str) -> tuple[str, str]:
    """(policy key, user key): a group-policy value wins over the user's own."""
    return (
        rf"HKCU\Software\Policies\Microsoft\Office\{version}\Excel\Security",
        rf"HKCU\Software\Microsoft\Office\{version}\Excel\Security",
    )


def _dword(registry: Registry, keys: tuple[str, ...], name: str) -> tuple[int | None, bool]:
    """(value, set by policy) of the first key that has ``name``."""
    for index, key in enumerate(keys):
        value = registry.value(key, name)
        if value is not None:
            try:
                return int(value), index == 0  # type: ignore[call-overload]
            except (TypeError, ValueError):
                continue
    return None, False


@dataclass(frozen=True)
class TrustedLocation:
    """One Trusted Location of Excel, as the registry holds it."""

    path: str
    allow_subfolders: bool
    policy: bool  # set by group policy (IT) rather than by the user
    name: str


@dataclass(frozen=True)
class MacroSecurity:
    """Excel's macro settings for one Office version, as far as the registry says."""

    version: str
    vba_warnings: int | None  # 1 enable all, 2 disable with notification (default), 3 signed only, 4 disable all
    vba_warnings_policy: bool
    require_addin_signature: bool
    all_locations_disabled: bool
    user_locations_allowed: bool  # False: IT allows only the locations its policy lists
    locations: tuple[TrustedLocation, ...]


def _locations(registry: Registry, key: str, policy: bool) -> list[TrustedLocation]:
    found = []
    for name in registry.subkeys(key):
        path = registry.value(rf"{key}\{name}", "Path")
        if isinstance(path, str) and path:
            sub = registry.value(rf"{key}\{name}", "AllowSubfolders")
            found.append(TrustedLocation(path, str(sub) == "1", policy, name))
    return found


def macro_security(registry: Registry, version: str) -> MacroSecurity:
    """Read VBAWarnings, RequireAddinSig and the Trusted Locations of Excel ``version``."""
    policy, user = _security_keys(version)
    warnings, warnings_policy = _dword(registry, (policy, user), "VBAWarnings")
    signature, _ = _dword(registry, (policy, user), "RequireAddinSig")
    disabled, _ = _dword(registry, (rf"{policy}\Trusted Locations", rf"{user}\Trusted Locations"), "AllLocationsDisabled")
    mix, _ = _dword(
        registry,
        (rf"HKCU\Software\Policies\Microsoft\Office\{version}\Common\Security\Trusted Locations",),
        "Allow User Locations",
    )
    user_allowed = mix != 0
    locations = _locations(registry, rf"{policy}\Trusted Locations", True)
    if user_allowed:
        locations += _locations(registry, rf"{user}\Trusted Locations", False)
    return MacroSecurity(
        version=version,
        vba_warnings=warnings,
        vba_warnings_policy=warnings_policy,
        require_addin_signature=signature == 1,
        all_locations_disabled=disabled == 1,
        user_locations_allowed=user_allowed,
        locations=tuple(locations),
    )


def _expand(path: str, env: Mapping[str, str]) -> str:
    """Expand ``%VAR%`` as Windows does (case-insensitively; unknown names stay)."""
    lowered = {k.lower(): v for k, v in env.items()}
    return re.sub(r"%([^%]+)%", lambda m: lowered.get(m.group(1).lower(), m.group(0)), path)


def _norm_path(path: str | Path) -> str:
    return str(path).replace("/", "\\").rstrip("\\").lower()


def is_trusted(security: MacroSecurity, folder: str | Path, env: Mapping[str, str]) -> bool:
    """True if a Trusted Location covers ``folder`` (and trusted locations are not disabled)."""
    if security.all_locations_disabled:
        return False
    target = _norm_path(folder)
    for location in security.locations:
        base = _norm_path(_expand(location.path, env))
        if target == base or (location.allow_subfolders and target.startswith(base + "\\")):
            return True
    return False


def ensure_trusted_location(
    registry: Registry, version: str, folder: str | Path, env: Mapping[str, str], description: str
) -> bool:
    """Register ``folder`` as a user Trusted Location of Excel ``version`` unless already trusted.

    Returns True if something was written. Only HKCU is written; what IT locks by
    policy (all locations disabled, no user locations) stays as it is.
    """
    if is_trusted(macro_security(registry, version), folder, env):
        return False
    _, user = _security_keys(version)
    key = rf"{user}\Trusted Locations\{TRUSTED_LOCATION_NAME}"
    registry.set_value(key, "Path", str(folder).rstrip("\\/") + "\\")
    registry.set_value(key, "AllowSubfolders", 0)
    registry.set_value(key, "Description", description)
    registry.set_value(key, "Date", datetime.now().strftime("%Y/%m/%d %H:%M"))
    return True


def remove_trusted_location(registry: Registry, version: str) -> bool:
    """Delete the Trusted Location xltool registered for ``version``; True if there was one."""
    _, user = _security_keys(version)
    return registry.delete_key(rf"{user}\Trusted Locations\{TRUSTED_LOCATION_NAME}")


# ---------------------------------------------------------------------------
# What install --trusted does and what IT must allow (Chinese, for the user)
# ---------------------------------------------------------------------------

IT_REQUIREMENTS = (
    "如单位电脑由 IT 统一管理，请 IT 确认以下几点（组策略 / Microsoft Defender）：",
    "1. 允许用户自定义的受信任位置，且未启用“禁用所有受信任位置”（或由 IT 把上面的文件夹加为受信任位置）；",
    "2. 未启用“要求应用程序加载项由受信任的发布者签名”（xltool.xlam 由本机生成，没有数字签名）；",
    (
        "3. 未启用 Defender 攻击面减少规则“阻止所有 Office 应用程序创建子进程”（D4F940AB-401B-4EFC-AADC-AD5F3C50688A），"
        "或为 EXCEL.EXE 设置例外：每个按钮都要由 Excel 启动 cmd.exe 和 Python；"
    ),
    "4. 允许运行本机已安装的 Python（AppLocker / 软件限制策略），杀毒软件不拦截 Excel 启动 Python。",
    "无法放行时，可以不用加载项，改用命令行完成同样的工作：xltool validate 文件.xlsx --mark-to 标注副本.xlsx。",
)


def register_trusted_folder(registry: Registry | None, folder: str | Path, env: Mapping[str, str]) -> list[str]:
    """``install --trusted``: register ``folder`` as a Trusted Location for each Excel found.

    Returns Chinese notes saying what was done. Office 16.0 is assumed when no Excel
    settings exist yet (Excel writes them on its first start).
    """
    if registry is None:
        return ["无法访问 Windows 注册表，未登记受信任位置。"]
    notes = []
    for version in office_versions(registry) or ["16.0"]:
        security = macro_security(registry, version)
        try:
            wrote = ensure_trusted_location(registry, version, folder, env, "xltool 绩效目标表加载项")
        except OSError as exc:  # e.g. a key locked by IT
            notes.append(f"无法写入注册表（Office {version}）：{exc}。请 IT 把 {folder} 加为受信任位置。")
            continue
        if wrote:
            notes.append(f"已把 {folder} 登记为 Excel（Office {version}）的受信任位置。")
        else:
            notes.append(f"{folder} 已是 Excel（Office {version}）的受信任位置，无需登记。")
        if security.all_locations_disabled:
            notes.append(f"注意：Office {version} 的组策略禁用了所有受信任位置，登记不会生效，需要 IT 处理。")
        elif not security.user_locations_allowed:
            notes.append(f"注意：Office {version} 的组策略只承认 IT 指定的受信任位置，需要 IT 把上述文件夹加入。")
    return notes
