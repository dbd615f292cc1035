"""Spam vocabulary (gambling, loans, adult, SEO services) and a fast matcher over it.

The word lists live in ``data/*.txt`` (``entry<TAB>strong|ambiguous``). Phrases are compiled into
one trie-shaped regex matched against lowercased text (case-insensitive regexes are several times
slower), so a scan costs a few character tests per position however long the lists grow. The
accent-less spelling of each entry (spam often drops diacritics) is matched too, but only against
text that is itself written without them.

Spam also hides its vocabulary behind look-alike letters ('soi kèo' typed with Cyrillic o and i,
or in mathematical bold); ``fold_confusables`` spells such text with the Latin letters it
imitates before matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

__all__ = [
    "Folded",
    "Lexicon",
    "LexiconHit",
    "fold_confusables",
    "fold_diacritics",
    "has_word",
    "load_lexicon",
    "lower_same_length",
    "word_spans",
]

_PHRASE_FILES = ("gambling.txt", "other_spam.txt")
_BRAND_FILE = "brands.txt"
# Shorter accent-less forms collide with ordinary words ("lo de", "ban ca"): not derived.
_MIN_FOLDED_LENGTH = 7
# Token characters for the whole-word test: digits and Latin letters with Vietnamese diacritics.
# CJK is left out on purpose, so Chinese entries match inside runs of Han characters.
_ALNUM = "0-9A-Za-z\u00c0-\u024f\u1e00-\u1eff"
_BEFORE = rf"(?<![{_ALNUM}])"
_AFTER = rf"(?![{_ALNUM}])"
_ALNUM_CHAR = re.compile(f"[{_ALNUM}]")
_MATCH_WINDOW = 100  # characters: longer than any entry plus a brand suffix
# Rotating brand domains: kuwin -> kuwinok46, 98win -> 98winok72, kubet -> kubet11.
_BRAND_SUFFIX = r"(?:ok|vip|club|vn|win|bet)?[0-9]{0,3}"


@dataclass(frozen=True)
class LexiconHit:
    start: int
    end: int
    text: str  # as written in the scanned text
    entry: str  # the lexicon entry it matched
    strong: bool
    brand: bool


def fold_diacritics(text: str) -> str:
    """'Soi kèo đá gà' -> 'Soi keo da ga'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# a trie of characters: each key a character (or "" at a word's end), each value the rest
_Trie = dict[str, "_Trie"]


def _trie_pattern(words: Iterable[str]) -> str:
    """An alternation shaped as a trie: 'soi (?:c(?:au|ầu)|kèo)' rather than a flat list."""
    root: _Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(root) or "(?!)"


