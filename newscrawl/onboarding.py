"""``scrapy addsite URL``: a site's registry entry proposed from what it serves.

Discovery: robots.txt's ``Sitemap:`` lines, the home page's feed links (``<link rel=alternate>``,
else links that look like feeds), and the common sitemap and feed paths. trafilatura's parsing
helpers (``extract_robots_sitemaps``, ``determine_feed``) read the documents, but not its own
fetching (``sitemap_search``, ``find_feed_urls``): every request goes through the ``Fetch`` the
command gives, Scrapy's downloader with the crawl's address guard, robots.txt and politeness.

From the article URLs the sources list, ``propose_rules`` generalises the shape of an article
URL (a numeric id and an extension, a date in the path, a common directory) into
``article_allow``, and the sections known never to be articles (video, tags, galleries, live
blogs) into ``article_deny``. Pure, no Scrapy.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from urllib.parse import urlsplit

import lxml.html
from lxml.etree import ParserError
from trafilatura.feeds import FeedParameters, determine_feed
from trafilatura.metadata import extract_metadata
from trafilatura.sitemaps import extract_robots_sitemaps

from newscrawl.accounting import Skip
from newscrawl.cleaning.chain import CleaningOptions
from newscrawl.cleaning.quality import detect_language
from newscrawl.parsing import open_sitemap
from newscrawl.probing import (
    Fetch,
    Fetched,
    Sample,
    SourceRead,
    article_entries,
    judge_articles,
    listing_links,
    pick_samples,
    read_source,
    remembering,
    site_of,
)
from newscrawl.registry import RegistryError, Site, parse_registry

COMMON_SITEMAP_PATHS = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-index.xml",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/sitemap_news.xml",
    "/sitemap.xml.gz",
)
COMMON_FEED_PATHS = (
    "/rss",
    "/feed",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.rss",
    "/rss/home.rss",
)
MAX_FEEDS = 5  # a paper's home page may link a feed per section; a few cover its articles
SAMPLES = 3
# An article shape is proposed when it covers at least this share of the listed URLs: a site
# may have two (its articles and its photo stories), not one per stray URL.
_MIN_SHARE = 0.1
_ID_LEAF = re.compile(r"^(?P<head>.*?)(?P<digits>\d+)(?P<ext>\.[a-z][a-z0-9]{1,4})?$")
_ID_PREFIX = re.compile(r"[-_]([a-z]{1,5})?$")
_DATE_PATH = re.compile(r"/(?:19|20)\d\d/[01]\d/")
_KEY_CHARACTERS = re.compile(r"[^a-z0-9_-]+")
_HOST_LIKE = re.compile(r"[\w.-]+\.[\w.-]+(?::\d+)?")
_TITLE_PARTS = re.compile(r"\s+[-|:\u2013\u2014]\s+")  # hyphen, bar, colon, en and em dash


# -- discovery -------------------------------------------------------------------------------


@dataclass
class Discovery:
    home: Fetched
    robots_sitemaps: list[str] = field(default_factory=list)
    home_feeds: list[str] = field(default_factory=list)
    guessed: dict[str, str] = field(default_factory=dict)  # URL -> "sitemap" or "feed"

    @property
    def sitemaps(self) -> list[str]:
        return _unique(
            [
                *self.robots_sitemaps,
                *(url for url, kind in self.guessed.items() if kind == "sitemap"),
            ]
        )

    @property
    def feeds(self) -> list[str]:
        return _unique(
            [
                *self.home_feeds[:MAX_FEEDS],
                *(url for url, kind in self.guessed.items() if kind == "feed"),
            ]
        )


async def discover(url: str, fetch: Fetch) -> Discovery:
    root = site_of(url)
    guesses = [root + path for path in (*COMMON_SITEMAP_PATHS, *COMMON_FEED_PATHS)]
    robots, home, *guessed = await asyncio.gather(
        fetch(root + "/robots.txt", source=True),
        fetch(url),
        *(fetch(guess, source=True) for guess in guesses),
    )
    found = Discovery(home)
    if robots.ok:
        found.robots_sitemaps = extract_robots_sitemaps(robots.text(), root)
    if home.ok:
        params = FeedParameters(root, urlsplit(root).hostname or "", url)
        found.home_feeds = [
            feed for feed in determine_feed(home.text(), params) if _same_site(feed, root)
        ]
    for fetched in guessed:  # as served: a redirect's target is the source to crawl
        if fetched.ok and (kind := document_kind(fetched.body)):
            found.guessed[fetched.url] = kind
    return found


def document_kind(body: bytes) -> str | None:
    """ "sitemap" or "feed" when ``body`` is one, else None (a guessed path answering with the
    home page or a soft 404 is neither)."""
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return None
    if open_sitemap(body) is not None:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    return None


def _same_site(url: str, root: str) -> bool:
    """Whether ``url`` is on the site's host or a subdomain (feeds.example.vn), as the
    registry's ``domains`` own hosts."""
    host, domain = _domain(url), _domain(root)
    return host == domain or host.endswith("." + domain)


