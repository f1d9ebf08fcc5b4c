"""Write a VBA project (``vbaProject.bin``) from VBA module source text.

Why this exists: an Excel add-in is only reproducible from version control if its
VBA can be built from plain ``.bas``/``.cls`` files. Excel itself is not available
on the build machines, and no library on PyPI writes this format correctly, so the
pieces are implemented here directly from the published specifications:

* [MS-OVBA] (Office VBA File Format Structure): the ``dir``, ``PROJECT``,
  ``PROJECTwm``, ``_VBA_PROJECT`` and module streams, the compression used by
  ``dir`` and module streams (section 2.4.1) and the data "encryption" of the
  ``CMG``/``DPB``/``GC`` project properties (section 2.4.3).
* [MS-CFB] (Compound File Binary Format): the OLE container holding those streams.
  ``olefile`` can only read it, so a small writer lives here too.

The project is written in the *version-independent* form: ``_VBA_PROJECT`` has
Version 0xFFFF and no performance cache, and every module stream holds only
compressed source (MODULEOFFSET 0, no p-code). [MS-OVBA] section 1.6 says this is
the interoperable form: Office ignores caches and compiles from source on load.
"""

from __future__ import annotations

import enum
import hashlib
import re
import struct
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ModuleKind",
    "VbaModule",
    "build_vba_project",
    "class_module",
    "compress",
    "decompress",
    "decrypt_data",
    "document_module",
    "encrypt_data",
    "load_module",
    "standard_module",
    "write_compound_file",
]

# ---------------------------------------------------------------------------
# [MS-OVBA] 2.4.1 Compression and decompression
# ---------------------------------------------------------------------------

_CHUNK = 4096  # bytes of decompressed data per chunk (2.4.1.1.3)
_CONTAINER_SIGNATURE = 0x01  # CompressedContainer.SignatureByte (2.4.1.1.1)
_CHUNK_SIGNATURE = 0b011  # CompressedChunkHeader.CompressedChunkSignature (2.4.1.1.5)


def _copy_token_help(difference: int) -> tuple[int, int, int]:
    """CopyTokenHelp (2.4.1.3.19.1) for ``difference`` = position inside the chunk.

    Returns (bit_count, length_mask, maximum_length). ``bit_count`` is the number of
    offset bits: max(ceil(log2(difference)), 4).
    """
    bit_count = max((difference - 1).bit_length(), 4)  # ceil(log2(difference)), at least 4
    length_mask = 0xFFFF >> bit_count
    maximum_length = length_mask + 3
    return bit_count, length_mask, maximum_length


