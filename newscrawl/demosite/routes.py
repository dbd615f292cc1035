"""URL routing of the demo sites: the response each request path gets."""

import gzip
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import feeds
from .content import Article, Catalog, SiteData, Special, slugify
from .cp1258 import encode_cp1258
from .generated import (
    generated_article,
    generated_dates,
    generated_headline,
    generated_path,
    sitemap_count,
    sitemap_indices,
)
from .pages import UTF8_META, FarmPages, Link, PaperPages

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
ICT = timezone(timedelta(hours=7))
ARCHIVE_BEFORE = datetime(2021, 6, 11, tzinfo=ICT)  # older articles sit in the .xml.gz sitemap
PAGE_SIZE = 5  # teasers per listing page
NEWS_SITEMAP_SIZE = 12
FEED_SIZE = 20
UTM = "utm_source=rss&utm_medium=feed&utm_campaign=tin-moi-nhat"
PDF_BODY = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The feedless variant's sitemap index: at no common path, so only its robots.txt names it.
FEEDLESS_SITEMAP = "/so-do-trang/chi-muc.xml"
GEN_SITEMAP = re.compile(r"/sitemap-gen-(\d+)\.xml")
GEN_PAGE = re.compile(r"/gen/(\d+)\.html")
LISTING = re.compile(r"/(?P<section>[a-z-]+?)(?:-p(?P<page>\d+))?")
TAG = re.compile(r"/tag/(?P<slug>[a-z0-9-]+)")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"))


def xml_response(text: str) -> Response:
    return Response(200, text.encode("utf-8"), XML)


def redirect(location: str) -> Response:
    body = f'<html><body><a href="{escape(location)}">Moved</a></body></html>'.encode()
    return Response(301, body, headers=(("Location", location),))


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


# Page encoding → (charset meta tag, Content-Type header, encoder).
ENCODINGS: dict[str, tuple[str, str, Callable[[str], bytes]]] = {
    "utf-8": (UTF8_META, HTML, str.encode),
    "cp1258": (
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">',
        "text/html; charset=windows-1258",
        encode_cp1258,
    ),
    # The meta tag lies and the header is silent: only the bytes (UTF-8) tell the truth.
    "utf-8-lying-meta": ('<meta charset="iso-8859-1">', "text/html", str.encode),
}


class SiteRoutes:
    """Routes shared by both sites: article pages, generated pages and their sitemaps."""

    pages_class: type[PaperPages] = PaperPages

    def __init__(
        self, data: SiteData, catalog: Catalog, base: str, generated: int, feeds: bool = True
    ) -> None:
        self.data = data
        self.catalog = catalog
        self.base = base
        self.generated = generated
        self.feeds = feeds
        self.pages = self.pages_class(data.info, base, feeds=feeds)
        self._lock = threading.Lock()
        self._request_counts: dict[str, int] = {}
        self._static = self.static_routes()

    def respond(self, target: str) -> Response:
        parts = urlsplit(target)
        path = unquote(parts.path)
        static = self._static.get(path)
        response = static() if static else self.dynamic(path, parse_qs(parts.query))
        return response or self.not_found()

    def static_routes(self) -> dict[str, Callable[[], Response | None]]:
        return {"/robots.txt": self.robots, "/sitemap-gen-index.xml": self.gen_index}

    def dynamic(self, path: str, query: dict[str, list[str]]) -> Response | None:
        article = self.catalog.by_path(path)
        if article:
            return self.article_response(article)
        if match := GEN_PAGE.fullmatch(path):
            return self.gen_page(int(match[1]))
        if match := GEN_SITEMAP.fullmatch(path):
            return self.gen_sitemap(int(match[1]))
        return None

    def not_found(self) -> Response:
        page = self.pages.simple(
            "Không tìm thấy trang", "/404", "<p>Trang bạn tìm không tồn tại.</p>"
        )
        return html_response(page, 404)

    def first_request(self, path: str) -> bool:
        with self._lock:
            count = self._request_counts.get(path, 0)
            self._request_counts[path] = count + 1
        return count == 0

    def robots(self) -> Response:
        text = feeds.robots_txt(self.base, self.disallow(), self.sitemap_path)
        if self.generated:
            text += f"Sitemap: {self.base}/sitemap-gen-index.xml\n"
        return Response(200, text.encode(), "text/plain; charset=utf-8")

    def disallow(self) -> Sequence[str]:
        return ()

    @property
    def sitemap_path(self) -> str:
        return "/sitemap.xml" if self.feeds else FEEDLESS_SITEMAP

    # -- articles ---------------------------------------------------------------------------

    def article_response(self, article: Article) -> Response:
        if article.page.flaky and self.first_request(article.url_path):
            return html_response(
                self.pages.simple("Lỗi máy chủ", "/500", "<p>Vui lòng thử lại.</p>"), 500
            )
        return self.render(article, **self.article_context(article))

    def render(self, article: Article, **context: Any) -> Response:
        meta, content_type, encode = ENCODINGS[article.page.encoding]
        text = self.pages.article(article, charset_meta=meta, **context)
        headers = (("Last-Modified", http_date(article.modified)),)
        return Response(200, encode(text), content_type, headers)

    def article_context(self, article: Article) -> dict[str, Any]:
        """Keyword arguments of pages.article besides the article."""
        return {}

    def link(self, article: Article, path: str | None = None) -> Link:
        href = self.base + (path or article.link_path)
        return Link(href, article.headline, article.description, article.image_url)

    def latest_links(self, count: int, exclude: Article | None = None) -> list[Link]:
        others = [a for a in self.catalog.articles() if a != exclude]
        return [self.link(a) for a in others[:count]]

    # -- generated pages --------------------------------------------------------------------

    def gen_page(self, index: int) -> Response | None:
        if not 0 <= index < self.generated:
            return None
        article = generated_article(index, self.data.info.image_host)
        neighbours = [(index + step) % self.generated for step in (1, 2, 7)]
        links = [Link(self.base + generated_path(i), generated_headline(i)) for i in neighbours]
        return self.render(article, most_read=links)

    def gen_index(self) -> Response | None:
        if not self.generated:
            return None
        count = sitemap_count(self.generated)
        locs = [(f"{self.base}/sitemap-gen-{k}.xml", None) for k in range(1, count + 1)]
        return xml_response(feeds.sitemap_index(locs))

    def gen_sitemap(self, number: int) -> Response | None:
        if not 1 <= number <= sitemap_count(self.generated):
            return None
        entries = (
            (self.base + generated_path(i), generated_dates(i)[1].isoformat())
            for i in sitemap_indices(number, self.generated)
        )
        return xml_response(feeds.urlset(entries))


