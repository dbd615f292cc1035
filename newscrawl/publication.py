"""The run's articles held for publication, and the decisions made once all of them are in.

Two decisions must not depend on the order pages arrive in, so they are made when the run has
seen every page (the output is only published at the end of the run anyway):

- **Site furniture**: a line is furniture when it recurs in many different articles of a site
  (``cleaning.furniture``). Copies of one article share every line, so pages are counted once
  per group of near-duplicates (articles sharing a MinHash band key), and the counts of earlier
  runs (the state store) are added.
- **Which copy is the original**: among exact and near-duplicates the article published first
  wins, whatever was crawled first: articles are released in order of preference (no title
  injection repaired, then earliest ``datePublished``, then a registered site before an ad-hoc
  one, then arrival), and the first of a group to pass the duplicate checks is the one emitted.

Held articles wait in a private temporary SQLite file (deleted on close, even by a crash), so a
long run does not grow in memory. No Scrapy here.
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from itertools import groupby
from operator import itemgetter
from typing import Any
from urllib.parse import urljoin, urlsplit

from courlan import normalize_url

from newscrawl.cleaning.furniture import FurnitureRule, furniture_keys
from newscrawl.state import Sketch, StateStore
from newscrawl.state.overlay import private_database

__all__ = ["Held", "HeldArticles", "preference"]

_SCHEMA = """
CREATE TABLE held (id INTEGER PRIMARY KEY, site TEXT NOT NULL, rank TEXT NOT NULL, blob BLOB);
CREATE TABLE bands (key BLOB NOT NULL, id INTEGER NOT NULL);
CREATE TABLE lines (site TEXT NOT NULL, key TEXT NOT NULL, id INTEGER NOT NULL);
"""
_NO_DATE = "~"  # sorts after every ISO 8601 timestamp


@dataclass(frozen=True)
class Held:
    """One article waiting for the end of the run."""

    item: Any
    sketch: Sketch
    keys_by_line: tuple[str | None, ...]  # ``cleaning.furniture.keys_by_line`` of its body
    fingerprint: str  # ``state.fingerprint.body_fingerprint`` of its body

    @property
    def line_keys(self) -> set[str]:
        """``cleaning.furniture.line_keys`` of its body"""
        return set(filter(None, self.keys_by_line))


def _utc(value: str | None) -> str:
    """``datePublished`` as a sortable UTC timestamp. A time without an offset is taken as UTC
    (hours apart at most); a bare date as the end of that day, so that it does not beat an
    article timed on the same day (a copy often shows only the date)."""
    if not value:
        return _NO_DATE
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return _NO_DATE
    if len(value) <= len("2021-06-14"):
        moment = datetime.combine(moment.date(), time.max)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def preference(
    *, repaired_injection: bool, date_published: str | None, ad_hoc: bool, alias: bool = False
) -> str:
    """The sort key of an article among its duplicates: lower is preferred. ``alias``: the page
    names another URL as its canonical one (the same page served under a second URL): at the
    same moment, the URL the page itself calls canonical is the original."""
    return f"{int(repaired_injection)}|{_utc(date_published)}|{int(alias)}|{int(ad_hoc)}"


def is_alias(url: str, canonical_url: str | None) -> bool:
    """Whether the page at ``url`` declares another web URL canonical (a relative one read
    against ``url``; both compared normalized). Any other canonical declares nothing."""
    canonical = urljoin(url, canonical_url or "")
    if not canonical_url or canonical == url or urlsplit(canonical).scheme not in ("http", "https"):
        return False
    try:
        return normalize_url(canonical, strict=True) != normalize_url(url, strict=True)
    except ValueError:
        return False


class HeldArticles:
    """The run's articles, until the end-of-run decisions release them."""

    def __init__(self) -> None:
        self._db = private_database(_SCHEMA)

    def add(self, site: str, rank: str, held: Held) -> None:
        article_id = self._db.execute(
            "INSERT INTO held (site, rank, blob) VALUES (?, ?, ?)",
            (site, rank, pickle.dumps(held, protocol=pickle.HIGHEST_PROTOCOL)),
        ).lastrowid
        self._db.executemany(
            "INSERT INTO bands (key, id) VALUES (?, ?)",
            ((key, article_id) for key in held.sketch.band_keys),
        )
        self._db.executemany(
            "INSERT INTO lines (site, key, id) VALUES (?, ?, ?)",
            ((site, key, article_id) for key in held.line_keys),
        )

    def _groups(self) -> dict[int, int]:
        """Each article's group of near-duplicates (union of articles sharing a band key)."""
        parent: dict[int, int] = {}

        def root(node: int) -> int:
            while parent.get(node, node) != node:
                parent[node] = parent.get(parent[node], parent[node])
                node = parent[node]
            return node

        previous_key, previous_id = None, 0
        for key, article_id in self._db.execute("SELECT key, id FROM bands ORDER BY key, id"):
            if key == previous_key:
                parent[root(article_id)] = root(previous_id)
            previous_key, previous_id = key, article_id
        return {node: root(node) for node in list(parent)}

    def furniture(self, store: StateStore, rule: FurnitureRule) -> dict[str, set[str]]:
        """Per site, the line keys that are furniture: this run's counts (a group of
        near-duplicates counts once) plus the committed counts of earlier runs."""
        groups = self._groups()
        pages: Counter[str] = Counter()
        seen_groups: dict[str, set[int]] = defaultdict(set)
        for site, article_id in self._db.execute("SELECT site, id FROM held"):
            group = groups.get(article_id, article_id)
            if group not in seen_groups[site]:
                seen_groups[site].add(group)
                pages[site] += 1
        furniture: dict[str, set[str]] = {}
        for site, counts in self._line_counts(groups):
            stored_pages, stored = store.site_line_counts(site, counts)
            totals = {key: count + stored.get(key, 0) for key, count in counts.items()}
            furniture[site] = furniture_keys(totals, pages[site] + stored_pages, rule)
        return furniture

    def _line_counts(self, groups: dict[int, int]) -> Iterator[tuple[str, dict[str, int]]]:
        """(site, {line key: groups holding it}) for each site, streamed in key order."""
        rows = self._db.execute("SELECT site, key, id FROM lines ORDER BY site, key")
        for site, site_rows in groupby(rows, key=itemgetter(0)):
            yield (
                site,
                {
                    key: len({groups.get(row[2], row[2]) for row in key_rows})
                    for key, key_rows in groupby(site_rows, key=itemgetter(1))
                },
            )

    def in_preference_order(self) -> Iterator[tuple[str, Held]]:
        """(site, article) from the most to the least preferred, arrival order breaking ties."""
        for site, blob in self._db.execute("SELECT site, blob FROM held ORDER BY rank, id"):
            yield site, pickle.loads(blob)

    def close(self) -> None:
        self._db.close()
