"""A minimal [MS-CFB] compound file writer: the OLE container of ``vbaProject.bin``.

``olefile`` can only read this format, so the writer lives here: version 3 files,
512-byte sectors, a mini stream for small streams, and a directory red-black tree
written as all-black (valid per the specification).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["write_compound_file"]

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