class PaperRoutes(SiteRoutes):
    """The paper "Tin Nhanh": sections, tags, sitemaps, feeds and the broken/special URLs."""

    def __init__(
        self, data: SiteData, catalog: Catalog, base: str, generated: int, feeds: bool = True
    ) -> None:
        super().__init__(data, catalog, base, generated, feeds)
        articles = catalog.articles(visible_only=False)
        self.specials = {s.path: s for s in data.specials}
        self.redirects = {
            a.page.redirect_from: a.url_path for a in articles if a.page.redirect_from
        }
        self.aliases = {a.page.alias_path: a.url_path for a in articles if a.page.alias_path}

    def static_routes(self) -> dict[str, Callable[[], Response | None]]:
        feed_routes = {
            "/rss/tin-moi-nhat.rss": self.rss,
            "/rss/the-gioi.atom": self.atom,
            "/rss/broken.rss": self.broken_rss,
        }
        return {
            **super().static_routes(),
            "/": self.home,
            "/anh": self.gallery_index,
            self.sitemap_path: self.sitemap_index,
            "/sitemap-news.xml": self.news_sitemap,
            "/sitemap-articles.xml": self.articles_sitemap,
            "/sitemap-archive.xml.gz": self.archive_sitemap,
            "/sitemap-broken.xml": self.broken_sitemap,
            **(feed_routes if self.feeds else {}),
        }

    def disallow(self) -> Sequence[str]:
        return ("/admin/", "/tim-kiem")

    def dynamic(self, path: str, query: dict[str, list[str]]) -> Response | None:
        if path == "/tim-kiem":
            return self.search(query.get("q", [""])[0])
        if path in self.specials:
            return self.special(self.specials[path])
        if path in self.redirects:
            return redirect(self.base + self.redirects[path])
        if path in self.aliases:
            article = self.catalog.by_path(self.aliases[path])
            return self.article_response(article) if article else None
        if match := LISTING.fullmatch(path):
            return self.listing(
                match["section"], int(match["page"] or 1), explicit=bool(match["page"])
            )
        if match := TAG.fullmatch(path):
            return self.tag(match["slug"])
        return super().dynamic(path, query)

    def article_context(self, article: Article) -> dict[str, Any]:
        visible = self.catalog.articles()
        related = [a for slug in article.page.related for a in visible if a.slug == slug]
        same_section = [a for a in visible if a.section == article.section and a != article]
        return {
            "inline_related": related,
            "more": [self.link(a) for a in same_section[:3]],
            "most_read": self.latest_links(5, exclude=article),
        }

    # -- listings ---------------------------------------------------------------------------

    def home(self) -> Response:
        links = self.latest_links(10)
        page = self.pages.listing("Tin mới nhất", "/", links, sidebar=self.listing_sidebar(None))
        return html_response(page)

    def section_links(self, section: str) -> list[Link]:
        """Teasers of a section page: its articles and aliases (newest first), then special URLs."""
        visible = self.catalog.articles()
        entries = [(a, a.link_path) for a in visible if a.section == section]
        entries += [
            (a, a.page.alias_path)
            for a in visible
            if a.page.alias_path and a.page.alias_path.startswith(f"/{section}/")
        ]
        entries.sort(key=lambda entry: entry[0].published, reverse=True)
        specials = [
            Link(self.base + s.path, s.title) for s in self.data.specials if s.section == section
        ]
        return [self.link(a, path) for a, path in entries] + specials

    def listing(self, section: str, page: int, *, explicit: bool) -> Response | None:
        if section not in self.data.info.sections or (explicit and page < 2):
            return None
        links = self.section_links(section)
        pages = -(-len(links) // PAGE_SIZE)
        if page > pages:
            return None
        name = self.data.info.sections[section]
        path = f"/{section}" if page == 1 else f"/{section}-p{page}"
        title = name if page == 1 else f"{name} - Trang {page}"
        html_text = self.pages.listing(
            title,
            path,
            links[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            pager=self.pages.pager(section, page, pages),
            sidebar=self.listing_sidebar(section),
            most_read=self.latest_links(5),
        )
        return html_response(html_text)

    def listing_sidebar(self, section: str | None) -> str:
        media = [(s.path, s.title) for s in self.data.specials if s.kind in ("video", "live")]
        media.append(("/anh", "Ảnh"))
        searches = [(f"/tim-kiem?q={q}", q.replace("+", " ")) for q in ("giá+vàng", "xổ+số")]
        tags = sorted(
            {t for a in self.catalog.articles() if section in (None, a.section) for t in a.tags}
        )
        return "\n".join(
            (
                self.pages.sidebar_links(media, "Đa phương tiện"),
                self.pages.sidebar_links(searches, "Tìm kiếm nhiều"),
                self.pages.sidebar_links(((f"/tag/{slugify(t)}", t) for t in tags), "Chủ đề"),
            )
        )

    def tag(self, slug: str) -> Response | None:
        tagged = [a for a in self.catalog.articles() if slug in map(slugify, a.tags)]
        if not tagged:
            return None
        name = next(t for t in tagged[0].tags if slugify(t) == slug)
        links = [self.link(a) for a in tagged]
        return html_response(self.pages.listing(f"Chủ đề: {name}", f"/tag/{slug}", links))

    def search(self, query: str) -> Response:
        content = f"<p>Kết quả tìm kiếm cho “{escape(query)}”: chức năng tạm ngừng.</p>"
        return html_response(self.pages.simple("Tìm kiếm", "/tim-kiem", content))

    def gallery_index(self) -> Response:
        galleries = [
            Link(self.base + s.path, s.title) for s in self.data.specials if s.kind == "gallery"
        ]
        return html_response(self.pages.listing("Ảnh", "/anh", galleries))

    # -- special URLs -----------------------------------------------------------------------

    def special(self, special: Special) -> Response | None:
        if special.kind == "not-found":
            return None
        if special.kind == "empty":
            return Response(200, b"")
        if special.kind == "pdf":
            return Response(200, PDF_BODY, "application/pdf")
        if special.kind == "listing-as-article":
            links = [self.link(a) for a in self.catalog.articles()]
            page = self.pages.listing(
                special.title, special.path, links, most_read=self.latest_links(5)
            )
            return html_response(page)
        return html_response(self.special_page(special))

    def special_page(self, special: Special) -> str:
        """Video, live blog, gallery and the robots-disallowed draft: heading plus short lines."""
        og_type = {"video": "video.other", "robots-disallowed": "article"}.get(
            special.kind, "website"
        )
        blocks = {
            "video": '<div class="box-video"><video controls preload="none" '
            'src="https://v.tinnhanh.example/2021/06/16/viet-nam-uae.mp4"></video></div>',
            "live": '<div class="live-status">Đang diễn ra</div>',
        }
        lines = "\n".join(f"<p>{escape(line)}</p>" for line in special.lines)
        content = (
            f'{blocks.get(special.kind, "")}\n<div class="{special.kind}-content">{lines}</div>'
        )
        return self.pages.simple(special.title, special.path, content, og_type)

    # -- sitemaps and feeds -----------------------------------------------------------------

    def sitemap_parts(self) -> tuple[list[Article], list[Article]]:
        """Visible articles split into (current, archive)."""
        visible = self.catalog.articles()
        current = [a for a in visible if a.published >= ARCHIVE_BEFORE]
        return current, [a for a in visible if a.published < ARCHIVE_BEFORE]

    def sitemap_index(self) -> Response:
        current, archive = self.sitemap_parts()
        news = self.catalog.articles()[:NEWS_SITEMAP_SIZE]
        entries = [
            (f"{self.base}/sitemap-news.xml", latest_modified(news)),
            (f"{self.base}/sitemap-articles.xml", latest_modified(current)),
            (f"{self.base}/sitemap-archive.xml.gz", latest_modified(archive)),
            (f"{self.base}/sitemap-broken.xml", None),
        ]
        return xml_response(feeds.sitemap_index(entries))

    def news_sitemap(self) -> Response:
        entries = [
            (self.base + a.link_path, a) for a in self.catalog.articles()[:NEWS_SITEMAP_SIZE]
        ]
        return xml_response(feeds.news_urlset(entries, self.data.info.name))

    def article_entries(self, articles: Sequence[Article]) -> list[tuple[str, str | None]]:
        return [(self.base + a.link_path, a.date_modified) for a in articles]

    def articles_sitemap(self) -> Response:
        current, _ = self.sitemap_parts()
        specials: list[tuple[str, str | None]] = [
            (self.base + s.path, None) for s in self.data.specials if s.in_sitemap
        ]
        return xml_response(feeds.urlset(self.article_entries(current) + specials))

    def archive_sitemap(self) -> Response:
        _, archive = self.sitemap_parts()
        body = gzip.compress(feeds.urlset(self.article_entries(archive)).encode(), mtime=0)
        return Response(200, body, "application/x-gzip")

    def broken_sitemap(self) -> Response:
        current, _ = self.sitemap_parts()
        return xml_response(feeds.truncated(feeds.urlset(self.article_entries(current[:4])), "url"))

    def rss_document(self) -> str:
        items = [
            (f"{self.base}{a.link_path}?{UTM}", self.base + a.url_path, a)
            for a in self.catalog.articles()[:FEED_SIZE]
        ]
        title = f"Tin mới nhất - {self.data.info.name}"
        return feeds.rss(title, self.base + "/", f"{self.base}/rss/tin-moi-nhat.rss", items)

    def rss(self) -> Response:
        return Response(200, self.rss_document().encode(), "application/rss+xml; charset=utf-8")

    def broken_rss(self) -> Response:
        body = feeds.truncated(self.rss_document(), "item").encode()
        return Response(200, body, "application/rss+xml; charset=utf-8")

    def atom(self) -> Response:
        items = [
            (self.base + a.link_path, a) for a in self.catalog.articles() if a.section == "the-gioi"
        ]
        title = f"Thế giới - {self.data.info.name}"
        text = feeds.atom(title, self.base + "/the-gioi", f"{self.base}/rss/the-gioi.atom", items)
        return Response(200, text.encode(), "application/atom+xml; charset=utf-8")


class FarmRoutes(SiteRoutes):
    """The content farm: home page, plain sitemap, one feed and copied articles."""

    pages_class = FarmPages

    def static_routes(self) -> dict[str, Callable[[], Response | None]]:
        return {
            **super().static_routes(),
            "/": self.home,
            "/sitemap.xml": self.sitemap,
            "/feed.rss": self.rss,
        }

    def article_context(self, article: Article) -> dict[str, Any]:
        # The seed-004 link list points at old farm URLs that no longer exist (404).
        more = [
            Link(f"{self.base}/html/2017/0811/{1520 + i}.html", title)
            for i, title in enumerate(article.page.link_list)
        ]
        return {"more": more, "most_read": self.latest_links(8, exclude=article)}

    def home(self) -> Response:
        links = self.latest_links(50)
        return html_response(self.pages.listing("Tin tức", "/", links))

    def sitemap(self) -> Response:
        entries = [(self.base + a.url_path, a.date_modified) for a in self.catalog.articles()]
        return xml_response(feeds.urlset(entries))

    def rss(self) -> Response:
        items = [
            (self.base + a.url_path, self.base + a.url_path, a) for a in self.catalog.articles()
        ]
        text = feeds.rss(self.data.info.name, self.base + "/", f"{self.base}/feed.rss", items)
        return Response(200, text.encode(), "application/rss+xml; charset=utf-8")


def latest_modified(articles: Sequence[Article]) -> str | None:
    return max((a.date_modified for a in articles), default=None)


def make_routes(
    kind: str, data: SiteData, catalog: Catalog, base: str, generated: int, feeds: bool = True
) -> SiteRoutes:
    routes_class = PaperRoutes if kind == "paper" else FarmRoutes
    return routes_class(data, catalog, base, generated, feeds)
