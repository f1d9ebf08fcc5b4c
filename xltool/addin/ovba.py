"""[MS-OVBA] primitives: the compression of ``dir`` and module streams (2.4.1) and the
data "encryption" of the ``CMG``/``DPB``/``GC`` project properties (2.4.3).

Apart from :mod:`xltool.addin.vba` (which assembles the project) because these are
byte-level algorithms with their own round-trip tests.
"""

from __future__ import annotations

import functools
import struct

__all__ = ["compress", "decompress", "decrypt_data", "encrypt_data", "has_raw_chunk"]

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


def _longest_match(data: bytes, start: int, current: int, limit: int, first: dict[bytes, int]) -> tuple[int, int]:
    """Matching (2.4.1.3.19.4): (candidate, length) of the longest run before ``current`` that
    repeats at ``current``, the nearest one on ties; (-1, 0) when none reaches 3 bytes.

    ``bytes.rfind`` finds the nearest candidate whose run reaches a given length (the end
    bound keeps it before ``current``; the run may overlap ``current``, as copies may). Asking
    again one byte longer than the best so far until nothing is found yields exactly the
    spec's exhaustive answer: the last one found is the nearest of those with the longest run.
    ``first`` holds where each 3-byte sequence first occurs in the chunk: most literals are
    told apart without a search.
    """
    if limit < 3 or first[data[current : current + 3]] >= current:
        return -1, 0
    best_candidate, best_length, wanted = -1, 0, 3
    while wanted <= limit:
        candidate = data.rfind(data[current : current + wanted], start, current + wanted - 1)
        if candidate < 0:
            break
        best_candidate = candidate
        best_length = wanted + _match_length(data, candidate + wanted, current + wanted, limit - wanted)
        wanted = best_length + 1
    return best_candidate, best_length


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """Compressing a DecompressedChunk (2.4.1.3.7) for ``data[start:end]``, header included.

    Matching is the spec's exhaustive search (longest match, the nearest on ties), found
    by :func:`_longest_match` in C-speed searches rather than a byte loop per candidate.
    """
    out = bytearray(b"\x00\x00")  # header placeholder
    compressed_end = 4098  # CompressedEnd relative to the chunk start
    current = start
    # Where each 3-byte sequence first occurs (the reversed walk lets the first occurrence win).
    first = {data[i : i + 3]: i for i in range(end - 3, start - 1, -1)}

    while current < end and len(out) < compressed_end:
        # Compressing a TokenSequence (2.4.1.3.8)
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if not (current < end and len(out) < compressed_end):
                break
            # Compressing a Token (2.4.1.3.9) with Matching (2.4.1.3.19.4)
            best_candidate, best_length = _longest_match(data, start, current, end - current, first)
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
    return _compress(bytes(data))


@functools.lru_cache(maxsize=16)
def _compress(data: bytes) -> bytes:
    """Cached: the add-in's module sources are the same for every build in a process (an install,
    its check, a rebuild), and compressing them in pure Python costs about 0.1 s a build."""
    out = bytearray([_CONTAINER_SIGNATURE])
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data, start, min(start + _CHUNK, len(data)))
    return bytes(out)


def has_raw_chunk(container: bytes) -> bool:
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
