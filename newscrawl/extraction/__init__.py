"""Article extraction: what an extraction returns, and the call the crawl process sends to its
extraction workers (``article.extract_article``, then the cleaning chain).

``article``: the extraction itself (trafilatura, the page's structured data); ``pool``: the
worker processes that run it; ``worker``: what a worker runs first. This module imports none of
them: the crawl process, which only sends pages to the pool and reads back these results, never
imports trafilatura (~35 MB, ~1 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from newscrawl.bodysketch import BodyDigest
    from newscrawl.cleaning.chain import Cleaned, CleaningOptions, SiteContext


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
    # texts of the page's elements named as sources or bylines, for the credit (cleaning)
    credit_hints: tuple[str, ...] = ()
    # the page's JSON scripts dropped unread as too large or too deeply nested, and why
    dropped_json: tuple[str, ...] = ()


def extract(
    html: str,
    url: str,
    *,
    timezone: str | None,
    site: SiteContext,
    options: CleaningOptions,
    hints: Mapping[str, str] | None = None,
    prune_xpath: tuple[str, ...] = (),
) -> tuple[Extraction, Cleaned]:
    """``newscrawl.extraction.article.extract_article``, then
    ``newscrawl.cleaning.clean_article`` on what it found, importing them on first use: in a
    pool worker (where the forkserver preloaded them), or in the crawl process in its
    one-process mode."""
    from newscrawl.cleaning.chain import clean_article
    from newscrawl.extraction.article import extract_article

    found = extract_article(html, url, timezone=timezone, hints=hints, prune_xpath=prune_xpath)
    return found, clean_article(
        found.headline or "",
        found.body,
        description=found.description,
        site=site,
        options=options,
        credit_hints=found.credit_hints,
    )


class Extracted(NamedTuple):
    """A page's extraction, its cleaning, and what the publication step needs of the cleaned
    body (``newscrawl.bodysketch``): its MinHash signature, its fingerprint and the furniture
    key of each of its lines."""

    found: Extraction
    cleaned: Cleaned
    digest: BodyDigest


def extract_and_sketch(
    html: str,
    url: str,
    *,
    num_perm: int,
    timezone: str | None,
    site: SiteContext,
    options: CleaningOptions,
    hints: Mapping[str, str] | None = None,
    prune_xpath: tuple[str, ...] = (),
) -> Extracted:
    """``extract``, and the cleaned body's signature for the near-duplicate checks, its
    fingerprint and its lines' furniture keys: computed where the text is (a pool worker), in
    parallel, instead of page after page in the crawl process."""
    from newscrawl.bodysketch import body_digest

    found, cleaned = extract(
        html,
        url,
        timezone=timezone,
        site=site,
        options=options,
        hints=hints,
        prune_xpath=prune_xpath,
    )
    return Extracted(found, cleaned, body_digest(cleaned.body, num_perm))
