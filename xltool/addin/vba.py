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
  ``olefile`` can only read it, so a small writer lives in :mod:`xltool.addin.cfb`.

The byte-level algorithms (compression, data encryption) are in :mod:`xltool.addin.ovba`;
this module turns module source into the project streams.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xltool.addin.cfb import write_compound_file
from xltool.addin.ovba import compress, encrypt_data, has_raw_chunk

__all__ = [
    "ModuleKind",
    "VbaModule",
    "build_vba_project",
    "class_module",
    "document_module",
    "load_module",
    "standard_module",
]

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
        if has_raw_chunk(container):
            raise ValueError(f"module {module.name} does not compress; Excel drops raw chunks")
        streams[f"VBA/{module.name}"] = container
    # 2.3.4.1 _VBA_PROJECT: Reserved1 0x61CC, Version 0xFFFF, Reserved2 0x00,
    # Reserved3 0x0001 as in the spec's example (3.1.1); no PerformanceCache.
    streams["VBA/_VBA_PROJECT"] = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001)
    streams["VBA/dir"] = compress(_dir_stream(project_name, modules, references, codepage))
    streams["PROJECT"] = _project_stream(project_name, project_id, modules, codepage)
    streams["PROJECTwm"] = _projectwm_stream(modules, codepage)
    return write_compound_file(streams)
