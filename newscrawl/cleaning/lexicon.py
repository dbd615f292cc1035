"""Spam vocabulary (gambling, loans, adult, SEO services) and a fast matcher over it.

The word lists live in ``data/*.txt`` (``entry<TAB>strong|ambiguous``). Phrases are compiled into
one trie-shaped regex matched against lowercased text (case-insensitive regexes are several times
slower), so a scan costs a few character tests per position however long the lists grow. The
accent-less spelling of each entry (spam often drops diacritics) is matched too, but only against
text that is itself written without them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

__all__ = [
    "Lexicon",
    "LexiconHit",
    "fold_diacritics",
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


def _trie_pattern(words: Iterable[str]) -> str:
    """An alternation shaped as a trie: 'soi (?:c(?:au|ầu)|kèo)' rather than a flat list."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(root) or "(?!)"


def _node_pattern(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items())
                if char]
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
        setattr_(self, "_allowed", re.compile(_BEFORE + _trie_pattern(self.allow) + _AFTER)
                 if self.allow else None)

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
        hits = [self._phrase_hit(m, text) for m in self._phrases_glued.finditer(lowered)
                if m.start() > 0 and _ALNUM_CHAR.match(lowered, m.start() - 1)]
        return self._without_allowed(lowered, hits)

    def match_at(self, text: str, pos: int) -> LexiconHit | None:
        """The phrase or brand starting exactly at ``pos``, glued to what precedes it or not."""
        window = lower_same_length(text[pos:pos + _MATCH_WINDOW])
        match = self._phrases_glued.match(window) or self._brands_glued.match(window)
        if match is None:
            return None
        hit = self._phrase_hit(match, window) if match.re is self._phrases_glued else \
            self._brand_hit(match, window)
        return replace(hit, start=hit.start + pos, end=hit.end + pos)

    def _phrase_hit(self, match: re.Match[str], text: str) -> LexiconHit:
        entry, strong = self._entry_of[match[0]]
        return LexiconHit(match.start(), match.end(), text[match.start():match.end()], entry,
                          strong, brand=False)

    def _brand_hit(self, match: re.Match[str], text: str) -> LexiconHit:
        return LexiconHit(match.start(), match.end(), text[match.start():match.end()], match[1],
                          strong=True, brand=True)

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
        strong=frozenset([e for e, s in phrases if s == "strong"]
                         + [_clean_entry(e) for e in extra if e.strip()]),
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
