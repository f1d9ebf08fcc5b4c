"""Atomic writes, backups and output checks (xltool.io.files) on real files."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from xltool.core.errors import XltoolError
from xltool.io.files import LOCKED_MESSAGE, atomic_output, backup_file, backup_name, check_not_locked, check_output_dir, ensure_not_input


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".xltool-tmp-" in p.name)


def test_atomic_output_replaces_the_target_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"old")
    with atomic_output(target) as temp:
        assert temp.parent == tmp_path and temp.suffix == ".xlsx" and temp != target
        temp.write_bytes(b"new content")
        assert target.read_bytes() == b"old"  # nothing visible until the block ends
    assert target.read_bytes() == b"new content"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_atomic_output_keeps_the_old_file_and_no_temp_on_any_exception(tmp_path: Path,
                                                                       error: BaseException) -> None:
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(type(error)):
        with atomic_output(target) as temp:
            temp.write_bytes(b"half writ")
            raise error
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_atomic_output_refuses_an_empty_result(tmp_path: Path) -> None:
    target = tmp_path / "结果.xlsx"
    with pytest.raises(XltoolError, match="未能写出"):
        with atomic_output(target):
            pass  # the writer produced nothing
    assert not target.exists() and leftovers(tmp_path) == []


def test_new_files_get_normal_permissions_and_existing_ones_keep_theirs(tmp_path: Path) -> None:
    new = tmp_path / "new.xlsx"
    with atomic_output(new) as temp:
        temp.write_bytes(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    shared = tmp_path / "shared.xlsx"
    shared.write_bytes(b"x")
    shared.chmod(0o640)
    with atomic_output(shared) as temp:
        temp.write_bytes(b"y")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640


def test_output_checks_give_chinese_errors_with_exit_code_2(tmp_path: Path) -> None:
    with pytest.raises(XltoolError, match="输出文件夹.*不存在") as err:
        check_output_dir(tmp_path / "没有这个文件夹" / "a.xlsx")
    assert err.value.exit_code == 2
    (tmp_path / "目录.xlsx").mkdir()
    with pytest.raises(XltoolError, match="是一个文件夹"):
        check_output_dir(tmp_path / "目录.xlsx")
    (tmp_path / "文件").write_text("x")
    with pytest.raises(XltoolError, match="不是文件夹"):
        check_output_dir(tmp_path / "文件" / "a.xlsx")
    assert check_output_dir(tmp_path / "ok.xlsx") == tmp_path / "ok.xlsx"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folder_is_refused_before_writing(tmp_path: Path) -> None:
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(XltoolError, match="没有权限"):
            check_output_dir(folder / "a.xlsx")
    finally:
        folder.chmod(0o700)


def test_backup_sits_beside_the_file_with_a_timestamp_and_same_content(tmp_path: Path) -> None:
    original = tmp_path / "绩效目标表.xlsx"
    original.write_bytes(b"workbook bytes")
    os.utime(original, (1_600_000_000, 1_600_000_000))
    copy = backup_file(original)
    assert copy.parent == tmp_path and copy.suffix == ".xlsx"
    stamp = copy.name.removeprefix("绩效目标表.bak-").removesuffix(".xlsx")
    dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S")  # raises if the name is not 名称.bak-YYYYmmdd-HHMMSS.xlsx
    assert copy.read_bytes() == b"workbook bytes"
    assert copy.stat().st_mtime == pytest.approx(1_600_000_000)
    assert original.read_bytes() == b"workbook bytes"


def test_backups_in_the_same_second_do_not_overwrite_each_other(tmp_path: Path) -> None:
    original = tmp_path / "a.xlsx"
    original.write_bytes(b"1")
    when = dt.datetime(2025, 3, 1, 9, 30, 0)
    first = backup_name(original, when)
    first.write_bytes(b"earlier backup")
    second = backup_name(original, when)
    assert first.name == "a.bak-20250301-093000.xlsx" and second.name == "a.bak-20250301-093000-2.xlsx"


def test_backup_of_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(XltoolError, match="不存在"):
        backup_file(tmp_path / "nope.xlsx")


def test_output_equal_to_an_input_is_refused_however_it_is_spelt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "表.xlsx"
    source.write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    for spelling in (source, Path("表.xlsx"), tmp_path / "." / "表.xlsx", tmp_path / "sub" / ".." / "表.xlsx"):
        with pytest.raises(XltoolError, match="不能与输入文件相同"):
            ensure_not_input(spelling, [tmp_path / "other.xlsx", source])
    link = tmp_path / "链接.xlsx"
    link.symlink_to(source)
    with pytest.raises(XltoolError):
        ensure_not_input(link, [source])
    hard = tmp_path / "硬链接.xlsx"
    os.link(source, hard)
    with pytest.raises(XltoolError):
        ensure_not_input(hard, [source])
    ensure_not_input(tmp_path / "新.xlsx", [source])  # a different file is fine


@pytest.mark.parametrize("lock_name", ["~$表格一.xlsx", ".~lock.表格一.xlsx#"])
def test_a_workbook_open_in_excel_or_libreoffice_is_reported_as_locked(tmp_path: Path, lock_name: str) -> None:
    book = tmp_path / "表格一.xlsx"
    book.write_bytes(b"x")
    check_not_locked(book)  # no owner file: fine
    (tmp_path / lock_name).write_bytes(b"owner")
    with pytest.raises(XltoolError) as err:
        check_not_locked(book)
    assert err.value.message.startswith(LOCKED_MESSAGE) and err.value.exit_code == 2