def _unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(urls))


# -- article rules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    allow: tuple[str, ...]  # empty: the registry's generic article shape
    deny: tuple[str, ...]
    covered: int  # listed URLs the allow rules match
    total: int


def _path(url: str) -> str:
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return "/"


def _id_rule(path: str) -> tuple[str, str, int] | None:
    """(prefix before the id, extension, digits) when the last segment ends in a numeric id:
    ``-4301234.html`` → ("-", ".html", 7), ``-post123.vov`` → ("-post", ".vov", 3),
    ``/gen/12.html`` → ("/gen/", ".html", 2)."""
    segments = path.rstrip("/").split("/")
    match = _ID_LEAF.match(segments[-1].lower())
    if not match:
        return None
    head = match["head"]
    if not head:  # the segment is the id: its directory is the shape
        prefix = "/".join(segments[-2:-1]) + "/"
        return "/" + prefix if len(segments) > 2 else "/", match["ext"] or "", len(match["digits"])
    tail = _ID_PREFIX.search(head)
    if tail is None:  # digits glued to a word (covid19): no id
        return None
    return tail[0], match["ext"] or "", len(match["digits"])


def _escape(text: str) -> str:
    """``re.escape`` without its escaping of "-", needless outside a class: the rule reads as
    the URL does."""
    return re.escape(text).replace("\\-", "-")


def _id_pattern(prefix: str, ext: str, digits: int) -> str:
    count = r"\d+" if digits <= 1 else rf"\d{{{digits},}}"
    return f"{_escape(prefix)}{count}{_escape(ext)}$"


def _id_digits(lengths: list[int]) -> int:
    """The fewest digits an article id has: the ids' usual length, less two for older, shorter
    ids; far shorter numbers (``/thoi-su/trang-2.htm``, a listing's page) are no ids."""
    usual = Counter(lengths).most_common(1)[0][0]
    return min(length for length in lengths if length >= usual - 2)


def _date_pattern(paths: Sequence[str]) -> str | None:
    dated = [p for p in paths if _DATE_PATH.search(p)]
    return r"/(?:19|20)\d\d/[01]\d/" if len(dated) >= max(2, len(paths) / 2) else None


def _directory_pattern(paths: Sequence[str]) -> str | None:
    """The one first directory most URLs share, when their last segments are slugs."""
    firsts = Counter(p.split("/")[1] for p in paths if p.count("/") >= 2 and p.split("/")[1])
    if not firsts:
        return None
    directory, count = firsts.most_common(1)[0]
    return f"/{_escape(directory)}/[^/]+" if count > len(paths) / 2 else None


def propose_rules(urls: Sequence[str], seen: Iterable[str] = ()) -> Rules:
    """``article_allow``/``article_deny`` from the URLs a site's sources list (mostly articles)
    and the other URLs ``seen`` on it (its home page's links: sections, tags, media)."""
    paths = [_path(url) for url in urls]
    lengths: dict[tuple[str, str], list[int]] = defaultdict(list)  # of the ids, by shape
    for path in paths:
        if (rule := _id_rule(path)) is not None:
            lengths[rule[:2]].append(rule[2])
    shapes = sorted(lengths.items(), key=lambda shape: -len(shape[1]))
    allow = [
        _id_pattern(*key, _id_digits(found))
        for key, found in shapes
        if len(found) >= max(2, _MIN_SHARE * len(paths))
    ]
    if not allow:
        allow = [p for p in (_date_pattern(paths) or _directory_pattern(paths),) if p]
    compiled = [re.compile(p) for p in allow]
    covered = sum(any(p.search(path) for p in compiled) for path in paths)
    return Rules(tuple(allow), _deny_rules([*urls, *seen]), covered, len(paths))


