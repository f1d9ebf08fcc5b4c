"""xltool.conf is written in the encoding the add-in's VBA reads it with.

The VBA (xlwings' ``GetConfigFromFile``) opens the file ``For Input`` and reads
``Input #f, name, value``: bytes decoded with the Windows ANSI code page (936 on
Chinese Windows). These tests write the file with ``install_addin`` as on such a PC
and read it back the way the VBA does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xltool.addin import build as addin
from xltool.addin import install as addin_install
from xltool.addin import config as addin_config
from xltool.addin.config import read_as_vba, vba_input_fields
from xltool.core.errors import XltoolError

CN_PYTHON = r"C:\Users\张三\AppData\Local\Programs\Python\Python311\pythonw.exe"
EMOJI_PYTHON = r"C:\Users\张三😀\AppData\Local\Programs\Python\Python311\pythonw.exe"
EXT_B_PYTHON = r"C:\Users\𠀀明\AppData\Local\Programs\Python\Python311\pythonw.exe"  # U+20000: GB18030 only
SHORT_PYTHON = r"C:\Users\5F20~1\AppData\Local\Programs\Python\PYTHON~1\pythonw.exe"


def _windows(tmp_path: Path, user: str = "张三") -> tuple[Path, dict[str, str], Path]:
    home = tmp_path / "Users" / user
    env = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home)}
    return home, env, home / ".xltool" / "xltool.conf"


def _no_short_path(path: str) -> str | None:
    raise AssertionError("the short path must only be looked up for paths the code page cannot hold")


# --------------------------------------------------------------------------- the round trip


def test_chinese_interpreter_path_survives_code_page_936(tmp_path: Path) -> None:
    home, env, conf = _windows(tmp_path)
    result = addin_install.install_addin(
        platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936", short_path=_no_short_path
    )
    data = conf.read_bytes()
    assert data == f'"INTERPRETER_WIN","{CN_PYTHON}"\r\n'.encode("gbk")
    assert "张三".encode("gbk") in data and "张三".encode("utf-8") not in data
    assert not [n for n in result.notes if "8.3" in n or "配置文件路径" in n]  # no path remark (the DLL's is below)
    # What the VBA sees: the bytes decoded with code page 936, split by Input #.
    for codec in ("cp936", "gbk"):
        seen = read_as_vba(data, codec)
        assert seen.complete
        assert seen.pairs == [("INTERPRETER_WIN", CN_PYTHON)]
        assert seen.get("interpreter_win") == CN_PYTHON  # the VBA compares with LCase
    # The bug this replaces: UTF-8 bytes read as code page 936 are mojibake.
    utf8 = f'"INTERPRETER_WIN","{CN_PYTHON}"\r\n'.encode("utf-8")
    assert read_as_vba(utf8, "cp936").get("INTERPRETER_WIN") != CN_PYTHON


def test_reinstall_converts_an_old_utf8_config_and_keeps_other_settings(tmp_path: Path) -> None:
    home, env, conf = _windows(tmp_path)
    conf.parent.mkdir(parents=True)
    old = '"INTERPRETER_WIN","C:\\旧\\python.exe"\r\n"PYTHONPATH","D:\\项目"\r\n"SHOW CONSOLE","True"\r\n'
    conf.write_bytes(old.encode("utf-8"))  # what xltool wrote before
    addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936")
    seen = read_as_vba(conf.read_bytes(), "cp936")
    assert seen.pairs == [("INTERPRETER_WIN", CN_PYTHON), ("PYTHONPATH", "D:\\项目"), ("SHOW CONSOLE", "True")]

    # A file already in the code page (e.g. written by xlwings' own VBA) is read as such.
    conf.write_bytes('"PYTHONPATH","D:\\项目"\r\n'.encode("gbk"))
    addin_install.install_addin(platform="win32", home=home, env=env, interpreter=CN_PYTHON, encoding="cp936")
    assert read_as_vba(conf.read_bytes(), "cp936").pairs == [("INTERPRETER_WIN", CN_PYTHON), ("PYTHONPATH", "D:\\项目")]


@pytest.mark.parametrize("path", [EMOJI_PYTHON, EXT_B_PYTHON], ids=["emoji", "cjk-extension-b"])
def test_unencodable_path_gets_the_short_form(tmp_path: Path, path: str) -> None:
    home, env, conf = _windows(tmp_path)
    asked = []

    def short_path(long: str) -> str | None:
        asked.append(long)
        return SHORT_PYTHON

    result = addin_install.install_addin(
        platform="win32", home=home, env=env, interpreter=path, encoding="cp936", short_path=short_path
    )
    assert asked == [path]
    assert read_as_vba(conf.read_bytes(), "cp936").get("INTERPRETER_WIN") == SHORT_PYTHON
    assert any("8.3 短路径" in note and SHORT_PYTHON in note for note in result.notes)


@pytest.mark.parametrize(
    "lookup",
    [lambda p: None, lambda p: p],  # no short name at all / 8.3 names disabled on the volume
    ids=["no-short-name", "short-names-disabled"],
)
@pytest.mark.parametrize("path", [EMOJI_PYTHON, EXT_B_PYTHON], ids=["emoji", "cjk-extension-b"])
def test_unencodable_path_without_short_form_is_refused_in_chinese(tmp_path: Path, path: str, lookup: object) -> None:
    home, env, conf = _windows(tmp_path)
    with pytest.raises(XltoolError) as caught:
        addin_install.install_addin(platform="win32", home=home, env=env, interpreter=path, encoding="cp936", short_path=lookup)
    message = caught.value.message
    bad = "😀" if path == EMOJI_PYTHON else "𠀀"
    assert f"“{bad}”（U+{ord(bad):04X}）" in message
    assert "cp936" in message and "8.3" in message and "C:\\Python311" in message
    assert caught.value.exit_code == 2
    assert not (home / "AppData").exists() and not conf.exists()  # nothing installed half-way


def test_double_quote_in_the_path_is_refused() -> None:
    with pytest.raises(XltoolError, match="双引号"):
        addin_config.interpreter_for_config('/Users/a"b/python3', "utf-8")


def test_windows_only_lookup_returns_none_elsewhere() -> None:
    if addin_install.sys.platform != "win32":
        assert addin_config.short_path_name(CN_PYTHON) is None


def test_user_folder_the_code_page_cannot_hold_is_reported(tmp_path: Path) -> None:
    home, env, conf = _windows(tmp_path, user="Ζωή")  # Greek user name on a Chinese code page
    result = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=r"C:\Python311\pythonw.exe",
                                 encoding="cp936")
    assert conf.is_file()
    assert any("配置文件路径" in note and "更改系统区域设置" in note for note in result.notes)


def test_macos_config_is_utf8_like_xlwings_writes_it(tmp_path: Path) -> None:
    python = "/Users/张三/venv/bin/python3"
    addin_install.install_addin(platform="darwin", home=tmp_path, env={}, interpreter=python)
    conf = tmp_path / "Library/Containers/com.microsoft.Excel/Data/xltool.conf"
    assert conf.read_bytes() == f'"INTERPRETER_MAC","{python}"\n'.encode("utf-8")


# --------------------------------------------------------------------------- encodings


def test_encoding_follows_the_platform() -> None:
    assert addin_config.windows_ansi_encoding(936) == "cp936"
    assert addin_config.windows_ansi_encoding(1252) == "cp1252"
    assert addin_config.windows_ansi_encoding(65001) == "utf-8"
    assert addin_config.config_encoding("windows", acp=936) == "cp936"
    assert addin_config.config_encoding("macos") == "utf-8"
    if addin_install.sys.platform != "win32":  # the target PC's code page is unknown: only ASCII is safe
        assert addin_config.windows_ansi_encoding() == "ascii"
        assert addin_config.windows_ansi_encoding(99999) == "ascii"


def test_gbk_multibyte_characters_never_contain_input_delimiters() -> None:
    """A GBK trail byte is 0x40-0xFE, so a quote, comma or line end inside a path cannot be faked."""
    for code in range(0x80, 0x10000):
        char = chr(code)
        try:
            data = char.encode("gbk")
        except UnicodeEncodeError:
            continue
        assert not set(data) & {0x22, 0x2C, 0x0D, 0x0A}, char


def test_xlwings_reads_its_config_with_input_statements() -> None:
    """The emulation below copies what the installed xlwings runtime does; fail if that changes."""
    source = addin.xlwings_runtime_source()
    body = source.split("Function GetConfigFromFile", 1)[1].split("End Function", 1)[0]
    assert "Open sFile For Input As iFileNum" in body
    assert "Input #iFileNum, sVarName, sVarValue" in body
    assert "LCase(sVarName) = LCase(sName)" in body


# --------------------------------------------------------------------------- Input # emulation


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ('"A","B"\r\n"C","D"\r\n', ["A", "B", "C", "D"]),
        ('"A","B"\n"C","D"', ["A", "B", "C", "D"]),
        ('  "A" , "B, with comma"\r\n', ["A", "B, with comma"]),
        ("A, B  \r\nC,D\r\n", ["A", "B", "C", "D"]),
        ('"A","B"\r\n\r\n"C","D"\r\n', ["A", "B", "C", "D"]),
        ('"A","unterminated', ["A", "unterminated"]),
        ('"A"x,"B"', ["A", "B"]),
    ],
)
def test_input_fields(text: str, fields: list[str]) -> None:
    assert vba_input_fields(text) == fields


def test_odd_field_count_is_incomplete_and_first_match_wins() -> None:
    seen = read_as_vba(b'"A","1"\r\n"a","2"\r\n"B"\r\n', "cp936")
    assert not seen.complete
    assert seen.get("A") == "1"
    assert seen.get("B") is None


def test_bom_spoils_the_first_key() -> None:
    """Notepad's "UTF-8 with BOM" puts bytes before the first quote: the VBA misses the key."""
    data = "\ufeff".encode("utf-8") + f'"INTERPRETER_WIN","{CN_PYTHON}"\r\n'.encode("utf-8")
    assert read_as_vba(data, "cp936").get("INTERPRETER_WIN") is None
