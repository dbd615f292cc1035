"""Decoding of fetched HTML, robust to the charset mistakes Vietnamese sites make.

Priority is the WHATWG one (BOM, HTTP header, ``<meta charset>``), checked against the bytes:
a declaration that fails to decode them, or a single-byte declaration on bytes that are valid
UTF-8 with non-ASCII text (a lying ``<meta charset>``), is overruled. UTF-8 with a few invalid
bytes (a stray byte pasted from elsewhere, a character cut in two) is still UTF-8: as browsers
do, the bad bytes become U+FFFD rather than the whole page mojibake or a reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# The Content-Type values (lower case) of the pages decoded and extracted; any other is no page.
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
_MULTI_BYTE = {
    "utf-8",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "gb18030",
    "big5",
    "shift_jis",
    "euc-jp",
    "euc-kr",
}
# Candidates for guessing when no declaration holds: what Vietnamese sites have used.
_GUESSES = ("utf-8", "cp1258", "cp1252")
# "A few" invalid sequences: this many, or one per this many valid non-ASCII characters. A
# single-byte page read as UTF-8 has (nearly) every non-ASCII byte invalid.
_FEW_INVALID = 3
_VALID_PER_INVALID = 20
_ASCII = bytes(range(128))


class UndecodableError(ValueError):
    """The bytes decode under no declared or plausible encoding."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    # how the encoding was chosen: bom, header, meta, utf-8-override, guess
    source: str


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_single_byte(encoding: str) -> bool:
    return encoding.replace("_", "-") not in _MULTI_BYTE


@dataclass(frozen=True)
class _Utf8:
    """The bytes read as UTF-8, invalid sequences replaced."""

    text: str
    invalid: int  # invalid sequences replaced
    body: bytes

    @classmethod
    def read(cls, body: bytes) -> _Utf8:
        try:  # most pages: valid UTF-8, read at C speed with nothing to count
            return cls(body.decode("utf-8"), 0, body)
        except UnicodeDecodeError:
            text = body.decode("utf-8", errors="replace")
        return cls(text, text.count("\ufffd") - body.count("\ufffd".encode()), body)

    @cached_property
    def valid(self) -> int:
        """Non-ASCII characters decoded; counted only for damaged bytes, the one case that
        weighs them against the invalid sequences."""
        ascii_bytes = len(self.body) - len(self.body.translate(None, _ASCII))  # a character each
        return len(self.text) - ascii_bytes - self.invalid

    @property
    def mostly_valid(self) -> bool:
        """UTF-8 with a few bad bytes, not text in another encoding."""
        return self.invalid <= _FEW_INVALID or self.invalid <= self.valid // _VALID_PER_INVALID

    @property
    def clearly_utf8(self) -> bool:
        """Enough valid multi-byte characters to overrule a single-byte declaration."""
        if not self.invalid:
            return not self.text.isascii()
        return self.valid > 0 and self.invalid * _VALID_PER_INVALID <= self.valid


def _declared(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    found = [
        ("header", http_content_type_encoding(content_type) if content_type else None),
        ("meta", html_body_declared_encoding(body)),
    ]
    return [(source, resolve_encoding(enc) or enc) for source, enc in found if enc]


def _guess(body: bytes) -> Decoded | None:
    match = from_bytes(body[:200_000], cp_isolation=list(_GUESSES)).best()
    if match is None:
        return None
    text = _strict(body, match.encoding)
    return Decoded(text, match.encoding, "guess") if text is not None else None


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML body; raise ``UndecodableError`` when nothing fits."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        text = _strict(body[len(bom) :], bom_encoding)
        if text is not None:
            return Decoded(text, bom_encoding, "bom")
    utf8 = _Utf8.read(body)
    for source, encoding in _declared(body, content_type):
        if encoding == "utf-8" and utf8.mostly_valid:
            return Decoded(utf8.text, encoding, source)
        text = _strict(body, encoding)
        if text is None:
            continue
        if utf8.clearly_utf8 and _is_single_byte(encoding):
            return Decoded(utf8.text, "utf-8", "utf-8-override")
        return Decoded(text, encoding, source)
    if utf8.mostly_valid:
        return Decoded(utf8.text, "utf-8", "utf-8")
    guessed = _guess(body)
    if guessed is None:
        raise UndecodableError("no declared or guessed encoding decodes the page")
    return guessed
