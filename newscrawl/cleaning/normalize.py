"""Unicode and whitespace normalization for extracted Vietnamese news text.

Every regex here matches only the rare characters it fixes (never each ordinary space), so clean
text passes through in a few C-level scans without per-character Python work.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_line", "normalize_text"]

# Line separators other than \n (\r\n is replaced first, by plain string replacement).
_OTHER_NEWLINES = "\r\v\f\x85\u2028\u2029"
# C0/C1 controls (but \t \n) and invisible format characters: soft hyphen, zero-width space and
# joiners, bidi marks and isolates, word joiner, invisible operators, BOM.
_INVISIBLE = (
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
# Blanks other than U+0020: tab, no-break, Ogham, en quad to hair space, narrow no-break,
# medium mathematical, ideographic.
_ODD_BLANKS = "\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
_ODD_CHARS = re.compile(f"[{_OTHER_NEWLINES}{_INVISIBLE}{_ODD_BLANKS}]")
_NEWLINE_CHARS = re.compile(f"[{_OTHER_NEWLINES}]")
_INVISIBLE_CHARS = re.compile(f"[{_INVISIBLE}]")
_ODD_BLANK_CHARS = re.compile(f"[{_ODD_BLANKS}]")

_TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng


def _toned(bases: str) -> str:
    return "".join(unicodedata.normalize("NFC", b + t) for b in bases for t in _TONE_MARKS)


# An oa/oe/uy syllable with no final letter and the tone on its second vowel ("hoà", "thuỷ").
# Never after q: in "quý", "quà" the u belongs to the consonant "qu" and the mark is already right.
# One character class first lets the regex engine skip ahead fast; pairs are checked after.
_SECOND_VOWEL_TONE = re.compile(rf"([oOuU])(?<![qQ].)([{_toned('aeyAEY')}])(?!\w)")
_FIRST_VOWEL_TAKES = {"o": "ae", "u": "y"}  # oa, oe, uy


def _move_tone_to_first_vowel(match: re.Match[str]) -> str:
    first, second = match[1], match[2]
    base, tone = tuple(unicodedata.normalize("NFD", second))  # a toned vowel: two code points
    if base.lower() not in _FIRST_VOWEL_TAKES[first.lower()]:
        return match[0]  # "oỳ", "uà": not one of the three pairs
    return unicodedata.normalize("NFC", first + tone) + base


def normalize_text(text: str, *, vietnamese: bool = True, unify_tone_marks: bool = False) -> str:
    """NFC text with invisible characters dropped, blanks folded and one ``\\n`` per paragraph.

    ``vietnamese`` maps the look-alike Icelandic eth (Ð ð) to Vietnamese Đ đ. ``unify_tone_marks``
    puts the tone of oa/oe/uy open syllables on the first vowel (hoà → hòa, thuỷ → thủy,
    khoẻ → khỏe), the placement most Vietnamese papers print; off by default because it rewrites
    the publisher's spelling.
    """
    text = unicodedata.normalize("NFC", text)
    if _ODD_CHARS.search(text):  # one scan; most extracted text has none of these
        text = _NEWLINE_CHARS.sub("\n", text.replace("\r\n", "\n"))
        text = _ODD_BLANK_CHARS.sub(" ", _INVISIBLE_CHARS.sub("", text))
    while "  " in text:
        text = text.replace("  ", " ")
    text = "\n".join(stripped for line in text.split("\n") if (stripped := line.strip(" ")))
    if vietnamese:
        text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    if unify_tone_marks:
        text = _SECOND_VOWEL_TONE.sub(_move_tone_to_first_vowel, text)
    return text


def normalize_line(text: str, *, vietnamese: bool = True, unify_tone_marks: bool = False) -> str:
    """``normalize_text`` for one-line fields such as a headline: line breaks become spaces."""
    text = normalize_text(text, vietnamese=vietnamese, unify_tone_marks=unify_tone_marks)
    return text.replace("\n", " ")
