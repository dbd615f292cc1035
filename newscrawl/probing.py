"""A site's sources read, and a few of its articles judged, as a crawl would: the common ground
of ``scrapy addsite`` and ``scrapy checksite``.

No Scrapy crawler here (only its sitemap utilities, which the spider reads sitemaps with):
pages come from a ``Fetch`` function. The commands pass one that goes
through Scrapy's downloader with the crawl's own middlewares (address guard, robots.txt,
politeness, Retry-After), so a probe is as polite and as guarded as a crawl. Sitemaps are read
by the crawl's own parser (``newscrawl.parsing``) and feeds by feedparser, as in the news spider,
so that the counts shown are the ones a crawl would get; articles go through the crawl's
decoding, extraction and cleaning chain (``newscrawl.extraction.extract``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import feedparser
import lxml.html
from courlan import normalize_url
from lxml.etree import ParserError
from scrapy.utils.sitemap import sitemap_urls_from_robots

from newscrawl.accounting import Reason
from newscrawl.cleaning.chain import CleaningOptions, SiteContext
from newscrawl.encoding import HTML_TYPES, UndecodableError, decode_html
from newscrawl.extraction import NotExtractable, extract
from newscrawl.parsing import off_loop, open_sitemap
from newscrawl.registry import Site

# Child sitemaps read below an index (the newest first, by lastmod): a paper's index lists
# hundreds of monthly sitemaps, and a few show the URL shapes as well as all of them.
MAX_CHILD_SITEMAPS = 3
MAX_SITEMAP_NESTING = 2  # an index of indexes is read; deeper ones are only counted
EMITTED = "emitted"  # the verdict of an article the crawl would publish
_FIRST_WORDS = 20


@dataclass(frozen=True)
class Fetched:
    """One fetched URL: its body, or why there is none (``reason: evidence``, as the crawl's
    rejects say it: ``fetch-failed: HTTP 404``, ``robots-disallowed: ...``)."""

    url: str  # after redirects
    status: int = 0
    content_type: str = ""
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def reason(self) -> tuple[str, str]:
        reason, _, evidence = (self.error or "").partition(": ")
        return reason, evidence

    def text(self) -> str:
        """The body decoded as the crawl decodes a page (header, BOM, meta, then guesses)."""
        try:
            return decode_html(self.body, self.content_type or None).text
        except UndecodableError:
            return self.body.decode("utf-8", "replace")


class Fetch(Protocol):
    """Fetch ``url``; ``source``: a sitemap or feed (its own size limit, gzip opened)."""

    def __call__(self, url: str, *, source: bool = False) -> Awaitable[Fetched]: ...


def remembering(fetch: Fetch) -> Fetch:
    """``fetch`` that fetches each URL once: discovery reads a document, the source reading
    reads it again."""
    seen: dict[tuple[str, bool], asyncio.Future[Fetched]] = {}

    def once(url: str, *, source: bool = False) -> Awaitable[Fetched]:
        if (url, source) not in seen:
            seen[url, source] = asyncio.ensure_future(fetch(url, source=source))
        return seen[url, source]

    return once


# -- sources ---------------------------------------------------------------------------------


@dataclass
class SourceRead:
    """What one sitemap, feed or listing page of a site lists."""

    url: str
    kind: str  # "sitemap", "feed" or "listing"
    failure: str | None = None  # why the source itself could not be read
    entries: list[dict[str, str]] = field(default_factory=list)  # loc and the source's hints
    children: list[str] = field(default_factory=list)  # child sitemaps listed (an index)
    children_read: int = 0
    notes: list[str] = field(default_factory=list)  # child sitemaps that failed, recoveries

    @property
    def found(self) -> int:
        """URLs listed: articles and child sitemaps."""
        return len(self.entries) + len(self.children)


async def read_source(url: str, kind: str, site: Site, fetch: Fetch) -> SourceRead:
    read = SourceRead(url, kind)
    if kind == "sitemap":
        await _read_sitemap(read, url, site, fetch, depth=0)
    else:
        fetched = await fetch(url, source=kind == "feed")
        if not fetched.ok:
            read.failure = fetched.error
        elif kind == "feed":
            await _read_feed(read, fetched)
        else:
            read.entries = [{"loc": link} for link in listing_links(fetched, site)]
    return read


async def _read_sitemap(read: SourceRead, url: str, site: Site, fetch: Fetch, depth: int) -> None:
    fetched = await fetch(url, source=True)
    if fetched.ok and fetched.url.endswith("/robots.txt"):  # a sitemap source, as the spider
        await _read_index(
            read,
            [{"loc": u} for u in sitemap_urls_from_robots(fetched.body, base_url=fetched.url)],
            site,
            fetch,
            depth,
        )
        return
    # in the parsing thread, as the spider does: a 50k-URL sitemap takes seconds
    parsed = await off_loop(_sitemap_entries, fetched.body) if fetched.ok else None
    failure = fetched.error or (
        None if parsed else f"{Reason.MALFORMED_SITEMAP}: not a sitemap or sitemap index"
    )
    if failure or parsed is None:
        if depth == 0:
            read.failure = failure
        else:
            read.notes.append(f"{url}: {failure}")
        return
    kind, entries, malformed = parsed
    if malformed:
        read.notes.append(f"{url}: XML errors, {len(entries)} entries recovered")
    if kind != "sitemapindex":
        read.entries.extend(entries)
        return
    await _read_index(read, entries, site, fetch, depth)


def _sitemap_entries(body: bytes) -> tuple[str, list[dict[str, str]], bool] | None:
    """(type, entries, whether the XML had errors) of a sitemap or index; None if neither."""
    sitemap = open_sitemap(body)
    if sitemap is None:
        return None
    entries = [
        {key: str(value) for key, value in entry.items() if isinstance(value, str)}
        for entry in sitemap
        if entry.get("loc")
    ]
    return sitemap.type, entries, sitemap.malformed


async def _read_index(
    read: SourceRead, entries: list[dict[str, str]], site: Site, fetch: Fetch, depth: int
) -> None:
    """The newest few of the child sitemaps an index (or a robots.txt) lists."""
    children = [e for e in entries if site.link_verdict(e["loc"]) is None]
    read.children.extend(e["loc"] for e in entries)
    if depth >= MAX_SITEMAP_NESTING:
        return
    newest = sorted(children, key=lambda e: e.get("lastmod", ""), reverse=True)
    chosen = newest[:MAX_CHILD_SITEMAPS]
    read.children_read += len(chosen)
    await asyncio.gather(
        *(_read_sitemap(read, child["loc"], site, fetch, depth + 1) for child in chosen)
    )


async def _read_feed(read: SourceRead, fetched: Fetched) -> None:
    feed = await off_loop(feedparser.parse, fetched.body)
    if feed.bozo and not feed.entries:
        read.failure = f"{Reason.MALFORMED_FEED}: {feed.get('bozo_exception', '')}"
        return
    if feed.bozo:
        read.notes.append(f"malformed, {len(feed.entries)} entries recovered")
    read.entries = [
        {
            "loc": entry.get("link", ""),
            "published": entry.get("published", ""),
            "title": entry.get("title", ""),
        }
        for entry in feed.entries
        if entry.get("link")
    ]


def site_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def listing_links(fetched: Fetched, site: Site) -> list[str]:
    """The links of an HTML page to the site's own hosts, absolute, each once."""
    try:
        tree = lxml.html.fromstring(fetched.text(), base_url=fetched.url)
    except (ParserError, ValueError):
        return []
    tree.make_links_absolute(fetched.url, handle_failures="discard")
    links = (href for href in tree.xpath("//a/@href") if isinstance(href, str))
    return list(dict.fromkeys(url for url in links if site.link_verdict(url) is None))