def _deny_rules(urls: Iterable[str]) -> tuple[str, ...]:
    """``/video/``-style rules for the first path segments of ``urls`` that the registry's
    generic rules know as never articles (the registry's own vocabulary, so one list)."""
    generic = Site(key="", name="", domains=("example.invalid",))
    segments = {_path(url).split("/")[1] for url in urls if _path(url).count("/") >= 1}
    return tuple(
        sorted(
            f"/{segment}/"
            for segment in segments
            if segment
            and generic.article_verdict(f"http://example.invalid/{segment}/")
            == Skip.URL_NON_ARTICLE_SECTION
        )
    )


# -- the entry ---------------------------------------------------------------------------------


@dataclass
class Proposal:
    """The entry proposed for a site, and what it was made from."""

    key: str
    name: str
    domains: list[str]
    language: str | None
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    rules: Rules = Rules((), (), 0, 0)
    offsets: list[str] = field(default_factory=list)  # of the sampled dates ("": none)

    def toml(self) -> str:
        lines = [
            f"[{self.key}]",
            f"name = {toml_string(self.name)}",
            f"domains = {toml_list(self.domains)}",
        ]
        if self.language:
            lines.append(f"language = {toml_string(self.language)}")
        lines.append(
            f'# timezone = "Area/City"  # for dates published without an offset'
            f"{self._sampled_offsets()}"
        )
        for key, values in (
            ("sitemaps", self.sitemaps),
            ("feeds", self.feeds),
            ("listings", self.listings),
        ):
            if values:
                lines.append(f"{key} = {toml_list(values)}")
        if self.rules.allow:
            lines.append(f"article_allow = {toml_list(self.rules.allow, literal=True)}")
        else:
            lines.append("# no article_allow: the registry's generic article shape applies")
        if self.rules.deny:
            lines.append(f"article_deny = {toml_list(self.rules.deny, literal=True)}")
        return "\n".join(lines) + "\n"

    def _sampled_offsets(self) -> str:
        given = sorted({offset for offset in self.offsets if offset})
        naive = self.offsets.count("")
        parts = ([f"sampled dates carry {', '.join(given)}"] if given else []) + (
            [f"{naive} sampled date(s) without an offset"] if naive else []
        )
        return f" ({'; '.join(parts)})" if parts else ""

    def site(self) -> Site:
        """The entry as the registry loads it (``RegistryError`` if it would not load)."""
        return parse_registry(self.toml(), f"the entry for {self.key}")[self.key]


def toml_string(value: str, *, literal: bool = False) -> str:
    """A TOML string: literal ('...') for regexes, so that backslashes read as written."""
    if literal and "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def toml_list(values: Iterable[str], *, literal: bool = False) -> str:
    return "[" + ", ".join(toml_string(v, literal=literal) for v in values) + "]"


def site_key(url: str) -> str:
    """A registry key from the host: ``www.tinnhanh.vn`` → ``tinnhanh``, an address → its
    digits joined by dashes."""
    host = (urlsplit(url).hostname or "site").lower().removeprefix("www.")
    label = host if re.fullmatch(r"[\d.:]+", host) else host.split(".")[0]
    return _KEY_CHARACTERS.sub("-", label).strip("-") or "site"


