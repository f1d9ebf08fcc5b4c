"""Tests for xltool.addin.vba: MS-OVBA compression/encryption, the CFB writer, the project streams.

Independent checks are used wherever possible: the spec's own example vectors,
olevba's decompressor and project parser, olefile's compound file reader, and
streams written by real Excel (from the xlwings add-ins installed with xlwings).
"""

from __future__ import annotations

import importlib.util
import io
import random
import struct
import zipfile
from pathlib import Path

import olefile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from xltool.addin import cfb, ovba, vba

# [MS-OVBA] 3.2.1 - 3.2.3: (decompressed text, compressed hex)
SPEC_VECTORS = [
    (
        b"abcdefghijklmnopqrstuv.",
        "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E",
    ),
    (
        b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
        "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F"
        " 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C",
    ),
    (b"a" * 73, "01 03 B0 02 61 45 00"),
]


def _xlwings_dir() -> Path | None:
    spec = importlib.util.find_spec("xlwings")
    return Path(spec.origin).parent if spec and spec.origin else None


def _excel_vba_project() -> bytes:
    """vbaProject.bin of an add-in saved by Excel (shipped with xlwings)."""
    base = _xlwings_dir()
    path = base / "quickstart_addin_ribbon.xlam" if base else None
    if path is None or not path.is_file():
        pytest.skip("xlwings' quickstart_addin_ribbon.xlam is not installed")
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/vbaProject.bin")


def _roundtrip(data: bytes) -> None:
    """decompress(compress(x)) == x, checked with our decompressor and olevba's."""
    container = ovba.compress(data)
    out = ovba.decompress(container)
    if ovba.has_raw_chunk(container):
        # A raw chunk is always 4096 bytes (2.4.1.3.10), so only a trailing raw
        # chunk can add (zero) padding.
        assert out[: len(data)] == data
        assert out[len(data) :] == bytes(len(out) - len(data))
    else:
        assert out == data
        assert bytes(decompress_stream(bytearray(container))) == data


# --------------------------------------------------------------------------- compression


@pytest.mark.parametrize(("text", "compressed"), SPEC_VECTORS)
def test_spec_examples_compress_exactly(text: bytes, compressed: str) -> None:
    assert ovba.compress(text) == bytes.fromhex(compressed)


@pytest.mark.parametrize(("text", "compressed"), SPEC_VECTORS)
def test_spec_examples_decompress_exactly(text: bytes, compressed: str) -> None:
    assert ovba.decompress(bytes.fromhex(compressed)) == text


def test_empty_input() -> None:
    assert ovba.compress(b"") == b"\x01"
    assert ovba.decompress(b"\x01") == b""


@pytest.mark.parametrize(
    ("difference", "bit_count", "maximum_length"),
    [(1, 4, 4098), (16, 4, 4098), (17, 5, 2050), (32, 5, 2050), (33, 6, 1026), (2048, 11, 34), (2049, 12, 18),
     (4096, 12, 18)],
)
def test_copy_token_help(difference: int, bit_count: int, maximum_length: int) -> None:
    assert ovba._copy_token_help(difference)[0] == bit_count
    assert ovba._copy_token_help(difference)[2] == maximum_length
    assert ovba._copy_token_help(difference)[1] == 0xFFFF >> bit_count


# Where the offset bit count changes (difference 2**n -> 2**n + 1), plus chunk edges.
_BOUNDARIES = sorted({p + d for p in (16, 32, 64, 128, 256, 512, 1024, 2048) for d in (-1, 0, 1)} | {4095, 4096, 4097})


@pytest.mark.parametrize("prefix_length", _BOUNDARIES)
def test_long_runs_starting_where_bit_count_changes(prefix_length: int) -> None:
    rng = random.Random(prefix_length)
    prefix = bytes(rng.randrange(256) for _ in range(prefix_length))
    # A long run right at the boundary makes copy tokens of MaximumLength for
    # that bit count; a second, phrase-level repeat follows in the next chunk.
    data = prefix + b"a" * 5000 + prefix[:700] + b"Sub X()\r\nEnd Sub\r\n" * 40
    _roundtrip(data)