def article_verdict(site: Site, url: str) -> str | None:
    """``site.article_verdict`` of ``url`` as the news spider checks it: on the URL it would
    request (tracking parameters and fragment dropped)."""
    try:
        return site.article_verdict(normalize_url(url, strict=True))
    except ValueError:
        return site.article_verdict(url)


def article_entries(read: SourceRead, site: Site) -> list[dict[str, str]]:
    """The entries of ``read`` a crawl of ``site`` would request as articles."""
    return [
        entry
        for entry in read.entries
        if site.link_verdict(entry["loc"]) is None and article_verdict(site, entry["loc"]) is None
    ]


# -- articles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """An article page judged as the crawl would judge it."""

    url: str
    verdict: str  # EMITTED, or the reason the crawl would reject it
    evidence: str = ""
    headline: str | None = None
    published: str | None = None
    first_words: str = ""
    declared_language: str | None = None  # as the page declares it (<html lang>, JSON-LD)

    @property
    def emitted(self) -> bool:
        return self.verdict == EMITTED


def judge_page(
    fetched: Fetched, site: Site, options: CleaningOptions, hints: dict[str, str] | None = None
) -> Sample:
    """The crawl's verdict on one article page: its fetch, decoding, extraction and cleaning
    (the publication's de-duplication against earlier runs aside)."""
    if not fetched.ok:
        return Sample(fetched.url, *fetched.reason)
    if not fetched.body.strip():
        return Sample(fetched.url, Reason.EMPTY_PAGE, f"HTTP {fetched.status}, no body")
    content_type = fetched.content_type
    if content_type and not content_type.lower().encode("latin-1").startswith(HTML_TYPES):
        return Sample(fetched.url, Reason.NOT_HTML, content_type)
    try:
        decoded = decode_html(fetched.body, content_type or None)
    except UndecodableError as exc:
        return Sample(fetched.url, Reason.UNDECODABLE, str(exc))
    context = SiteContext(language=site.language, footer_patterns=site.footer_patterns)
    try:
        found, cleaned = extract(
            decoded.text,
            fetched.url,
            timezone=site.timezone,
            site=context,
            options=options,
            hints=hints,
            prune_xpath=site.prune_xpath,
        )
    except NotExtractable as exc:
        return Sample(fetched.url, exc.reason, exc.evidence)
    except Exception as exc:  # the crawl's pipeline counts it as a reject too, never a crash
        return Sample(fetched.url, Reason.EXTRACTION_CRASHED, f"{type(exc).__name__}: {exc}")
    reason, evidence = cleaned.rejection or (EMITTED, "")
    return Sample(
        fetched.url,
        reason,
        evidence,
        headline=cleaned.headline or found.headline,
        published=found.date_published,
        first_words=" ".join(cleaned.body.split()[:_FIRST_WORDS]),
        declared_language=found.language,
    )