def _domain(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def site_name(home: Fetched, fallback: str) -> str:
    """The home page's site name (og:site_name and the like, read by trafilatura), else the
    last part of its title ("Trang chủ - Báo Sông Hồng"), else ``fallback``."""
    if not home.ok:
        return fallback
    declared = (extract_metadata(home.text(), default_url=home.url).sitename or "").strip()
    if declared and not _HOST_LIKE.fullmatch(declared):  # trafilatura's fallback is the host
        return declared
    try:
        title = lxml.html.fromstring(home.text()).findtext(".//title") or ""
    except (ParserError, ValueError):
        title = ""
    return _TITLE_PARTS.split(title.strip())[-1].strip() or fallback


def declared_language(home: Fetched) -> str | None:
    """The primary subtag of the home page's ``<html lang>``."""
    if not home.ok:
        return None
    try:
        lang = lxml.html.fromstring(home.text()).get("lang") or ""
    except (ParserError, ValueError):
        return None
    primary = re.split(r"[-_]", lang.strip().lower())[0]
    return primary if re.fullmatch("[a-z]{2}", primary) else None


# -- the whole run -----------------------------------------------------------------------------


@dataclass
class Onboarding:
    url: str
    discovery: Discovery
    proposal: Proposal
    reads: list[SourceRead]  # the sources of the entry
    left_out: list[tuple[SourceRead, str]]  # sources found but not proposed, and why
    samples: list[Sample]


async def onboard(
    url: str, fetch: Fetch, options: CleaningOptions, *, key: str | None = None
) -> Onboarding:
    """Discover ``url``'s sources, propose its entry, and judge a few of its articles."""
    fetch = remembering(fetch)
    found = await discover(url, fetch)
    domain = _domain(found.home.url if found.home.ok else url)
    proposal = Proposal(
        key=key or site_key(url),
        name=site_name(found.home, domain),
        domains=[domain],
        language=declared_language(found.home),
    )
    scope = Site(
        key=proposal.key,
        name=proposal.name,
        domains=(domain,),
        sitemaps=tuple(found.sitemaps),
        feeds=tuple(found.feeds),
        listings=(url,),
    )
    reads = await _read_all(scope, found, fetch)
    if not any(read.failure is None and read.found for read in reads):
        # no sitemap or feed that lists anything: the home page as a listing
        reads.append(await read_source(url, "listing", scope, fetch))
    usable = [read for read in reads if read.failure is None and read.found]
    listed = [entry["loc"] for read in usable for entry in read.entries]
    home_links = [e["loc"] for r in reads if r.kind == "listing" for e in r.entries]
    proposal.rules = propose_rules(listed, home_links or _home_links(found.home, scope))
    kept, left_out = _choose_sources(reads, _with_rules(scope, proposal.rules))
    for read in kept:
        getattr(proposal, read.kind + "s").append(read.url)
    site = proposal.site()
    samples = await _sample(kept, site, options, fetch)
    if proposal.language is None and (language := _sampled_language(samples)):
        proposal.language = language  # now known: judged again with the language check
        site = proposal.site()
        samples = await _sample(kept, site, options, fetch)
    # an ISO 8601 moment: its offset follows the seconds (Z, +07:00), or it has none
    proposal.offsets = [s.published[19:] for s in samples if s.published and "T" in s.published]
    return Onboarding(url, found, proposal, kept, left_out, samples)


async def _read_all(scope: Site, found: Discovery, fetch: Fetch) -> list[SourceRead]:
    reads = await asyncio.gather(
        *(read_source(u, "sitemap", scope, fetch) for u in found.sitemaps),
        *(read_source(u, "feed", scope, fetch) for u in found.feeds),
    )
    # a sitemap an index already lists is read through it
    listed = {child for read in reads for child in read.children}
    return [read for read in reads if read.url not in listed]


def _home_links(home: Fetched, scope: Site) -> list[str]:
    return listing_links(home, scope) if home.ok else []


def _with_rules(scope: Site, rules: Rules) -> Site:
    return replace(
        scope,
        article_allow=tuple(map(re.compile, rules.allow)),
        article_deny=tuple(map(re.compile, rules.deny)),
    )


def _choose_sources(
    reads: Sequence[SourceRead], site: Site
) -> tuple[list[SourceRead], list[tuple[SourceRead, str]]]:
    """The sources a crawl would find articles in; the others, with why they are left out
    (a crawl would count them as unhealthy)."""
    kept: list[SourceRead] = []
    left_out: list[tuple[SourceRead, str]] = []
    for read in reads:
        if read.failure is not None:
            left_out.append((read, read.failure))
        elif not read.found:
            left_out.append((read, "lists no URL"))
        elif read.entries and not article_entries(read, site):
            left_out.append((read, f"none of its {len(read.entries)} URLs is an article"))
        elif read.children and not read.entries:
            left_out.append((read, "no article in the child sitemaps read"))
        else:
            kept.append(read)
    return kept, left_out


async def _sample(
    reads: Sequence[SourceRead], site: Site, options: CleaningOptions, fetch: Fetch
) -> list[Sample]:
    chosen = pick_samples(reads, site, per_source=SAMPLES)
    # one source after the other, so that the few samples come from as many sources as can be
    entries = [
        entry for round_ in zip_longest(*chosen.values()) for entry in round_ if entry is not None
    ][:SAMPLES]
    judged = await judge_articles(entries, site, options, fetch)
    return list(judged.values())


def _sampled_language(samples: Sequence[Sample]) -> str | None:
    declared = Counter(s.declared_language for s in samples if s.declared_language)
    if declared:
        return declared.most_common(1)[0][0]
    detected = Counter(detect_language(s.first_words) for s in samples if s.first_words)
    return detected.most_common(1)[0][0] if detected else None


def check_entry(text: str, key: str) -> None:
    """Raise ``RegistryError`` unless ``text`` loads with the registry's loader and has
    ``key``."""
    if key not in parse_registry(text, "the proposed entry"):
        raise RegistryError(f"the proposed entry has no site {key!r}")
