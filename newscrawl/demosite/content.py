"""Article data of the demo sites: the model, loading from data/*.json, and publish/update state."""

import json
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).with_name("data")
KINDS = ("paper", "farm")


@dataclass(frozen=True)
class Teaser:
    """A teaser of another article printed inside the article container (seed 000)."""

    caption: str
    headline: str
    lead: str


@dataclass(frozen=True)
class PageStyle:
    """How an article page is rendered and served; none of this is article content."""

    layout: str = "vne"  # vne | dantri | vov | ngaynay | farm
    # full: meta + JSON-LD with offset; naive: JSON-LD without offset; visible: page text only
    dates: str = "full"
    encoding: str = "utf-8"  # utf-8 | cp1258 | utf-8-lying-meta
    audio: bool = False
    figure_after: int = 1  # body paragraphs before the figure
    related: tuple[str, ...] = ()  # slugs for the in-body "Tin liên quan" list
    teasers: tuple[Teaser, ...] = ()
    link_list: tuple[str, ...] = ()  # farm "·" link list
    redirect_from: str | None = None  # every link uses this path, which answers 301
    alias_path: str | None = None  # a second URL serving the page (canonical = url_path)
    flaky: bool = False  # first request answers 500


@dataclass(frozen=True)
class Article:
    """One article as a correct crawler should see it (headline/body/dates are the served ones)."""

    slug: str
    url_path: str
    section: str
    headline: str
    description: str
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...]
    date_published: str
    date_modified: str
    image_url: str
    source_credit: str | None = None
    hidden: bool = False
    kind: str = "article"
    expected: dict[str, str] = field(default_factory=dict, hash=False)
    dateline: str = ""  # lead prefix such as "(Tin Nhanh) - "
    image_caption: str = ""
    footer_lines: tuple[str, ...] = ()  # credit/byline lines printed after the body
    tags: tuple[str, ...] = ()
    page: PageStyle = PageStyle()

    @property
    def link_path(self) -> str:
        """The path the site links to (an old, redirecting URL for one article)."""
        return self.page.redirect_from or self.url_path

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.date_published)

    @property
    def modified(self) -> datetime:
        return datetime.fromisoformat(self.date_modified)


@dataclass(frozen=True)
class Special:
    """A non-article or broken URL the site links to (see routes for the behaviour of each kind)."""

    path: str
    kind: str
    section: str
    title: str
    in_sitemap: bool
    lines: tuple[str, ...] = ()  # text of the page (video description, live entries, captions...)


@dataclass(frozen=True)
class SiteInfo:
    name: str
    registry_name: str
    publisher: str
    tagline: str
    image_host: str
    sections: dict[str, str]
    footer: tuple[str, ...]
    comments: tuple[tuple[str, str], ...]  # (reader name, text)


@dataclass(frozen=True)
class SiteData:
    info: SiteInfo
    articles: tuple[Article, ...]
    specials: tuple[Special, ...]