def pick_samples(
    reads: Sequence[SourceRead], site: Site, per_source: int
) -> dict[str, list[dict[str, str]]]:
    """Up to ``per_source`` article entries of each source, the first it lists (feeds and news
    sitemaps list the newest first); an article two sources list is judged once."""
    chosen: dict[str, list[dict[str, str]]] = {}
    taken: set[str] = set()  # as requested: a feed's ?utm_source copy is the same article
    for read in reads:
        entries = list(
            {
                _requested_url(e["loc"]): e
                for e in reversed(article_entries(read, site))
                if _requested_url(e["loc"]) not in taken
            }.values()
        )[::-1]
        chosen[read.url] = entries[:per_source]
        taken.update(_requested_url(e["loc"]) for e in chosen[read.url])
    return chosen


async def judge_articles(
    entries: Iterable[dict[str, str]], site: Site, options: CleaningOptions, fetch: Fetch
) -> dict[str, Sample]:
    """Each entry's article fetched (all at once: the downloader keeps the site's pace) and
    judged, by its ``loc``."""
    wanted = list(entries)
    pages = await asyncio.gather(*(fetch(_requested_url(e["loc"])) for e in wanted))
    hints = [
        {k: v for k, v in e.items() if k in ("published", "lastmod", "title") and v} for e in wanted
    ]
    return {
        entry["loc"]: judge_page(page, site, options, hint)
        for entry, page, hint in zip(wanted, pages, hints, strict=True)
    }