def test_long_copy_lengths_are_split_by_maximum_length() -> None:
    # 600+ bytes: a single copy of every length up to the limit must be encoded right.
    for n in range(3, 1200, 37):
        _roundtrip(b"x" + b"ab" * n + b"yz" * n)


def test_real_module_roundtrips_through_olevba() -> None:
    base = _xlwings_dir()
    if base is None:
        pytest.skip("xlwings not installed")
    source = (base / "xlwings_custom_addin.bas").read_bytes()
    assert len(source) > 40_000
    _roundtrip(source)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=9000))
def test_roundtrip_random_bytes(data: bytes) -> None:
    _roundtrip(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.binary(min_size=1, max_size=6), st.integers(1, 700)), max_size=30))
def test_roundtrip_repetitive_bytes(pieces: list[tuple[bytes, int]]) -> None:
    _roundtrip(b"".join(piece * count for piece, count in pieces))


_WORDS = ["Sub ", "End Sub", "Dim ", " As String", "RunPython ", '"', "\r\n", "    ", "If ", "Then", "x", "y",
          "'", "#If Mac Then", "ThisWorkbook", "(", ")", " = ", "1", "&H"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS), max_size=3000))
def test_roundtrip_source_like_text(words: list[str]) -> None:
    data = "".join(words).encode("ascii")
    container = ovba.compress(data)
    assert not ovba.has_raw_chunk(container)  # text like VBA always compresses
    assert ovba.decompress(container) == data
    assert bytes(decompress_stream(bytearray(container))) == data


@settings(max_examples=20, deadline=None)  # each example is 1–3 chunks of pure-Python (de)compression
@given(st.integers(0, 2**32), st.integers(4097, 12000), st.sampled_from(["ab", "ab\r\n", "abcd", "aaab"]))
def test_roundtrip_low_entropy_text_over_several_chunks(seed: int, length: int, alphabet: str) -> None:
    rng = random.Random(seed)
    data = "".join(rng.choice(alphabet) for _ in range(length)).encode("ascii")
    container = ovba.compress(data)
    assert not ovba.has_raw_chunk(container)
    _roundtrip(data)


def _spec_compress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1.3.6-2.4.1.3.10 transcribed literally (exhaustive Matching)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        end = min(start + 4096, len(data))
        chunk = bytearray(b"\x00\x00")
        cur = start
        while cur < end and len(chunk) < 4098:
            flag_at = len(chunk)
            chunk.append(0)
            for bit in range(8):
                if not (cur < end and len(chunk) < 4098):
                    continue
                best_len, best_cand = 0, 0
                for cand in range(cur - 1, start - 1, -1):  # Matching, 2.4.1.3.19.4
                    c, d, n = cand, cur, 0
                    while d < end and data[d] == data[c]:
                        n, c, d = n + 1, c + 1, d + 1
                    if n > best_len:
                        best_len, best_cand = n, cand
                if best_len >= 3:
                    bits = max((cur - start - 1).bit_length(), 4)
                    length = min(best_len, (0xFFFF >> bits) + 3)
                    if len(chunk) + 1 < 4098:
                        chunk += struct.pack("<H", ((cur - best_cand - 1) << (16 - bits)) | (length - 3))
                        chunk[flag_at] |= 1 << bit
                        cur += length
                    else:
                        chunk.extend(bytes(4098 - len(chunk)))
                else:
                    chunk.append(data[cur])
                    cur += 1
        if cur < end:
            out += struct.pack("<H", 0x3FFF) + data[start : start + 4096].ljust(4096, b"\x00")
        else:
            out += struct.pack("<H", 0xB000 | (len(chunk) - 3)) + chunk[2:]
    return bytes(out)


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.binary(max_size=500),
    st.lists(st.tuples(st.binary(min_size=1, max_size=4), st.integers(1, 60)), max_size=15).map(
        lambda pieces: b"".join(p * n for p, n in pieces)
    ),
))
def test_tokens_equal_the_spec_exhaustive_search(data: bytes) -> None:
    assert ovba.compress(data) == _spec_compress(data)


def test_raw_chunk_for_incompressible_data() -> None:
    data = random.Random(7).randbytes(4096 * 2)
    container = ovba.compress(data)
    assert ovba.has_raw_chunk(container)
    assert ovba.decompress(container) == data  # full raw chunks are exact
    assert bytes(decompress_stream(bytearray(container))) == data


