"""Registering the WPS add-in for one user: xltool's entry in WPS's ``jsaddons/publish.xml``.

WPS reads ``publish.xml`` (``%APPDATA%\\kingsoft\\wps\\jsaddons`` on Windows,
``~/.local/share/Kingsoft/wps/jsaddons`` on Linux, 统信UOS and 麒麟 included) at start and
loads each ``<jspluginonline>`` from its URL. Other add-ins' entries are kept as they
are; the file is backed up before it is changed and written atomically.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import quoteattr

from xltool.addin.wps.build import ADDIN_NAME, addin_url
from xltool.core.errors import XltoolError
from xltool.io.files import atomic_output, backup_file

PUBLISH = "publish.xml"


@dataclass
class WpsInstall:
    publish: Path
    url: str = ""
    changed: bool = False
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)


def jsaddons_dir(platform: str | None = None, home: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """WPS's per-user add-in folder on this (or the named) platform."""
    env = os.environ if env is None else env
    home = Path(home) if home is not None else Path.home()
    if (platform or sys.platform).startswith("win"):
        appdata = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
        return appdata / "kingsoft" / "wps" / "jsaddons"
    if (platform or sys.platform) == "darwin":
        raise XltoolError("macOS 版 WPS 的加载项请按 docs/wps-manual-test.md 手动登记")
    return home / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """An existing publish.xml: the other add-ins' elements as XML text, and xltool's own entries."""
    import xml.etree.ElementTree as ET

    from defusedxml.ElementTree import fromstring

    if not path.exists():
        return [], []
    try:
        root = fromstring(path.read_bytes())
    except Exception:
        raise XltoolError("WPS 的加载项登记文件无法解析（不是有效的 XML），未做改动；请检查或删除该文件后重试",
                          file=path) from None
    if root.tag != "jsplugins":
        raise XltoolError("WPS 的加载项登记文件的根元素不是 jsplugins，未做改动", file=path)
    others: list[str] = []
    ours: list[dict[str, str]] = []
    for child in root:
        if child.get("name") == ADDIN_NAME:
            ours.append(dict(child.attrib))
            continue
        child.tail = None
        others.append(ET.tostring(child, encoding="unicode"))
    return others, ours


def _write(path: Path, entries: list[str]) -> None:
    text = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<jsplugins>\n'
            + "".join(f"  {e}\n" for e in entries) + "</jsplugins>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as temp:
        temp.write_text(text, encoding="utf-8")


def install_wps(server: str, *, token: str | None = None, folder: Path | None = None) -> WpsInstall:
    """Register (or re-point) xltool's add-in at ``<server>/wps/`` for this user."""
    path = (folder or jsaddons_dir()) / PUBLISH
    url = addin_url(server, token)
    others, ours = _read(path)
    result = WpsInstall(publish=path, url=url)
    if ours == [{"name": ADDIN_NAME, "type": "et", "url": url}]:
        result.notes.append("WPS 加载项已登记，无需改动。")
        return result
    result.backup = backup_file(path) if path.exists() else None
    _write(path, others + [f'<jspluginonline name="{ADDIN_NAME}" type="et" url={quoteattr(url)} />'])
    result.changed = True
    return result


def uninstall_wps(folder: Path | None = None) -> WpsInstall:
    """Remove xltool's entry (other add-ins stay); the file is backed up first."""
    path = (folder or jsaddons_dir()) / PUBLISH
    result = WpsInstall(publish=path)
    others, ours = _read(path)
    if not ours:
        return result
    result.backup = backup_file(path)
    _write(path, others)
    result.changed = True
    return result