def _requested_url(url: str) -> str:
    """The URL the news spider would request for a listed one."""
    try:
        return str(normalize_url(url, strict=True))
    except ValueError:
        return url


# -- the report --------------------------------------------------------------------------------


def source_problem(read: SourceRead, site: Site, samples: Sequence[Sample]) -> str | None:
    """Why a source counts against the site, in the words of the crawl's per-source health."""
    if read.failure is not None:
        return f"{read.kind} {read.url} failed: {read.failure}"
    if not read.found:
        return f"{read.kind} {read.url} listed no URL"
    if read.entries and not article_entries(read, site):
        return (
            f"{read.kind} {read.url} listed {len(read.entries)} URL(s), none taken as an "
            "article (check the site's article_allow/article_deny)"
        )
    if samples and not any(sample.emitted for sample in samples):
        reasons = ", ".join(sorted({sample.verdict for sample in samples}))
        return (
            f"{read.kind} {read.url}: none of its {len(samples)} sampled article(s) would "
            f"be emitted ({reasons})"
        )
    return None


def describe_source(read: SourceRead, site: Site) -> str:
    """One line: what the source lists and how much of it the site's rules take."""
    if read.failure is not None:
        return f"{read.kind:<8}{read.url}\n          DEAD: {read.failure}"
    parts = []
    if read.children:
        parts.append(f"index of {len(read.children)} sitemap(s), {read.children_read} read")
    articles = article_entries(read, site)
    parts.append(f"{len(read.entries)} URL(s), {len(articles)} taken as articles")
    lines = [f"{read.kind:<8}{read.url}", f"          {'; '.join(parts)}"]
    lines.extend(f"          note: {note}" for note in read.notes)
    return "\n".join(lines)


def describe_sample(sample: Sample, indent: int = 2) -> str:
    verdict = (
        sample.verdict
        if sample.emitted
        else f"rejected: {sample.verdict}" + (f" ({sample.evidence})" if sample.evidence else "")
    )
    fields = [
        ("verdict", verdict),
        ("headline", sample.headline),
        ("published", sample.published),
        ("text", f"{sample.first_words} ..." if sample.first_words else None),
    ]
    lines = [sample.url, *(f"  {name + ':':<11}{value}" for name, value in fields if value)]
    return "\n".join(" " * indent + line for line in lines)


# -- a registry entry checked ----------------------------------------------------------------

SAMPLES_PER_SOURCE = 2


@dataclass
class Checked:
    site: Site
    reads: list[SourceRead]
    samples: dict[str, list[Sample]]  # by source URL

    def problems(self) -> list[str]:
        if not self.reads:
            return ["the entry has no sitemap, feed or listing"]
        return [
            problem
            for read in self.reads
            if (problem := source_problem(read, self.site, self.samples[read.url]))
        ]


async def check_site(
    site: Site, fetch: Fetch, options: CleaningOptions, per_source: int = SAMPLES_PER_SOURCE
) -> Checked:
    """Every source of ``site`` read, and ``per_source`` of each one's articles judged."""
    fetch = remembering(fetch)
    sources = [
        *(("sitemap", u) for u in site.sitemaps),
        *(("feed", u) for u in site.feeds),
        *(("listing", u) for u in site.listings),
    ]
    reads = list(
        await asyncio.gather(*(read_source(url, kind, site, fetch) for kind, url in sources))
    )
    chosen = pick_samples(reads, site, per_source)
    judged = await judge_articles(
        [e for picked in chosen.values() for e in picked], site, options, fetch
    )
    samples = {url: [judged[e["loc"]] for e in picked] for url, picked in chosen.items()}
    return Checked(site, reads, samples)