def test_decompresses_excel_written_streams_like_olevba() -> None:
    ole = olefile.OleFileIO(_excel_vba_project())
    dir_container = ole.openstream("VBA/dir").read()
    dir_data = ovba.decompress(dir_container)
    assert dir_data == bytes(decompress_stream(bytearray(dir_container)))
    records = _dir_records(dir_data)
    streams = [payload.decode("cp1252") for rid, payload in records if rid == 0x001A]
    offsets = [struct.unpack("<I", payload)[0] for rid, payload in records if rid == 0x0031]
    assert len(streams) == len(offsets) >= 5
    for name, offset in zip(streams, offsets):
        container = ole.openstream(f"VBA/{name}").read()[offset:]
        ours = ovba.decompress(container)
        assert ours == bytes(decompress_stream(bytearray(container)))
        assert ours.startswith(f'Attribute VB_Name = "{name}"'.encode())


@pytest.mark.parametrize(
    "bad",
    [b"", b"\x02\x00\x00", b"\x01\x00\x00", b"\x01\x02\xb0\x01\x00\x00"],
    ids=["empty", "bad-signature", "bad-chunk-signature", "copy-before-start"],
)
def test_decompress_rejects_malformed_input(bad: bytes) -> None:
    with pytest.raises(ValueError):
        ovba.decompress(bad)


# --------------------------------------------------------------------------- encryption


@pytest.mark.parametrize(
    ("hex_text", "plain"),
    [
        ("5D5F8AADDAA8DEA8DEA8DEA8DE", bytes(4)),  # CMG written by Excel: not protected
        ("5D5F8AADDAADDBADDBAD", b"\x00"),  # DPB: no password
        ("5D5F8AADDAADDBADDB52", b"\xff"),  # GC: visible
    ],
)
def test_decrypts_excel_written_values(hex_text: str, plain: bytes) -> None:
    assert ovba.decrypt_data(hex_text) == plain


def test_encryption_reproduces_excel_output() -> None:
    # Same project ID, seed and (free-choice) ignored bytes as that Excel file.
    project_id = "{318BEE36-5BE1-492A-826D-473DB19B0F30}"
    assert ovba.encrypt_data(project_id, bytes(4), 0x5D, bytes.fromhex("9BFF")) == "5D5F8AADDAA8DEA8DEA8DEA8DE"


@given(st.binary(max_size=64), st.integers(0, 255), st.uuids())
def test_encryption_roundtrip(data: bytes, seed: int, guid: object) -> None:
    project_id = "{" + str(guid).upper() + "}"
    assert ovba.decrypt_data(ovba.encrypt_data(project_id, data, seed)) == data


# --------------------------------------------------------------------------- compound file


def _olefile(data: bytes) -> olefile.OleFileIO:
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)


def test_compound_file_streams_read_back_with_olefile() -> None:
    rng = random.Random(3)
    streams = {
        "PROJECT": b"ID=...\r\n",
        "PROJECTwm": b"",
        "VBA/dir": rng.randbytes(1077),
        "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x01\x00",
        "VBA/big": rng.randbytes(200_000),  # several FAT sectors
        "VBA/exactly_cutoff": rng.randbytes(4096),  # first size outside the mini stream
        "VBA/just_below": rng.randbytes(4095),
        "VBA/Sub/deeper": b"nested",
        **{f"VBA/Module{i}": rng.randbytes(rng.randrange(1, 3000)) for i in range(20)},
    }
    ole = _olefile(cfb.write_compound_file(streams))
    found = {"/".join(entry) for entry in ole.listdir()}
    assert found == set(streams)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data
        assert ole.get_size(path) == len(data)
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE


def test_compound_file_sibling_trees_are_ordered_binary_search_trees() -> None:
    names = [f"M{'x' * (i % 7)}{i}" for i in range(40)]
    ole = _olefile(cfb.write_compound_file({f"VBA/{n}": b"x" for n in names}))

    def in_order(sid: int) -> list[str]:
        if sid == olefile.NOSTREAM:
            return []
        entry = ole.direntries[sid]
        assert entry.color == 1  # black
        return in_order(entry.sid_left) + [entry.name] + in_order(entry.sid_right)

    storage = ole.direntries[ole.root.sid_child]
    assert storage.name == "VBA"
    ordered = in_order(storage.sid_child)
    assert ordered == sorted(names, key=cfb._cfb_order)


