"""The Windows-only probes (winreg, GetACP, GetShortPathNameW), run against fakes.

They cannot run for real on Linux; these tests drive their code paths through a
fake ``winreg`` module and a fake ``ctypes.windll`` so a typo there does not first
show up on a user's PC.
"""

from __future__ import annotations

import ctypes
import sys
import types
from collections.abc import Iterator

import pytest

from xltool.addin import config as addin_config
from xltool.addin import registry as addin_registry

HKCU, HKLM = 1, 2
KEY_WOW64_64KEY, KEY_WOW64_32KEY = 0x100, 0x200


class _Handle:
    def __init__(self, key: tuple[int, str]) -> None:
        self.key = key

    def __enter__(self) -> _Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def fake_winreg(store: dict[tuple[int, str], dict[str, object]], views: list[int]) -> types.ModuleType:
    """A ``winreg`` over ``store``: {(hive, lower-case path): {value name: value}}."""
    module = types.ModuleType("winreg")
    module.HKEY_CURRENT_USER, module.HKEY_LOCAL_MACHINE = HKCU, HKLM
    module.KEY_READ, module.KEY_SET_VALUE = 0x20019, 0x0002
    module.KEY_WOW64_64KEY, module.KEY_WOW64_32KEY = KEY_WOW64_64KEY, KEY_WOW64_32KEY
    module.REG_SZ, module.REG_DWORD = 1, 4

    def open_key(root: int, path: str, reserved: int = 0, access: int = 0) -> _Handle:
        views.append(access & (KEY_WOW64_64KEY | KEY_WOW64_32KEY))
        key = (root, path.lower())
        if key not in store and not any(r == root and p.startswith(key[1] + "\\") for r, p in store):
            raise FileNotFoundError(2, "not found")
        return _Handle(key)

    def query_value(handle: _Handle, name: str) -> tuple[object, int]:
        values = store.get(handle.key, {})
        if name not in values:
            raise FileNotFoundError(2, "no value")
        return values[name], 1

    def enum_key(handle: _Handle, index: int) -> str:
        root, path = handle.key
        children = sorted({p[len(path) + 1 :].split("\\")[0] for r, p in store if r == root and p.startswith(path + "\\")})
        if index >= len(children):
            raise OSError(259, "no more items")
        return children[index]

    def create_key(root: int, path: str, reserved: int = 0, access: int = 0) -> _Handle:
        store.setdefault((root, path.lower()), {})
        return _Handle((root, path.lower()))

    def set_value(handle: _Handle, name: str, reserved: int, kind: int, value: object) -> None:
        store[handle.key][name] = (kind, value)

    def delete_key(root: int, path: str) -> None:
        if store.pop((root, path.lower()), None) is None:
            raise FileNotFoundError(2, "not found")

    module.OpenKey, module.QueryValueEx, module.EnumKey = open_key, query_value, enum_key
    module.CreateKeyEx, module.SetValueEx, module.DeleteKey = create_key, set_value, delete_key
    return module


@pytest.fixture
def winreg_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[dict[tuple[int, str], dict[str, object]], list[int]]]:
    store: dict[tuple[int, str], dict[str, object]] = {}
    views: list[int] = []
    monkeypatch.setitem(sys.modules, "winreg", fake_winreg(store, views))
    yield store, views


def test_win_registry_reads_values_subkeys_and_both_hklm_views(winreg_store) -> None:  # type: ignore[no-untyped-def]
    store, views = winreg_store
    app = r"software\microsoft\windows\currentversion\app paths\excel.exe"
    store[(HKLM, app)] = {"": r"C:\Office\EXCEL.EXE"}
    store[(HKCU, r"software\microsoft\office\16.0\excel\options")] = {}
    store[(HKCU, r"software\microsoft\office\16.0\excel\security")] = {"VBAWarnings": 2}
    registry = addin_registry.WinRegistry()

    assert addin_registry.excel_executable(registry) == r"C:\Office\EXCEL.EXE"
    assert KEY_WOW64_64KEY in views  # HKLM is read in the 64-bit view first
    assert registry.value(r"HKLM\SOFTWARE\Nothing", "x") is None
    assert views[-2:] == [KEY_WOW64_64KEY, KEY_WOW64_32KEY]  # ... then the 32-bit one
    assert addin_registry.office_versions(registry) == ["16.0"]
    assert addin_registry.macro_security(registry, "16.0").vba_warnings == 2


def test_win_registry_writes_under_hkcu(winreg_store) -> None:  # type: ignore[no-untyped-def]
    store, _ = winreg_store
    registry = addin_registry.WinRegistry()
    wrote = addin_registry.ensure_trusted_location(registry, "16.0", r"C:\Users\张三\XLSTART", {}, "xltool")
    key = (HKCU, r"software\microsoft\office\16.0\excel\security\trusted locations\xltool")
    assert wrote
    assert store[key]["Path"] == (1, "C:\\Users\\张三\\XLSTART\\")
    assert store[key]["AllowSubfolders"] == (4, 0)
    assert addin_registry.remove_trusted_location(registry, "16.0")
    assert not addin_registry.remove_trusted_location(registry, "16.0")


class _FakeKernel32:
    def __init__(self, acp: int, short: str | None) -> None:
        self.acp, self.short = acp, short
        outer = self

        class _GetShortPathNameW:
            argtypes: list[object] = []
            restype: object = None

            def __call__(self, path: str, buffer: object, size: int) -> int:
                if outer.short is None:
                    return 0
                if buffer is None:
                    return len(outer.short) + 1
                buffer.value = outer.short  # type: ignore[attr-defined]
                return len(outer.short)

        self.GetShortPathNameW = _GetShortPathNameW()

    def GetACP(self) -> int:  # the Windows API name
        return self.acp


def _fake_windows(monkeypatch: pytest.MonkeyPatch, acp: int = 936, short: str | None = None) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=_FakeKernel32(acp, short)), raising=False)


def test_code_page_comes_from_getacp(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_windows(monkeypatch, acp=936)
    assert addin_config.windows_ansi_encoding() == "cp936"
    assert addin_config.config_encoding("windows") == "cp936"
    _fake_windows(monkeypatch, acp=65001)
    assert addin_config.windows_ansi_encoding() == "utf-8"


def test_short_path_name_calls_getshortpathnamew(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_windows(monkeypatch, short=r"C:\Users\5F20~1\python.exe")
    assert addin_config.short_path_name(r"C:\Users\张三😀\python.exe") == r"C:\Users\5F20~1\python.exe"
    _fake_windows(monkeypatch, short=None)
    assert addin_config.short_path_name(r"C:\missing.exe") is None
