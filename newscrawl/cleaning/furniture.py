"""Site furniture: lines that recur in the bodies of many different articles of one site.

A licence line, the publisher's address, "Ý kiến (0)", a comment-box prompt, a subscribe call,
the site's own slogan: whatever the markup, a line that the extractor returns for many
*different* articles of the same site is the site's, not the article's. This is learnt from the
pages themselves, per site, with no list of phrases, so it holds on sites never seen before.

Lines are compared by a key (casefolded words, digits folded to 0) so that "Ý kiến (0)" and
"Ý kiến (12)" are one line. Copies of one article (syndication, content farms, updates) share
all their lines, so the caller counts pages per group of near-duplicates, not per URL.

Pure functions, no Scrapy; the per-site counts across runs live in the state store.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["FurnitureRule", "furniture_keys", "keys_by_line", "line_keys", "strip_furniture"]

_WORDS = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
# Longer lines are paragraphs: a site's furniture is short, and counting every paragraph of
# every article would make the statistics as large as the archive.
MAX_FURNITURE_CHARS = 200


class FurnitureRule:
    """When a line is furniture: it occurs in at least ``min_pages`` distinct articles of the
    site, and in at least ``min_share`` of the site's articles counted so far."""

    def __init__(self, min_pages: int = 4, min_share: float = 0.02) -> None:
        self.min_pages = min_pages
        self.min_share = min_share

    def is_furniture(self, pages_with_line: int, site_pages: int) -> bool:
        return pages_with_line >= self.min_pages and pages_with_line >= self.min_share * site_pages


def line_key(line: str) -> str | None:
    """A short stable hash of a line's words (casefold, digits folded), or None for a line too
    long to be furniture or without words."""
    if len(line) > MAX_FURNITURE_CHARS:
        return None
    words = _WORDS.findall(_DIGITS.sub("0", line.casefold()))
    if not words:
        return None
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).hexdigest()


def keys_by_line(body: str) -> tuple[str | None, ...]:
    """``line_key`` of each line of the body, in order."""
    return tuple(map(line_key, body.split("\n")))


def line_keys(body: str) -> set[str]:
    """The keys of the body's short lines, each once."""
    return set(filter(None, keys_by_line(body)))


def furniture_keys(counts: Mapping[str, int], site_pages: int, rule: FurnitureRule) -> set[str]:
    """The keys whose page counts make them furniture."""
    return {key for key, pages in counts.items() if rule.is_furniture(pages, site_pages)}


def strip_furniture(
    body: str, furniture: Iterable[str], keys: Sequence[str | None] | None = None
) -> tuple[str, list[str]]:
    """``body`` without its furniture lines, and the lines removed; ``keys``: the body's
    ``keys_by_line``, if known."""
    furniture = set(furniture)
    if not furniture:
        return body, []
    lines = body.split("\n")
    kept: list[str] = []
    removed: list[str] = []
    for line, key in zip(lines, map(line_key, lines) if keys is None else keys, strict=True):
        (removed if key in furniture else kept).append(line)
    return "\n".join(kept), removed
