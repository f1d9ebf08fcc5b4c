"""File names in GBK bytes (a Windows zip unpacked by unzip) are shown decoded, never crash a stream."""

from __future__ import annotations

import io
import os

from xltool.core.fsnames import legible, legible_streams

GBK = os.fsdecode("民政局".encode("gbk"))  # what os.listdir hands over for those bytes


def test_a_gbk_component_is_decoded_and_utf8_parts_are_kept() -> None:
    assert legible(f"/数据/各单位/{GBK}.xlsx") == "/数据/各单位/民政局.xlsx"
    assert legible(f"文件 {GBK}.xlsx：已损坏") == "文件 民政局.xlsx：已损坏"
    assert legible("普通的名字.xlsx") == "普通的名字.xlsx"


def test_bytes_that_are_neither_utf8_nor_gbk_are_shown_as_escapes() -> None:
    assert legible(os.fsdecode(b"a\xff\xfeb.xlsx")) == "a\\xff\\xfeb.xlsx"


def test_a_stream_prints_escaped_names_decoded_instead_of_raising() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    legible_streams(stream)
    stream.write(f"已跳过 {GBK}.xlsx\n")
    stream.flush()
    assert raw.getvalue().decode("utf-8") == "已跳过 民政局.xlsx\n"
    gbk_console = io.TextIOWrapper(io.BytesIO(), encoding="gbk")
    legible_streams(gbk_console)
    gbk_console.write(GBK)
    gbk_console.flush()
    assert gbk_console.buffer.getvalue() == "民政局".encode("gbk")  # type: ignore[attr-defined]