def _match_length(buf: bytes, candidate: int, current: int, limit: int) -> int:
    """Length of the common run starting at ``candidate`` and ``current``, at most ``limit``.

    Comparing the input with itself gives the same answer as the spec's byte loop
    even when the copy overlaps the bytes it produces (2.4.1.3.19.4).
    """
    n = 0
    while n + 32 <= limit and buf[candidate + n : candidate + n + 32] == buf[current + n : current + n + 32]:
        n += 32
    while n < limit and buf[candidate + n] == buf[current + n]:
        n += 1
    return n


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """Compressing a DecompressedChunk (2.4.1.3.7) for ``data[start:end]``, header included.

    Matching (2.4.1.3.19.4) is the spec's: longest match wins, the nearest one on
    ties (candidates are scanned from nearest to farthest and only a strictly longer
    match replaces the best). A hash chain over 3-byte prefixes only skips
    candidates that cannot reach the minimum copy length of 3, so the tokens are
    exactly those of the spec's exhaustive search, just found faster.
    """
    out = bytearray(b"\x00\x00")  # header placeholder
    compressed_end = 4098  # CompressedEnd relative to the chunk start
    current = start
    chains: dict[bytes, list[int]] = {}
    indexed = start  # every position < indexed is in `chains`

    def index_up_to(position: int) -> None:
        nonlocal indexed
        while indexed < position:
            if indexed + 3 <= end:
                chains.setdefault(data[indexed : indexed + 3], []).append(indexed)
            indexed += 1

    while current < end and len(out) < compressed_end:
        # Compressing a TokenSequence (2.4.1.3.8)
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if not (current < end and len(out) < compressed_end):
                break
            # Compressing a Token (2.4.1.3.9) with Matching (2.4.1.3.19.4)
            index_up_to(current)
            best_length = 0
            best_candidate = -1
            limit = end - current
            if limit >= 3:
                for candidate in reversed(chains.get(data[current : current + 3], ())):
                    # Only a strictly longer match replaces the best, so a candidate
                    # that differs at index best_length cannot win.
                    if best_length and data[candidate + best_length] != data[current + best_length]:
                        continue
                    length = _match_length(data, candidate, current, limit)
                    if length > best_length:
                        best_length, best_candidate = length, candidate
                        if length >= limit:
                            break
            if best_length >= 3:
                bit_count, _, maximum_length = _copy_token_help(current - start)
                length = min(best_length, maximum_length)
                offset = current - best_candidate
                if len(out) + 1 < compressed_end:
                    # Pack CopyToken (2.4.1.3.19.3)
                    token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                    out += struct.pack("<H", token)
                    flags |= 1 << bit
                    current += length
                else:
                    out.extend(b"\x00" * (compressed_end - len(out)))  # forces a raw chunk
            else:  # literal; the loop condition guarantees room for one byte
                out.append(data[current])
                current += 1
        out[flag_index] = flags

    if current < end:
        # Compressing a RawChunk (2.4.1.3.10): 4096 bytes, zero-padded, flag 0.
        raw = data[start : start + _CHUNK].ljust(_CHUNK, b"\x00")
        header = (_CHUNK + 2 - 3) | (_CHUNK_SIGNATURE << 12)
        return struct.pack("<H", header) + raw
    size = len(out)
    header = ((size - 3) & 0x0FFF) | (_CHUNK_SIGNATURE << 12) | 0x8000
    out[0:2] = struct.pack("<H", header)
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer ([MS-OVBA] 2.4.1.3.6).

    A chunk that does not shrink is stored raw, zero-padded to 4096 bytes as the
    spec prescribes; only a trailing chunk can then gain padding on decompression.
    Text (VBA source) always compresses, and :func:`build_vba_project` refuses
    anything that would produce a raw chunk.
    """
    data = bytes(data)
    out = bytearray([_CONTAINER_SIGNATURE])
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data, start, min(start + _CHUNK, len(data)))
    return bytes(out)


def _has_raw_chunk(container: bytes) -> bool:
    """Whether any chunk of a CompressedContainer is stored uncompressed."""
    pos = 1
    while pos + 2 <= len(container):
        header = struct.unpack_from("<H", container, pos)[0]
        if not header & 0x8000:
            return True
        pos += (header & 0x0FFF) + 3
    return False


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer ([MS-OVBA] 2.4.1.3.1); ``ValueError`` if malformed."""
    if not data or data[0] != _CONTAINER_SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(data):
        # Decompressing a CompressedChunk (2.4.1.3.2)
        if pos + 2 > len(data):
            raise ValueError(f"truncated chunk header at byte {pos}")
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != _CHUNK_SIGNATURE:
            raise ValueError(f"bad chunk signature at byte {pos}")
        chunk_end = min(pos + size, len(data))
        current = pos + 2
        if not header & 0x8000:
            # Decompressing a RawChunk (2.4.1.3.3): always 4096 bytes.
            if pos + 2 + _CHUNK > len(data):
                raise ValueError(f"truncated raw chunk at byte {pos}")
            out += data[current : current + _CHUNK]
            pos += 2 + _CHUNK
            continue
        chunk_start = len(out)
        while current < chunk_end:
            # Decompressing a TokenSequence (2.4.1.3.4)
            flags = data[current]
            current += 1
            for bit in range(8):
                if current >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[current])
                    current += 1
                    continue
                # Decompressing a Token (2.4.1.3.5) / Unpack CopyToken (2.4.1.3.19.2)
                if current + 2 > chunk_end:
                    raise ValueError(f"truncated copy token at byte {current}")
                token = struct.unpack_from("<H", data, current)[0]
                current += 2
                bit_count, length_mask, _ = _copy_token_help(len(out) - chunk_start)
                length = (token & length_mask) + 3
                offset = (token >> (16 - bit_count)) + 1
                source = len(out) - offset
                if source < chunk_start:
                    raise ValueError(f"copy token points before the chunk at byte {current - 2}")
                for i in range(length):  # byte by byte: copies may overlap their output
                    out.append(out[source + i])
        pos = chunk_end
    return bytes(out)