def test_compound_file_rejects_bad_names() -> None:
    with pytest.raises(ValueError):
        cfb.write_compound_file({"x" * 32: b""})
    with pytest.raises(ValueError):
        cfb.write_compound_file({"a": b"", "a/b": b""})


# --------------------------------------------------------------------------- modules


CLS_EXPORT = (
    "VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  'True\r\nEND\r\n"
    'Attribute VB_Name = "Counter"\r\n'
    "Attribute VB_GlobalNameSpace = False\r\n"
    "Attribute VB_Creatable = False\r\n"
    "Attribute VB_PredeclaredId = True\r\n"
    "Attribute VB_Exposed = True\r\n"
    'Attribute VB_Description = "Counts things"\r\n'
    "Private n As Long\r\n"
    "Public Sub Add()\r\n    n = n + 1\r\nEnd Sub\r\n"
)


def test_class_module_is_stored_like_excel_stores_it() -> None:
    module = vba.class_module(CLS_EXPORT)
    assert module.name == "Counter"
    assert module.kind is vba.ModuleKind.CLASS
    assert module.doc_string == "Counts things"
    assert module.source.split("\r\n")[:10] == [
        'Attribute VB_Name = "Counter"',
        f'Attribute VB_Base = "{vba.CLASS_BASE}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",  # kept from the export
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = False",
        'Attribute VB_Description = "Counts things"',
        "Private n As Long",
    ]
    assert "VERSION" not in module.source and "MultiUse" not in module.source


def test_class_module_matches_excel_for_the_xlwings_dictionary() -> None:
    """Our stored form of Dictionary.cls equals the one Excel saved in xlwings' add-in."""
    base = _xlwings_dir()
    cls = base / "addin" / "Dictionary.cls" if base else None
    if cls is None or not cls.is_file():
        pytest.skip("xlwings' Dictionary.cls is not installed")
    ours = vba.class_module(cls.read_text()).source
    parser = VBA_Parser("quickstart.xlam", data=_excel_vba_project())
    excel = {name: code for _, _, name, code in parser.extract_macros()}["Dictionary.cls"]
    ours_header = [line for line in ours.split("\r\n") if line.startswith("Attribute VB_")][:9]
    excel_header = [line for line in excel.split("\r\n") if line.startswith("Attribute VB_")][:9]
    assert ours_header == excel_header


def test_standard_module_name_handling() -> None:
    module = vba.standard_module('Attribute VB_Name = "Tools"\nSub A()\nEnd Sub')
    assert module.name == "Tools"
    assert module.source == 'Attribute VB_Name = "Tools"\r\nSub A()\r\nEnd Sub\r\n'
    added = vba.standard_module("Sub A()\r\nEnd Sub\r\n", name="Helper")
    assert added.source.startswith('Attribute VB_Name = "Helper"\r\n')
    with pytest.raises(ValueError):
        vba.standard_module("Sub A()\r\nEnd Sub\r\n")
    with pytest.raises(ValueError):
        vba.standard_module('Attribute VB_Name = "Tools"\r\n', name="Other")
    with pytest.raises(ValueError):
        vba.standard_module('Attribute VB_Name = "bad name"\r\n')


def test_load_module_dispatches_on_suffix(tmp_path: Path) -> None:
    (tmp_path / "Counter.cls").write_text(CLS_EXPORT)
    (tmp_path / "Tools.bas").write_text('Attribute VB_Name = "Tools"\n')
    (tmp_path / "Form.frm").write_text("")
    assert vba.load_module(tmp_path / "Counter.cls").kind is vba.ModuleKind.CLASS
    assert vba.load_module(tmp_path / "Tools.bas").kind is vba.ModuleKind.STANDARD
    with pytest.raises(ValueError):
        vba.load_module(tmp_path / "Form.frm")


# --------------------------------------------------------------------------- project


