"""Per-source accounting: what each sitemap, feed and listing given to the run yielded.

A run can fetch plenty and still have failed at what it was asked to do: the only feed answers
404 while robots.txt answers 200, a "feed" is an HTML page, a registry's ``article_allow`` matches
none of the 53 URLs a sitemap lists. Run-wide ratios miss these; counting per source does not.
Child sitemaps of an index and the later pages of a listing count towards the source they came
from. No Scrapy here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class SourceCount:
    url: str
    kind: str  # "sitemap", "feed" or "listing"
    fetched: int = 0  # documents parsed: the source itself and what it led to
    failed: int = 0  # documents that could not be fetched or parsed
    failure: str | None = None  # why the source itself failed, if it did
    found: int = 0  # URLs listed: articles and child sources
    taken: int = 0  # of them, requested or known from earlier runs (emitted, rejected before)
    emitted: int = 0

    def problem(self) -> str | None:
        """Why this source counts against the run's health, if it does."""
        if self.failure is not None and not self.fetched:
            return f"{self.kind} {self.url} failed: {self.failure}"
        if not self.found:
            return f"{self.kind} {self.url} listed no URL"
        if not self.taken:
            return (
                f"{self.kind} {self.url} listed {self.found} URL(s), none taken as an "
                "article (check the site's article_allow/article_deny)"
            )
        return None


class SourceLedger:
    """The run's sources by URL, and which source each article URL was requested for."""

    def __init__(self) -> None:
        self._sources: dict[str, SourceCount] = {}
        self._article_sources: dict[str, str] = {}

    def add(self, url: str, kind: str) -> None:
        self._sources.setdefault(url, SourceCount(url, kind))

    def parsed(self, root: str, found: int) -> None:
        if (source := self._sources.get(root)) is not None:
            source.fetched += 1
            source.found += found

    def failed(self, root: str, url: str, why: str) -> None:
        """A document of ``root`` (itself when ``url == root``) could not be fetched or parsed."""
        if (source := self._sources.get(root)) is not None:
            source.failed += 1
            if url == root:
                source.failure = why

    def taken(self, root: str) -> None:
        """A URL listed by ``root`` is an article (requested, or known from earlier runs) or a
        source to follow."""
        if (source := self._sources.get(root)) is not None:
            source.taken += 1

    def requested(self, root: str, article_url: str) -> None:
        """An article of ``root`` is requested as ``article_url``: its emission counts there."""
        if root in self._sources:
            self._article_sources[article_url] = root

    def emitted(self, article_url: str) -> None:
        root = self._article_sources.get(article_url)
        if root is not None and (source := self._sources.get(root)) is not None:
            source.emitted += 1

    def problems(self) -> list[str]:
        return [
            problem
            for source in self._sources.values()
            if (problem := source.problem()) is not None
        ]

    def report(self) -> list[dict[str, Any]]:
        return [
            {**asdict(source), "problem": source.problem()} for source in self._sources.values()
        ]