# ---------------------------------------------------------------------------
# [MS-OVBA] 2.4.3 Data encryption (obfuscation of CMG / DPB / GC)
# ---------------------------------------------------------------------------


def encrypt_data(project_id: str, data: bytes, seed: int, ignored: bytes | None = None) -> str:
    """Encrypt ``data`` as in [MS-OVBA] 2.4.3.2 and return the hex text used in PROJECT.

    ``project_id`` is the ``ID="{...}"`` GUID text including braces; ``seed`` is the
    one-byte Seed; ``ignored`` supplies the (seed & 6) / 2 filler bytes, which the
    spec lets be any value (a fixed default keeps builds reproducible).
    """
    if not 0 <= seed <= 0xFF:
        raise ValueError("seed must be one byte")
    version = 2
    proj_key = sum(project_id.encode("ascii")) & 0xFF
    version_enc = seed ^ version
    proj_key_enc = seed ^ proj_key
    out = bytearray([seed, version_enc, proj_key_enc])
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, proj_key_enc, version_enc
    ignored_length = (seed & 6) // 2
    filler = bytes([0x07] * ignored_length) if ignored is None else bytes(ignored[:ignored_length])
    if len(filler) != ignored_length:
        raise ValueError(f"seed 0x{seed:02X} needs {ignored_length} ignored bytes")
    plain = bytes(filler) + struct.pack("<I", len(data)) + bytes(data)
    for byte in plain:
        byte_enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(byte_enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    return out.hex().upper()


def decrypt_data(hex_text: str) -> bytes:
    """Decrypt a ``CMG``/``DPB``/``GC`` value ([MS-OVBA] 2.4.3.3); ``ValueError`` if malformed."""
    raw = bytes.fromhex(hex_text)
    if len(raw) < 7:
        raise ValueError("encrypted data too short")
    seed, version_enc, proj_key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise ValueError("unsupported encryption version")
    proj_key = seed ^ proj_key_enc
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, proj_key_enc, version_enc
    plain = bytearray()
    for byte_enc in raw[3:]:
        byte = byte_enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    ignored_length = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, ignored_length)[0]
    data = bytes(plain[ignored_length + 4 :])
    if len(data) != length:
        raise ValueError("encrypted data length mismatch")
    return data


# ---------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------


class ModuleKind(enum.Enum):
    """The three module kinds a VBA project stores differently."""

    STANDARD = "standard"  # MODULETYPE 0x0021, PROJECT "Module="
    CLASS = "class"  # MODULETYPE 0x0022, PROJECT "Class="
    DOCUMENT = "document"  # MODULETYPE 0x0022, PROJECT "Document=<name>/&H00000000"


@dataclass(frozen=True)
class VbaModule:
    """One module exactly as it is stored in its module stream (CRLF line ends)."""

    name: str
    kind: ModuleKind
    source: str
    doc_string: str = ""


# VB_Base values Excel stores in its modules: a class module, the Workbook and the
# Worksheet document modules (observed in Excel-saved projects; [MS-OVBA] leaves the
# module text to [MS-VBAL] 4.2, which treats the header as implementation-defined).
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"

_ATTRIBUTE = re.compile(r'^Attribute\s+(VB_\w+)\s*=\s*(.*?)\s*$')
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")