def _node_pattern(node: _Trie) -> str:
    branches = [
        re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if "" in node else group  # greedy: the longest entry wins


def _clean_entry(entry: str) -> str:
    return " ".join(unicodedata.normalize("NFC", entry).lower().split())


@dataclass(frozen=True)
class Lexicon:
    strong: frozenset[str]
    ambiguous: frozenset[str]
    brands: frozenset[str]  # strong brand names, also matched with a rotating suffix
    allow: frozenset[str]  # hits inside an occurrence of one of these are ignored
    _entry_of: dict[str, tuple[str, bool]] = field(init=False, repr=False, compare=False)
    _phrases: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _phrases_glued: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _brands: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _brands_glued: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _allowed: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        entry_of: dict[str, tuple[str, bool]] = {}
        for strong, entries in ((False, self.ambiguous), (True, self.strong)):  # strong wins
            for entry in entries:
                folded = fold_diacritics(entry)
                entry_of[entry] = (entry, strong)
                if folded != entry and len(folded) >= _MIN_FOLDED_LENGTH:
                    entry_of.setdefault(folded, (entry, strong))
        phrases = _trie_pattern(entry_of)
        brands = f"({_trie_pattern(self.brands)}){_BRAND_SUFFIX}{_AFTER}"
        setattr_ = object.__setattr__  # frozen dataclass: derived fields are set once, here
        setattr_(self, "_entry_of", entry_of)
        setattr_(self, "_phrases", re.compile(_BEFORE + phrases + _AFTER))
        setattr_(self, "_phrases_glued", re.compile(phrases + _AFTER))
        setattr_(self, "_brands", re.compile(_BEFORE + brands))
        setattr_(self, "_brands_glued", re.compile(brands))
        setattr_(
            self,
            "_allowed",
            re.compile(_BEFORE + _trie_pattern(self.allow) + _AFTER) if self.allow else None,
        )

    def find(self, text: str) -> list[LexiconHit]:
        """Whole-word phrase and brand hits in ``text`` (NFC, as ``normalize_text`` gives), in
        order."""
        lowered = lower_same_length(text)
        hits = [self._phrase_hit(m, text) for m in self._phrases.finditer(lowered)]
        hits += [self._brand_hit(m, text) for m in self._brands.finditer(lowered)]
        return sorted(self._without_allowed(lowered, hits), key=lambda hit: hit.start)

    def find_glued(self, text: str) -> list[LexiconHit]:
        """Phrase hits whose first letter is glued to a preceding letter ('chelseasoi kèo')."""
        lowered = lower_same_length(text)
        hits = [
            self._phrase_hit(m, text)
            for m in self._phrases_glued.finditer(lowered)
            if m.start() > 0 and _ALNUM_CHAR.match(lowered, m.start() - 1)
        ]
        return self._without_allowed(lowered, hits)

    def scan(self, text: str) -> tuple[list[LexiconHit], list[LexiconHit]]:
        """``(find(text), find_glued(text))`` in one pass over the phrases, for long texts.

        Where a glued phrase overlaps a whole-word one ('chelseasoi kèo phạt góc': 'soi kèo' glued,
        'kèo phạt góc' whole) only the glued one is reported: it is the leftmost match.
        """
        lowered = lower_same_length(text)
        whole: list[LexiconHit] = []
        glued: list[LexiconHit] = []
        for match in self._phrases_glued.finditer(lowered):
            is_glued = match.start() > 0 and _ALNUM_CHAR.match(lowered, match.start() - 1)
            (glued if is_glued else whole).append(self._phrase_hit(match, text))
        whole += [self._brand_hit(m, text) for m in self._brands.finditer(lowered)]
        whole.sort(key=lambda hit: hit.start)
        return self._without_allowed(lowered, whole), self._without_allowed(lowered, glued)

    def match_at(self, text: str, pos: int) -> LexiconHit | None:
        """The phrase or brand starting exactly at ``pos``, glued to what precedes it or not."""
        window = lower_same_length(text[pos : pos + _MATCH_WINDOW])
        match = self._phrases_glued.match(window) or self._brands_glued.match(window)
        if match is None:
            return None
        hit = (
            self._phrase_hit(match, window)
            if match.re is self._phrases_glued
            else self._brand_hit(match, window)
        )
        return replace(hit, start=hit.start + pos, end=hit.end + pos)

    def _phrase_hit(self, match: re.Match[str], text: str) -> LexiconHit:
        entry, strong = self._entry_of[match[0]]
        return LexiconHit(
            match.start(),
            match.end(),
            text[match.start() : match.end()],
            entry,
            strong,
            brand=False,
        )

    def _brand_hit(self, match: re.Match[str], text: str) -> LexiconHit:
        return LexiconHit(
            match.start(),
            match.end(),
            text[match.start() : match.end()],
            match[1],
            strong=True,
            brand=True,
        )

    def _without_allowed(self, lowered: str, hits: list[LexiconHit]) -> list[LexiconHit]:
        if not hits or self._allowed is None:
            return hits
        spans = [m.span() for m in self._allowed.finditer(lowered)]
        return [h for h in hits if not any(a <= h.start and h.end <= b for a, b in spans)]


def word_spans(text: str, term: str) -> list[tuple[int, int]]:
    """Where ``term`` occurs in ``text`` as whole words (not glued to letters or digits)."""
    spans, start = [], text.find(term)
    while start != -1:
        end = start + len(term)
        if not (start and _ALNUM_CHAR.match(text, start - 1)) and not _ALNUM_CHAR.match(text, end):
            spans.append((start, end))
        start = text.find(term, end)
    return spans


def has_word(text: str, term: str) -> bool:
    """Whether ``term`` occurs in ``text`` as whole words; stops at the first occurrence."""
    start = text.find(term)
    while start != -1:
        end = start + len(term)
        if not (start and _ALNUM_CHAR.match(text, start - 1)) and not _ALNUM_CHAR.match(text, end):
            return True
        start = text.find(term, end)
    return False


def lower_same_length(text: str) -> str:
    """``text.lower()`` with the same length, so match offsets index ``text`` too."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)  # e.g. 'İ'


def _read_entries(name: str) -> list[tuple[str, str]]:
    text = (resources.files(__package__) / "data" / name).read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            entry, strength = line.split("\t")
            if strength not in ("strong", "ambiguous"):
                raise ValueError(f"{name}: {line!r}: strength must be strong or ambiguous")
            rows.append((_clean_entry(entry), strength))
    return rows


@lru_cache(maxsize=8)
def _build(extra: tuple[str, ...], allow: tuple[str, ...]) -> Lexicon:
    phrases = [row for name in _PHRASE_FILES for row in _read_entries(name)]
    brands = _read_entries(_BRAND_FILE)
    return Lexicon(
        strong=frozenset(
            [e for e, s in phrases if s == "strong"] + [_clean_entry(e) for e in extra if e.strip()]
        ),
        # Ambiguous brands (shirt sponsors, words) behave like ambiguous phrases: no suffixes.
        ambiguous=frozenset(e for e, s in phrases + brands if s == "ambiguous"),
        brands=frozenset(e for e, s in brands if s == "strong"),
        allow=frozenset(_clean_entry(a) for a in allow if a.strip()),
    )


def load_lexicon(extra: Iterable[str] = (), allow: Iterable[str] = ()) -> Lexicon:
    """The packaged lexicon plus ``extra`` strong phrases, ignoring hits inside ``allow`` phrases.

    Built once per distinct (extra, allow); the default lexicon is shared by every caller.
    """
    return _build(tuple(extra), tuple(allow))


# -- look-alike letters --------------------------------------------------------------------------

_CONFUSABLES_FILE = "confusables.txt"
# Text made only of these needs no folding: ASCII, Latin-1, Latin Extended-A/B (Vietnamese ơ ư),
# combining marks, Latin Extended Additional (Vietnamese ạ ả ấ ...) and general punctuation. The
# check keeps folding free for nearly every real headline.
_FOLD_FREE = re.compile(r"[\x00-\u024f\u0300-\u036f\u1e00-\u1eff\u2000-\u206f]*")
# Latin letters outside the ordinary alphabets, read by their names: IPA and phonetic extensions
# (LATIN LETTER SMALL CAPITAL O, LATIN SMALL LETTER SCRIPT G, ... S WITH MIDDLE TILDE) and Latin
# Extended-D/E. Turned, reversed and other letters that do not look like the base letter have
# names of another shape and are left alone.
_LOOKALIKE_LATIN_BLOCKS = ((0x0250, 0x02AF), (0x1D00, 0x1DBF), (0xA720, 0xA7FF), (0xAB30, 0xAB6F))
_LATIN_LETTER_NAME = re.compile(
    r"LATIN (SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL |SCRIPT |DOTLESS )?([A-Z])(?: WITH .+)?"
)
# Fullwidth Latin is ordinary in Chinese and Japanese text: folded, but not evidence by itself.
_FULLWIDTH = range(0xFF00, 0xFFF0)
_DOT_ABOVE = "\u0307"  # a Greek iota with this dot imitates 'i'; the dot goes with the fold


@dataclass(frozen=True)
class Folded:
    text: str  # NFC, look-alike letters replaced by the Latin letters they imitate
    # Words that mix look-alikes with Latin letters ('Nhung' with a Cyrillic h and a Greek u) or
    # use styled Latin (small capitals, mathematical bold): no language writes words so; a word
    # all in Cyrillic or Greek does not count.
    obfuscated: int


@lru_cache(maxsize=1)
def _confusables() -> dict[str, str]:
    text = (resources.files(__package__) / "data" / _CONFUSABLES_FILE).read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {chr(int(code.removeprefix("U+"), 16)): latin for code, latin, _ in rows}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> tuple[str, bool] | None:
    """The Latin letters ``char`` imitates and whether it is a styled Latin letter (evidence of
    obfuscation wherever it stands), or None for a character that needs no folding."""
    if latin := _confusables().get(char):
        return latin, False
    code = ord(char)
    if any(low <= code <= high for low, high in _LOOKALIKE_LATIN_BLOCKS) and (
        name := _LATIN_LETTER_NAME.fullmatch(unicodedata.name(char, ""))
    ):
        return (name[2] if name[1] == "CAPITAL " else name[2].lower()), True
    # Mathematical, letterlike, modifier and fullwidth letters and digits: NFKC knows them.
    compat = unicodedata.normalize("NFKC", char)
    if code > 0x24F and compat != char and compat.isascii() and compat.isalnum():
        return compat, code not in _FULLWIDTH
    return None


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and (char <= "\u024f" or "\u1e00" <= char <= "\u1eff")


def _folds(chars: str) -> list[tuple[str, bool] | None]:
    """``_fold_char`` of each character; letters of other scripts only in mostly Latin text."""
    folds = [_fold_char(char) for char in chars]
    latin = sum(map(_is_latin_letter, chars))
    foreign = sum(
        1
        for char, fold in zip(chars, folds, strict=True)
        if fold is None and char.isalpha() and not _is_latin_letter(char)
    )
    if foreign >= latin:
        return [fold if fold and fold[1] else None for fold in folds]
    return folds


def _count_obfuscated(chars: str, folds: list[tuple[str, bool] | None]) -> int:
    count, latin, lookalike, styled = 0, False, False, False
    for char, fold in zip(chars + " ", [*folds, None], strict=True):
        if char.isalnum() or unicodedata.combining(char):
            latin = latin or (fold is None and _is_latin_letter(char))
            lookalike = lookalike or (fold is not None and not fold[1])
            styled = styled or (fold is not None and fold[1])
        else:  # end of a word
            count += styled or (latin and lookalike)
            latin, lookalike, styled = False, False, False
    return count


def fold_confusables(text: str) -> Folded:
    """``text`` spelled with the Latin letters its look-alikes imitate: 'Phi Nhung lên sóng'
    written with Cyrillic, Greek, letterlike and small-capital letters comes back as such.
    Diacritics stay (Vietnamese text in NFC comes back unchanged).

    Letters of other scripts are folded only when the text is mostly Latin: a Russian or Greek
    headline keeps its letters (styled letters are folded everywhere).
    """
    if _FOLD_FREE.fullmatch(text):
        return Folded(text, 0)
    chars = unicodedata.normalize("NFD", text)
    folds = _folds(chars)
    out: list[str] = []
    for i, (char, fold) in enumerate(zip(chars, folds, strict=True)):
        if char == _DOT_ABOVE and i and folds[i - 1] and out[-1] in "ij":
            continue
        out.append(fold[0] if fold else char)
    return Folded(unicodedata.normalize("NFC", "".join(out)), _count_obfuscated(chars, folds))
