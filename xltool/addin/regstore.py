"""Where registry values come from: the real Windows registry, or a dict standing in for it.

:class:`Registry` is all :mod:`xltool.addin.registry` asks of a registry, so the
doctor and ``install --trusted`` run, and are tested, on any system.
Keys are written ``HKCU\\Software\\…`` / ``HKLM\\SOFTWARE\\…``; the default value
of a key is the name ``""``. Like the registry, names compare case-insensitively.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Protocol

__all__ = ["DictRegistry", "Registry", "WinRegistry", "default_registry"]


class Registry(Protocol):
    """The registry operations xltool needs (read, and writes under HKCU only)."""

    def value(self, key: str, name: str) -> object | None:
        """The value ``name`` of ``key``; None if the key or value does not exist."""

    def subkeys(self, key: str) -> list[str]:
        """Names of the direct subkeys of ``key``; empty if it does not exist."""

    def set_value(self, key: str, name: str, value: str | int) -> None:
        """Create ``key`` if needed and set ``name`` (str: REG_SZ, int: REG_DWORD)."""

    def delete_key(self, key: str) -> bool:
        """Delete ``key`` (which has no subkeys); True if it existed."""


def _norm_key(key: str) -> str:
    return key.strip("\\").lower()


class DictRegistry:
    """A registry held in memory: ``{key: {value name: value}}`` (tests, dry runs)."""

    def __init__(self, data: Mapping[str, Mapping[str, object]] | None = None) -> None:
        self.data: dict[str, dict[str, object]] = {}
        self._names: dict[str, str] = {}  # normalised key -> key as first written
        for key, values in (data or {}).items():
            self._ensure(key).update({name.lower(): v for name, v in values.items()})

    def _ensure(self, key: str) -> dict[str, object]:
        norm = _norm_key(key)
        self._names.setdefault(norm, key.strip("\\"))
        return self.data.setdefault(norm, {})

    def value(self, key: str, name: str) -> object | None:
        return self.data.get(_norm_key(key), {}).get(name.lower())

    def subkeys(self, key: str) -> list[str]:
        prefix = _norm_key(key) + "\\"
        found: dict[str, str] = {}
        for norm, original in self._names.items():
            if norm.startswith(prefix):
                child = original[len(prefix) :].split("\\", 1)[0]
                found.setdefault(child.lower(), child)
        return sorted(found.values(), key=str.lower)

    def set_value(self, key: str, name: str, value: str | int) -> None:
        self._ensure(key)[name.lower()] = value

    def delete_key(self, key: str) -> bool:
        norm = _norm_key(key)
        self._names.pop(norm, None)
        return self.data.pop(norm, None) is not None


class WinRegistry:
    """The real registry through :mod:`winreg` (Windows only).

    HKLM is read in the 64-bit view first and then the 32-bit one, so a 32-bit
    Python still finds a 64-bit Office and the other way round.
    """

    def __init__(self) -> None:
        import winreg  # noqa: F401  (fails early on other systems)

    @staticmethod
    def _split(key: str) -> tuple[int, str]:
        import winreg

        hive, _, path = key.strip("\\").partition("\\")
        roots = {"HKCU": winreg.HKEY_CURRENT_USER, "HKEY_CURRENT_USER": winreg.HKEY_CURRENT_USER,
                 "HKLM": winreg.HKEY_LOCAL_MACHINE, "HKEY_LOCAL_MACHINE": winreg.HKEY_LOCAL_MACHINE}
        return roots[hive.upper()], path

    def _views(self, root: int) -> tuple[int, ...]:
        import winreg

        if root == winreg.HKEY_LOCAL_MACHINE:
            return (winreg.KEY_WOW64_64KEY, winreg.KEY_WOW64_32KEY)
        return (0,)

    def value(self, key: str, name: str) -> object | None:
        import winreg

        root, path = self._split(key)
        for view in self._views(root):
            try:
                with winreg.OpenKey(root, path, 0, winreg.KEY_READ | view) as handle:
                    return winreg.QueryValueEx(handle, name)[0]
            except OSError:
                continue
        return None

    def subkeys(self, key: str) -> list[str]:
        import winreg

        root, path = self._split(key)
        names: dict[str, str] = {}
        for view in self._views(root):
            try:
                with winreg.OpenKey(root, path, 0, winreg.KEY_READ | view) as handle:
                    index = 0
                    while True:
                        try:
                            child = winreg.EnumKey(handle, index)
                        except OSError:
                            break
                        names.setdefault(child.lower(), child)
                        index += 1
            except OSError:
                continue
        return sorted(names.values(), key=str.lower)

    def set_value(self, key: str, name: str, value: str | int) -> None:
        import winreg

        root, path = self._split(key)
        with winreg.CreateKeyEx(root, path, 0, winreg.KEY_SET_VALUE) as handle:
            if isinstance(value, int):
                winreg.SetValueEx(handle, name, 0, winreg.REG_DWORD, value)
            else:
                winreg.SetValueEx(handle, name, 0, winreg.REG_SZ, value)

    def delete_key(self, key: str) -> bool:
        import winreg

        root, path = self._split(key)
        try:
            winreg.DeleteKey(root, path)
        except FileNotFoundError:
            return False
        return True


def default_registry() -> Registry | None:
    """This machine's registry, or None where there is none (macOS, Linux)."""
    if sys.platform != "win32":
        return None
    return WinRegistry()
