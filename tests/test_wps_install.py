"""Registering the WPS add-in in WPS's publish.xml: other add-ins kept, backups, bad files refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from xltool.addin.wps.install import install_wps, jsaddons_dir, uninstall_wps
from xltool.core.errors import XltoolError

OTHERS = ('<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>\n'
          '  <jspluginonline name="OA助手" type="wps" url="http://oa.local/plugin/wps/" enable="enable" install="null"/>\n'
          '  <jsplugin name="date-picker" type="et" url="date-picker_1.0.1" version="1.0.1"/>\n'
          '  <jspluginonline name="xltool" type="et" url="http://old-server:8765/wps/"/>\n'
          '</jsplugins>\n')


def _entries(path: Path) -> list[dict[str, str]]:
    return [dict(e.attrib) for e in fromstring(path.read_bytes())]


def test_locations() -> None:
    assert jsaddons_dir("win32", Path("/h"), {"APPDATA": r"C:\Users\张三\AppData\Roaming"}) == \
        Path(r"C:\Users\张三\AppData\Roaming") / "kingsoft" / "wps" / "jsaddons"
    assert jsaddons_dir("linux", Path("/home/张三"), {}) == Path("/home/张三/.local/share/Kingsoft/wps/jsaddons")


def test_install_keeps_other_addins_and_repoints_ours(tmp_path: Path) -> None:
    publish = tmp_path / "publish.xml"
    publish.write_text(OTHERS, encoding="utf-8")
    done = install_wps("http://10.0.0.5:8765", token="abcdefgh12", folder=tmp_path)
    assert done.changed and done.backup is not None and done.backup.read_text(encoding="utf-8") == OTHERS
    entries = _entries(publish)
    assert entries[:2] == [
        {"name": "OA助手", "type": "wps", "url": "http://oa.local/plugin/wps/", "enable": "enable", "install": "null"},
        {"name": "date-picker", "type": "et", "url": "date-picker_1.0.1", "version": "1.0.1"},
    ]
    assert entries[2:] == [{"name": "xltool", "type": "et", "url": "http://10.0.0.5:8765/wps/?token=abcdefgh12"}]
    again = install_wps("http://10.0.0.5:8765", token="abcdefgh12", folder=tmp_path)
    assert not again.changed and again.backup is None and again.notes
    gone = uninstall_wps(folder=tmp_path)
    assert gone.changed and [e["name"] for e in _entries(publish)] == ["OA助手", "date-picker"]
    assert not uninstall_wps(folder=tmp_path).changed


def test_new_file_and_bad_file(tmp_path: Path) -> None:
    fresh = install_wps("http://127.0.0.1:8765", folder=tmp_path / "新 文件夹")
    assert fresh.changed and fresh.backup is None
    assert _entries(fresh.publish) == [{"name": "xltool", "type": "et", "url": "http://127.0.0.1:8765/wps/"}]
    bad = tmp_path / "publish.xml"
    bad.write_text("<jsplugins><jsplugin name='x'", encoding="utf-8")
    with pytest.raises(XltoolError) as caught:
        install_wps("http://127.0.0.1:8765", folder=tmp_path)
    assert "无法解析" in caught.value.describe() and bad.read_text(encoding="utf-8") == "<jsplugins><jsplugin name='x'"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["publish.xml", "新 文件夹"]


def test_cli(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = [sys.executable, "-m", "xltool", "addin"]
    done = subprocess.run(run + ["install", "--wps", "--server", "http://10.0.0.5:8765"], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0 and "已登记 WPS 加载项：http://10.0.0.5:8765/wps/" in done.stdout, done.stderr
    assert (tmp_path / ".local/share/Kingsoft/wps/jsaddons/publish.xml").is_file()
    wrong = subprocess.run(run + ["install", "--server", "http://10.0.0.5:8765"], capture_output=True, text=True,
                           env=env, timeout=60, check=False)
    assert wrong.returncode == 2 and "只能与 --wps 一起使用" in wrong.stderr
    done = subprocess.run(run + ["uninstall", "--wps"], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0 and "已删除 WPS 加载项的登记" in done.stdout
