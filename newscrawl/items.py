"""Items: plain dataclasses, read and written through itemadapter by the pipelines.

Field names follow zyte-common-items' ``Article`` where one fits; newscrawl's own fields use the
same camelCase style. ``newscrawl/article.schema.json`` documents every field of the JSONL output
(``newscrawl.conformance``: the schemas of the output, the rejects file and the run report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "2.0"  # article.schema.json's; the README says when it changes


@dataclass
class Page:
    """A fetched page on its way to extraction; never exported."""

    url: str
    html: str = field(repr=False)  # log lines naming a page must not carry its HTML
    site: str
    encoding: str
    language: str | None = None
    timezone: str | None = None
    prune_xpath: tuple[str, ...] = ()  # the site's boilerplate elements (registry)
    footer_patterns: tuple[str, ...] = ()  # the site's boilerplate lines (registry)
    downloaded: str | None = None  # ISO 8601 UTC fetch time
    update: bool = False  # an emitted article fetched again because it changed
    # what the sitemap or feed said of this URL (lastmod, publication date, title)
    hints: dict[str, str] = field(default_factory=dict)


@dataclass
class Article:
    url: str
    site: str
    headline: str | None = None
    articleBody: str | None = None
    canonicalUrl: str | None = None
    description: str | None = None
    datePublished: str | None = None
    dateModified: str | None = None
    authors: list[dict[str, str]] = field(default_factory=list)
    inLanguage: str | None = None
    mainImage: dict[str, str] | None = None
    breadcrumbs: list[dict[str, str]] = field(default_factory=list)
    sourceCredit: str | None = None
    fingerprint: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    schemaVersion: str = SCHEMA_VERSION
