"""What an extraction returns, and the call the crawl process sends to its extraction workers.

Kept apart from ``newscrawl.extraction`` so that the crawl process, which only sends pages to
the worker pool and reads back these results, never imports trafilatura (~35 MB, ~1 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class NotExtractable(Exception):
    def __init__(self, reason: str, evidence: str = "") -> None:
        super().__init__(reason, evidence)  # both in args, so it pickles across processes
        self.reason = reason
        self.evidence = evidence

    def __str__(self) -> str:
        return f"{self.reason}: {self.evidence}" if self.evidence else self.reason


@dataclass
class Extraction:
    headline: str | None
    body: str
    description: str | None = None
    canonical_url: str | None = None
    date_published: str | None = None
    date_modified: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    image: str | None = None
    breadcrumbs: list[dict[str, str]] = field(default_factory=list)
    date_source: str | None = None


def extract(html: str, url: str, *, timezone: str | None = None,
            hints: Mapping[str, str] | None = None) -> Extraction:
    """``newscrawl.extraction.extract_article``, importing it on first use: in a pool worker
    (where the forkserver preloaded it), or in the crawl process in its one-process mode."""
    from newscrawl.extraction import extract_article

    return extract_article(html, url, timezone=timezone, hints=hints)