def _modules() -> list[vba.VbaModule]:
    long_body = "".join(f"Sub Proc{i}()\r\n    Debug.Print {i}\r\nEnd Sub\r\n" for i in range(400))
    return [
        vba.document_module("ThisWorkbook", vba.WORKBOOK_BASE),
        vba.document_module("Sheet1", vba.WORKSHEET_BASE),
        vba.standard_module('Attribute VB_Name = "Tools"\r\n' + long_body),
        vba.class_module(CLS_EXPORT),
    ]


def _dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """(Id, payload) of every dir stream record; PROJECTVERSION's odd Size handled."""
    records = []
    pos = 0
    while pos < len(data):
        record_id, size = struct.unpack_from("<HI", data, pos)
        if record_id == 0x0009:
            size = 6
        records.append((record_id, data[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    return records


def test_project_streams() -> None:
    project = vba.build_vba_project(_modules(), "Demo")
    ole = _olefile(project)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")

    text = ole.openstream("PROJECT").read().decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0].startswith('ID="{') and text.endswith("\r\n")
    assert lines[1:5] == ["Document=ThisWorkbook/&H00000000", "Document=Sheet1/&H00000000", "Module=Tools", "Class=Counter"]
    assert 'Name="Demo"' in lines
    values = {line.split("=", 1)[0]: line.split("=", 1)[1].strip('"') for line in lines if line[:3] in ("CMG", "DPB", "GC=")}
    assert ovba.decrypt_data(values["CMG"]) == bytes(4)
    assert ovba.decrypt_data(values["DPB"]) == b"\x00"
    assert ovba.decrypt_data(values["GC"]) == b"\xff"

    wm = ole.openstream("PROJECTwm").read()
    assert wm.startswith(b"ThisWorkbook\x00" + "ThisWorkbook".encode("utf-16-le") + b"\x00\x00")
    assert wm.endswith("Counter".encode("utf-16-le") + b"\x00\x00\x00\x00")

    records = _dir_records(ovba.decompress(ole.openstream("VBA/dir").read()))
    ids = [record_id for record_id, _ in records]
    assert ids[:4] == [0x0001, 0x0002, 0x0014, 0x0003]
    assert dict(records)[0x0003] == struct.pack("<H", 1252)
    assert dict(records)[0x0004] == b"Demo"
    assert [payload for rid, payload in records if rid == 0x0016] == [b"stdole", b"Office"]
    assert dict(records)[0x000F] == struct.pack("<H", 4)
    names = [payload.decode() for rid, payload in records if rid == 0x0019]
    types = [rid for rid, _ in records if rid in (0x0021, 0x0022)]
    assert names == ["ThisWorkbook", "Sheet1", "Tools", "Counter"]
    assert types == [0x0022, 0x0022, 0x0021, 0x0022]
    assert all(payload == bytes(4) for rid, payload in records if rid == 0x0031)  # MODULEOFFSET 0
    assert ids[-1] == 0x0010
    assert [payload for rid, payload in records if rid == 0x001C][-1] == b"Counts things"


def test_olevba_reads_every_module_back() -> None:
    modules = _modules()
    parser = VBA_Parser("vbaProject.bin", data=vba.build_vba_project(modules, "Demo"))
    extracted = {name: code for _, _, name, code in parser.extract_macros()}
    expected = {f"{m.name}.{'bas' if m.kind is vba.ModuleKind.STANDARD else 'cls'}": m.source for m in modules}
    assert extracted == expected
    assert len(expected["Tools.bas"]) > 10_000  # several compressed chunks


def test_build_is_deterministic() -> None:
    assert vba.build_vba_project(_modules(), "Demo") == vba.build_vba_project(_modules(), "Demo")


def test_build_rejects_text_outside_the_code_page_and_duplicates() -> None:
    chinese = vba.standard_module('Attribute VB_Name = "Zh"\r\nMsgBox "校验"\r\n')
    with pytest.raises(ValueError, match="code page"):
        vba.build_vba_project([chinese])
    assert vba.build_vba_project([chinese], codepage=936)  # GBK would hold it
    with pytest.raises(ValueError, match="duplicate"):
        vba.build_vba_project([chinese, chinese], codepage=936)