def _crlf(text: str) -> str:
    """Normalise line ends to CRLF, which is how VBA stores source."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"invalid VBA module name: {name!r}")
    return name


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value


def standard_module(text: str, name: str | None = None) -> VbaModule:
    """A standard module from ``.bas`` text; its ``Attribute VB_Name`` line names it.

    A ``.bas`` export is stored verbatim (apart from line ends), so the text is kept
    as is; a missing ``VB_Name`` line is added from ``name``.
    """
    source = _crlf(text.lstrip("\ufeff"))
    first = source.split("\r\n", 1)[0]
    match = _ATTRIBUTE.match(first)
    if match and match.group(1) == "VB_Name":
        found = _unquote(match.group(2))
        if name is not None and name != found:
            raise ValueError(f"module name {name!r} does not match VB_Name {found!r}")
        name = found
    elif name is not None:
        source = f'Attribute VB_Name = "{name}"\r\n' + source
    else:
        raise ValueError("standard module has no 'Attribute VB_Name' line and no name was given")
    return VbaModule(_check_name(name), ModuleKind.STANDARD, source)


def class_module(text: str) -> VbaModule:
    """A class module from ``.cls`` export text, converted to its stored form.

    The export starts with ``VERSION 1.0 CLASS`` and a ``BEGIN ... END`` block that is
    not part of the module ([MS-VBAL] 4.2); VBA keeps that information as attributes.
    Excel stores a class's attribute header as VB_Name, VB_Base, VB_GlobalNameSpace,
    VB_Creatable, VB_PredeclaredId, VB_Exposed, VB_TemplateDerived, VB_Customizable
    and then any other module attributes (e.g. VB_Description); the header is
    rebuilt in that order, keeping every value the export gives.
    """
    lines = _crlf(text.lstrip("\ufeff")).split("\r\n")[:-1]
    i = 0
    if i < len(lines) and lines[i].upper().startswith("VERSION "):
        i += 1
    if i < len(lines) and lines[i].strip().upper() == "BEGIN":
        while i < len(lines) and lines[i].strip().upper() != "END":
            i += 1
        i += 1  # skip END
    attributes: dict[str, str] = {}
    while i < len(lines) and (match := _ATTRIBUTE.match(lines[i])):
        attributes[match.group(1)] = match.group(2)
        i += 1
    if "VB_Name" not in attributes:
        raise ValueError("class module has no 'Attribute VB_Name' line")
    name = _check_name(_unquote(attributes["VB_Name"]))
    defaults = {
        "VB_Name": f'"{name}"',
        "VB_Base": f'"{CLASS_BASE}"',
        "VB_GlobalNameSpace": "False",
        "VB_Creatable": "False",
        "VB_PredeclaredId": "False",
        "VB_Exposed": "False",
        "VB_TemplateDerived": "False",
        "VB_Customizable": "False",
    }
    header = [f"Attribute {key} = {attributes.pop(key, value)}" for key, value in defaults.items()]
    header += [f"Attribute {key} = {value}" for key, value in attributes.items()]
    doc_string = _unquote(attributes.get("VB_Description", ""))
    source = "\r\n".join(header + lines[i:]) + "\r\n"
    return VbaModule(name, ModuleKind.CLASS, source, doc_string)


def document_module(name: str, base: str, code: str = "") -> VbaModule:
    """A document module (ThisWorkbook, Sheet1, ...) as Excel stores an empty one."""
    header = (
        f'Attribute VB_Name = "{_check_name(name)}"\r\n'
        f'Attribute VB_Base = "{base}"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\n"
        "Attribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = True\r\n"
        "Attribute VB_Exposed = True\r\n"
        "Attribute VB_TemplateDerived = False\r\n"
        "Attribute VB_Customizable = True\r\n"
    )
    return VbaModule(name, ModuleKind.DOCUMENT, header + (_crlf(code) if code else ""))


def load_module(path: Path) -> VbaModule:
    """Read a ``.bas`` (standard) or ``.cls`` (class) export from disk."""
    text = path.read_bytes().decode("utf-8")
    suffix = path.suffix.lower()
    if suffix == ".bas":
        return standard_module(text)
    if suffix == ".cls":
        return class_module(text)
    raise ValueError(f"unsupported VBA module file type: {path.name}")


# ---------------------------------------------------------------------------
# [MS-CFB] compound file writer
# ---------------------------------------------------------------------------

_SECTOR = 512  # version 3 files use 512-byte sectors (MS-CFB 2.2)
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096  # streams smaller than this live in the mini stream (2.2)
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root (MS-CFB 2.6.1 Object Type)
    data: bytes = b""
    children: dict[str, "_Entry"] | None = None
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _ENDOFCHAIN
    size: int = 0


def _cfb_order(name: str) -> tuple[int, str]:
    """Sibling order (MS-CFB 2.6.4): shorter names first, then upper-cased comparison."""
    return (len(name.encode("utf-16-le")), name.upper())


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """A version 3 compound file holding ``streams`` (paths like ``"VBA/dir"``).

    Storages are created from the path prefixes. Each storage's children form a
    balanced binary search tree with every node black, which MS-CFB 2.6.4 allows
    (it is the simplest valid red-black tree). Streams under 4096 bytes go into the
    mini stream (MS-CFB 2.6.3), larger ones into regular sectors.
    """
    root = _Entry("Root Entry", 5, children={})
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            assert node.children is not None
            existing = node.children.get(part)
            if existing is None:
                existing = node.children[part] = _Entry(part, 1, children={})
            elif existing.kind != 1:
                raise ValueError(f"{part!r} is both a stream and a storage")
            node = existing
        assert node.children is not None
        if parts[-1] in node.children:
            raise ValueError(f"duplicate stream {path!r}")
        node.children[parts[-1]] = _Entry(parts[-1], 2, data=bytes(data))

    # Flatten into directory order (root first) and link the sibling trees.
    entries: list[_Entry] = [root]

    def place(storage: _Entry) -> None:
        assert storage.children is not None
        kids = sorted(storage.children.values(), key=lambda e: _cfb_order(e.name))
        for kid in kids:
            if len(kid.name) > 31 or any(c in kid.name for c in "/\\:!"):
                raise ValueError(f"invalid compound file entry name {kid.name!r}")
        first = len(entries)
        entries.extend(kids)
        ids = list(range(first, first + len(kids)))

        def link(lo: int, hi: int) -> int:
            if lo > hi:
                return _NOSTREAM
            mid = (lo + hi) // 2
            entries[ids[mid]].left = link(lo, mid - 1)
            entries[ids[mid]].right = link(mid + 1, hi)
            return ids[mid]

        storage.child = link(0, len(kids) - 1)
        for kid in kids:
            if kid.kind == 1:
                place(kid)

    place(root)

    # Mini stream: small streams, each padded to a 64-byte mini sector.
    mini_stream = bytearray()
    mini_fat: list[int] = []
    big: list[_Entry] = []
    for entry in entries:
        if entry.kind != 2:
            continue
        entry.size = len(entry.data)
        if entry.size == 0:
            entry.start = _ENDOFCHAIN
        elif entry.size < _MINI_CUTOFF:
            count = -(-entry.size // _MINI_SECTOR)
            entry.start = len(mini_fat)
            mini_fat.extend(range(entry.start + 1, entry.start + count))
            mini_fat.append(_ENDOFCHAIN)
            mini_stream += entry.data.ljust(count * _MINI_SECTOR, b"\x00")
        else:
            big.append(entry)

    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // _SECTOR)

    n_ministream = sectors(len(mini_stream))
    n_big = [sectors(e.size) for e in big]
    n_minifat = sectors(len(mini_fat) * 4)
    n_dir = sectors(len(entries) * 128)
    body = n_ministream + sum(n_big) + n_minifat + n_dir
    n_fat = 1
    while body + n_fat > n_fat * (_SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")

    fat: list[int] = []

    def chain(count: int) -> int:
        if count == 0:
            return _ENDOFCHAIN
        first = len(fat)
        fat.extend(range(first + 1, first + count))
        fat.append(_ENDOFCHAIN)
        return first

    root.start = chain(n_ministream)
    root.size = len(mini_stream)
    for entry, count in zip(big, n_big):
        entry.start = chain(count)
    first_minifat = chain(n_minifat)
    first_dir = chain(n_dir)
    fat_sectors = list(range(len(fat), len(fat) + n_fat))
    fat.extend([_FATSECT] * n_fat)
    fat.extend([_FREESECT] * (n_fat * (_SECTOR // 4) - len(fat)))

    header = bytearray()
    header += _CFB_SIGNATURE
    header += bytes(16)  # header CLSID
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
    header += bytes(6)  # reserved
    header += struct.pack("<II", 0, n_fat)  # directory sector count (0 in v3), FAT sectors
    header += struct.pack("<II", first_dir, 0)  # first directory sector, transaction signature
    header += struct.pack("<I", _MINI_CUTOFF)
    header += struct.pack("<II", first_minifat if n_minifat else _ENDOFCHAIN, n_minifat)
    header += struct.pack("<II", _ENDOFCHAIN, 0)  # no DIFAT sectors
    difat = fat_sectors + [_FREESECT] * (109 - n_fat)
    header += struct.pack("<109I", *difat)
    assert len(header) == _SECTOR

    directory = bytearray()
    for entry in entries:
        encoded = entry.name.encode("utf-16-le")
        directory += encoded.ljust(64, b"\x00")
        directory += struct.pack("<HBB", len(encoded) + 2, entry.kind, 1)  # colour 1 = black
        directory += struct.pack("<III", entry.left, entry.right, entry.child)
        directory += bytes(16 + 4 + 8 + 8)  # CLSID, state bits, creation and modified time
        start = entry.start if entry.kind != 1 else 0
        directory += struct.pack("<IQ", start, entry.size if entry.kind != 1 else 0)
    unused = bytes(64) + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", *([_NOSTREAM] * 3)) + bytes(48)
    while len(directory) % _SECTOR:
        directory += unused

    def padded(blob: bytes) -> bytes:
        return bytes(blob) + bytes(-len(blob) % _SECTOR)

    out = bytearray(header)
    out += padded(mini_stream)
    for entry in big:
        out += padded(entry.data)
    out += padded(struct.pack(f"<{len(mini_fat)}I", *mini_fat) + struct.pack("<I", _FREESECT) * (-len(mini_fat) % 128))
    out += directory
    out += struct.pack(f"<{len(fat)}I", *fat)
    return bytes(out)


# ---------------------------------------------------------------------------
# [MS-OVBA] 2.3 project streams
# ---------------------------------------------------------------------------

# REFERENCEREGISTERED libids Excel writes for a new workbook (OLE Automation and the
# Office object library, which defines IRibbonControl). VBA resolves a registered
# reference by GUID and version; the path is only a hint.
STDOLE_LIBID = r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
OFFICE_LIBID = (
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
    r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library"
)
# [MS-OVBA] 2.3.1.18 HostExtenderRef for the VBE extender every Office host writes.
_NO_PASSWORD = b"\x00"  # ProjectPassword: no password (2.3.1.16)
_VISIBLE = b"\xff"  # ProjectVisibilityState: visible (2.3.1.17)
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"


def _record(record_id: int, payload: bytes) -> bytes:
    """A dir stream record: Id (2 bytes), Size (4 bytes), payload."""
    return struct.pack("<HI", record_id, len(payload)) + payload


def _dir_stream(
    project_name: str,
    modules: Sequence[VbaModule],
    references: Sequence[tuple[str, str]],
    codepage: int,
) -> bytes:
    """The decompressed ``dir`` stream ([MS-OVBA] 2.3.4.2)."""
    enc = f"cp{codepage}"

    def mbcs(text: str) -> bytes:
        return text.encode(enc)

    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le")

    out = bytearray()
    # 2.3.4.2.1 PROJECTINFORMATION
    out += _record(0x0001, struct.pack("<I", 0x00000001))  # PROJECTSYSKIND: 32-bit Windows (2.3.4.2.1.1)
    out += _record(0x0002, struct.pack("<I", 0x0409))  # PROJECTLCID (2.3.4.2.1.3)
    out += _record(0x0014, struct.pack("<I", 0x0409))  # PROJECTLCIDINVOKE (2.3.4.2.1.4)
    out += _record(0x0003, struct.pack("<H", codepage))  # PROJECTCODEPAGE (2.3.4.2.1.5)
    out += _record(0x0004, mbcs(project_name))  # PROJECTNAME (2.3.4.2.1.6)
    out += _record(0x0005, b"") + _record(0x0040, b"")  # PROJECTDOCSTRING (2.3.4.2.1.7)
    out += _record(0x0006, b"") + _record(0x003D, b"")  # PROJECTHELPFILEPATH (2.3.4.2.1.8)
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT (2.3.4.2.1.9)
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS (2.3.4.2.1.10)
    # PROJECTVERSION (2.3.4.2.1.11): Reserved is fixed at 4 although 6 bytes follow.
    out += struct.pack("<HIIH", 0x0009, 0x00000004, 1, 0)
    out += _record(0x000C, b"") + _record(0x003C, b"")  # PROJECTCONSTANTS (2.3.4.2.1.12)
    # 2.3.4.2.2 PROJECTREFERENCES
    for name, libid in references:
        out += _record(0x0016, mbcs(name)) + _record(0x003E, utf16(name))  # REFERENCENAME (2.3.4.2.2.2)
        libid_bytes = libid.encode("ascii")
        body = struct.pack("<I", len(libid_bytes)) + libid_bytes + struct.pack("<IH", 0, 0)
        out += _record(0x000D, body)  # REFERENCEREGISTERED (2.3.4.2.2.5)
    # 2.3.4.2.3 PROJECTMODULES
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE (2.3.4.2.3.1)
    for module in modules:  # 2.3.4.2.3.2 MODULE
        out += _record(0x0019, mbcs(module.name))  # MODULENAME
        out += _record(0x0047, utf16(module.name))  # MODULENAMEUNICODE
        out += _record(0x001A, mbcs(module.name)) + _record(0x0032, utf16(module.name))  # MODULESTREAMNAME
        out += _record(0x001C, mbcs(module.doc_string)) + _record(0x0048, utf16(module.doc_string))  # MODULEDOCSTRING
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source starts at 0 (no p-code)
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += _record(0x0021 if module.kind is ModuleKind.STANDARD else 0x0022, b"")  # MODULETYPE
        out += _record(0x002B, b"")  # module Terminator
    out += _record(0x0010, b"")  # dir stream Terminator
    return bytes(out)


def _project_stream(project_name: str, project_id: str, modules: Sequence[VbaModule], codepage: int) -> bytes:
    """The ``PROJECT`` stream text ([MS-OVBA] 2.3.1), CRLF separated."""
    digest = hashlib.sha256(project_id.encode("ascii")).digest()

    def seed(i: int) -> int:
        return digest[i]

    lines = [f'ID="{project_id}"']
    for module in modules:  # 2.3.1.3 ProjectModule
        if module.kind is ModuleKind.DOCUMENT:
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind is ModuleKind.CLASS:
            lines.append(f"Class={module.name}")
        else:
            lines.append(f"Module={module.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        # 2.3.1.15-17: not protected (4 zero bytes), no password (one 0x00 byte),
        # visible (one 0xFF byte), each encrypted per 2.4.3.2.
        f'CMG="{encrypt_data(project_id, bytes(4), seed(0))}"',
        f'DPB="{encrypt_data(project_id, _NO_PASSWORD, seed(1))}"',
        f'GC="{encrypt_data(project_id, _VISIBLE, seed(2))}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{codepage}")


def _projectwm_stream(modules: Sequence[VbaModule], codepage: int) -> bytes:
    """The ``PROJECTwm`` name map ([MS-OVBA] 2.3.3)."""
    out = bytearray()
    for module in modules:
        out += module.name.encode(f"cp{codepage}") + b"\x00"
        out += module.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def build_vba_project(
    modules: Iterable[VbaModule],
    project_name: str = "VBAProject",
    *,
    codepage: int = 1252,
    references: Sequence[tuple[str, str]] = (("stdole", STDOLE_LIBID), ("Office", OFFICE_LIBID)),
) -> bytes:
    """The bytes of a ``vbaProject.bin`` holding ``modules``.

    ``codepage`` is PROJECTCODEPAGE: all names and source text are stored in it
    ([MS-OVBA] 2.3.4.2.1.5), so text that does not encode raises ``ValueError``.
    The output is deterministic: the project GUID and the encryption seeds are
    derived from the project name.
    """
    modules = list(modules)
    _check_name(project_name)
    names = [m.name.upper() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError("duplicate module names")
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"xltool-vba:{project_name}")).upper() + "}"
    streams: dict[str, bytes] = {}
    for module in modules:
        try:
            text = module.source.encode(f"cp{codepage}")
        except UnicodeEncodeError as exc:
            raise ValueError(f"module {module.name} has characters outside code page {codepage}") from exc
        container = compress(text)
        if _has_raw_chunk(container):
            raise ValueError(f"module {module.name} does not compress; Excel drops raw chunks")
        streams[f"VBA/{module.name}"] = container
    # 2.3.4.1 _VBA_PROJECT: Reserved1 0x61CC, Version 0xFFFF, Reserved2 0x00,
    # Reserved3 0x0001 as in the spec's example (3.1.1); no PerformanceCache.
    streams["VBA/_VBA_PROJECT"] = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001)
    streams["VBA/dir"] = compress(_dir_stream(project_name, modules, references, codepage))
    streams["PROJECT"] = _project_stream(project_name, project_id, modules, codepage)
    streams["PROJECTwm"] = _projectwm_stream(modules, codepage)
    return write_compound_file(streams)