def slugify(text: str) -> str:
    """Vietnamese text to an ASCII URL slug, as the papers build their URLs."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = plain.encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)


def load_site(kind: str) -> SiteData:
    if kind not in KINDS:
        raise ValueError(f"unknown demo site kind {kind!r}; expected one of {KINDS}")
    raw = _read_json(kind)
    info = _site_info(raw["site"])
    specials = tuple(Special(**{**item, "lines": tuple(item["lines"])}) for item in raw["specials"])
    if kind == "paper":
        articles = tuple(_article(item, info) for item in raw["articles"])
    else:
        paper = {a.slug: a for a in load_site("paper").articles}
        articles = tuple(_farm_article(item, info, paper) for item in raw["articles"])
    return SiteData(info, articles, specials)


def _read_json(kind: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / f"{kind}.json").read_text(encoding="utf-8"))


def _site_info(raw: dict[str, Any]) -> SiteInfo:
    comments = tuple((c["name"], c["text"]) for c in raw["comments"])
    return SiteInfo(
        name=raw["name"],
        registry_name=raw["registry_name"],
        publisher=raw["publisher"],
        tagline=raw["tagline"],
        image_host=raw["image_host"],
        sections=dict(raw["sections"]),
        footer=tuple(raw["footer"]),
        comments=comments,
    )


def _page_style(raw: dict[str, Any]) -> PageStyle:
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    values["teasers"] = tuple(Teaser(**t) for t in raw.get("teasers", ()))
    return PageStyle(**values)


def _article(raw: dict[str, Any], info: SiteInfo) -> Article:
    return Article(
        slug=raw["slug"],
        url_path=f"/{raw['section']}/{raw['slug']}.html",
        section=raw["section"],
        headline=raw["headline"],
        description=raw["description"],
        paragraphs=tuple(raw["paragraphs"]),
        authors=tuple(raw["authors"]),
        date_published=raw["date_published"],
        date_modified=raw.get("date_modified", raw["date_published"]),
        image_url=f"{info.image_host}/{raw['image']}",
        source_credit=raw.get("source_credit"),
        hidden=raw.get("hidden", False),
        kind=raw.get("kind", "article"),
        expected=dict(raw.get("expected", {})),
        dateline=raw.get("dateline", ""),
        image_caption=raw.get("image_caption", ""),
        footer_lines=tuple(raw.get("footer_lines", ())),
        tags=tuple(raw.get("tags", ())),
        page=_page_style(raw.get("page", {})),
    )


def _farm_article(raw: dict[str, Any], info: SiteInfo, paper: dict[str, Article]) -> Article:
    if "copy_of" not in raw:
        return _article(raw, info)
    # A farm copy: the paper's text with the entry's overrides and word edits, no byline.
    original = paper[raw["copy_of"]]
    kind = raw["kind"]
    if kind == "near-duplicate":
        kind = f"near-duplicate-of:{original.slug}"
    expected = {"copy_of": original.slug, **raw.get("expected", {})}
    if kind == "spam-title":
        expected["clean_headline"] = original.headline
    edits = [tuple(pair) for pair in raw.get("edits", {}).get("replace", ())]
    return replace(
        original,
        slug=raw["slug"],
        url_path=f"/tin-tuc/{raw['slug']}.html",
        section="tin-tuc",
        headline=raw.get("headline", original.headline),
        description=_edit(original.description, edits),
        paragraphs=tuple(_edit(p, edits) for p in original.paragraphs),
        authors=(),
        date_published=raw["date_published"],
        date_modified=raw["date_published"],
        kind=kind,
        expected=expected,
        dateline=raw.get("dateline", original.dateline),
        footer_lines=tuple(raw.get("footer_lines", original.footer_lines)),
        tags=(),
        page=PageStyle(layout="farm", dates="visible"),
    )


def _edit(text: str, edits: Iterable[tuple[str, str]]) -> str:
    for old, new in edits:
        text = text.replace(old, new)
    return text


class Catalog:
    """The articles of one running site with their publish/update state; thread-safe."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self._lock = threading.Lock()
        self._originals = {a.slug: a for a in articles}
        self._by_path = {a.url_path: a.slug for a in self._originals.values()}
        self._published: set[str] = set()
        self._updates: dict[str, int] = {}

    def publish(self, slug: str) -> None:
        with self._lock:
            self._require(slug)
            self._published.add(slug)

    def update(self, slug: str) -> None:
        with self._lock:
            self._require(slug)
            self._updates[slug] = self._updates.get(slug, 0) + 1

    def get(self, slug: str) -> Article:
        with self._lock:
            self._require(slug)
            return self._current(slug)

    def by_path(self, path: str) -> Article | None:
        """The visible article served at url_path `path`."""
        slug = self._by_path.get(path)
        if slug is None:
            return None
        article = self.get(slug)
        return None if article.hidden else article

    def articles(self, *, visible_only: bool = True) -> list[Article]:
        """Newest first."""
        with self._lock:
            current = [self._current(slug) for slug in self._originals]
        if visible_only:
            current = [a for a in current if not a.hidden]
        return sorted(current, key=lambda a: a.published, reverse=True)

    def _require(self, slug: str) -> None:
        if slug not in self._originals:
            raise KeyError(f"no article with slug {slug!r}")

    def _current(self, slug: str) -> Article:
        article = self._originals[slug]
        if slug in self._published:
            article = replace(article, hidden=False)
        count = self._updates.get(slug, 0)
        return _updated(article, count) if count else article


def _updated(article: Article, count: int) -> Article:
    """The article after `count` updates: later dateModified, changed last body sentence."""
    modified = max(article.modified, article.published) + timedelta(hours=count)
    when = f"{modified:%H:%M} ngày {modified.day}/{modified.month}"
    note = f"Bài viết được cập nhật lần {count} lúc {when}."
    paragraphs = (*article.paragraphs[:-1], f"{article.paragraphs[-1]} {note}")
    return replace(article, date_modified=modified.isoformat(), paragraphs=paragraphs)
