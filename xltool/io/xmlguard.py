"""XML defences behind the gate: refusing DTDs in a part's prolog, and hardening openpyxl.

A DTD is the only way to declare the entities behind billion-laughs and XXE attacks,
and Excel, WPS and LibreOffice never write one into a package part; so the gate
refuses a part whose prolog declares one (:func:`scan_prolog`), and
:func:`harden_xml` makes sure openpyxl's parsers would not expand entities anyway.
Apart from :mod:`xltool.io.gate` so each file holds one concern.
"""

from __future__ import annotations

import codecs
import functools
import sys
from dataclasses import dataclass
from typing import Any, Literal

MAX_XML_PROLOG = 8 * 1024
"""Bytes inspected before an XML part's root element. Excel writes ~60 (one ``<?xml?>``
line); a longer prolog only serves to hide a DOCTYPE from scanners."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _guess_encoding(start: bytes) -> tuple[str, int]:
    """XML autodetection (XML 1.0 appendix F): encoding and BOM length."""
    for bom, enc in _BOMS:
        if start.startswith(bom):
            return enc, len(bom)
    if start.startswith(b"\0\0\0<"):
        return "utf-32-be", 0
    if start.startswith(b"<\0\0\0"):
        return "utf-32-le", 0
    if start.startswith(b"\0<"):
        return "utf-16-be", 0
    if start.startswith(b"<\0"):
        return "utf-16-le", 0
    return "latin-1", 0  # every ASCII-compatible encoding reads markup the same way


def scan_prolog(fh: Any) -> Literal["clean", "dtd", "too_long"]:
    """Walk an XML prolog (declaration, PIs, comments, whitespace) up to the root tag."""
    raw = fh.read(min(1024, MAX_XML_PROLOG))
    encoding, skip = _guess_encoding(raw[:4])
    while True:
        text = raw[skip:].decode(encoding, "ignore")
        state = _prolog_state(text)
        if state != "incomplete":
            return state
        if len(raw) >= MAX_XML_PROLOG:
            return "too_long"
        more = fh.read(MAX_XML_PROLOG - len(raw))
        if not more:
            return "clean"  # ends inside the prolog: malformed, the parser will say so
        raw += more


def _prolog_state(text: str) -> Literal["clean", "dtd", "incomplete"]:
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return "incomplete"
        if text[i] != "<":
            return "clean"  # not XML at all (image, vbaProject.bin…): not our concern
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return "incomplete"
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return "incomplete"
            i = end + 3
        elif "<!--".startswith(text[i:]):
            return "incomplete"  # buffer ends inside "<!-": could still be a comment
        elif text.startswith("<!", i):
            return "dtd"  # "<!DOCTYPE" (or any markup declaration) before the root
        else:
            return "clean"


# ---------------------------------------------------------------------------
# XML parser hardening

@dataclass(frozen=True)
class XmlHardening:
    """What :func:`harden_xml` found and did (for tests and ``--debug`` output)."""

    openpyxl_defusedxml: bool
    openpyxl_lxml: bool
    patched_modules: tuple[str, ...]


_STRICT_LXML_PARSER: Any = None


def _strict_fromstring() -> Any:
    """An lxml ``fromstring`` that neither expands entities nor loads DTDs or URLs."""
    global _STRICT_LXML_PARSER
    from lxml import etree

    if _STRICT_LXML_PARSER is None:
        _STRICT_LXML_PARSER = etree.XMLParser(
            resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False, huge_tree=False
        )
    return functools.partial(etree.fromstring, parser=_STRICT_LXML_PARSER)


_HARDENED_FROMSTRING: Any = None


def harden_xml() -> XmlHardening:
    """Make sure openpyxl parses every package part without entity expansion. Idempotent.

    openpyxl picks its XML functions at import time: with defusedxml installed
    (``openpyxl.xml.DEFUSEDXML``) its streaming ``iterparse`` (sheets, shared strings) is
    defusedxml's, which raises on any entity declaration; with lxml installed
    (``openpyxl.xml.LXML``) its ``fromstring`` (workbook, rels, properties, styles) is lxml
    with ``resolve_entities=False``. Both can be switched off by the environment
    variables ``OPENPYXL_DEFUSEDXML`` / ``OPENPYXL_LXML``, so instead of trusting them this
    installs the safe functions into every loaded openpyxl module. The gate's DTD refusal
    (:func:`xltool.io.gate.check_input_file`) is the first line; this is the second.
    """
    global _HARDENED_FROMSTRING
    import defusedxml.ElementTree as defused_et
    import openpyxl
    import openpyxl.reader.excel  # noqa: F401  (imports every reader module we patch)
    import openpyxl.xml.functions as oxf
    from xml.etree import ElementTree as std_et

    if _HARDENED_FROMSTRING is None:
        _HARDENED_FROMSTRING = _strict_fromstring() if openpyxl.xml.LXML else defused_et.fromstring
    unsafe_fromstrings: list[Any] = [std_et.fromstring, std_et.XML]
    if openpyxl.xml.LXML:
        from lxml import etree

        unsafe_fromstrings.append(etree.fromstring)
    safe_iterparse = defused_et.iterparse

    patched: list[str] = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("openpyxl") or module is None:
            continue
        changed = False
        current = getattr(module, "iterparse", None)
        if current is not None and current is not safe_iterparse:
            module.iterparse = safe_iterparse  # type: ignore[attr-defined]
            changed = True
        current = getattr(module, "fromstring", None)
        if current is not None and current is not _HARDENED_FROMSTRING:
            base = current.func if isinstance(current, functools.partial) else current
            if base in unsafe_fromstrings or base is defused_et.fromstring or module is oxf:
                module.fromstring = _HARDENED_FROMSTRING  # type: ignore[attr-defined]
                changed = True
        if changed:
            patched.append(name)
    return XmlHardening(bool(openpyxl.xml.DEFUSEDXML), bool(openpyxl.xml.LXML), tuple(sorted(patched)))
