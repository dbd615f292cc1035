"""robots.txt, sitemaps (plain, Google News, index), RSS 2.0 and Atom documents."""

from collections.abc import Iterable
from email.utils import format_datetime
from html import escape

from .content import Article

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def x(text: str) -> str:
    return escape(text, quote=True)


def robots_txt(base: str, disallow: Iterable[str] = (), sitemap: str = "/sitemap.xml") -> str:
    rules = "".join(f"Disallow: {path}\n" for path in disallow) or "Allow: /\n"
    return f"User-agent: *\n{rules}\nSitemap: {base}{sitemap}\n"


def sitemap_index(entries: Iterable[tuple[str, str | None]]) -> str:
    """`entries` are (loc, lastmod or None)."""
    items = "".join(
        f"<sitemap><loc>{x(loc)}</loc>{_lastmod(lastmod)}</sitemap>\n" for loc, lastmod in entries
    )
    return f'{XML_DECL}<sitemapindex xmlns="{SITEMAP_NS}">\n{items}</sitemapindex>\n'


def urlset(entries: Iterable[tuple[str, str | None]]) -> str:
    """A plain sitemap; `entries` are (loc, lastmod or None)."""
    items = "".join(
        f"<url><loc>{x(loc)}</loc>{_lastmod(lastmod)}</url>\n" for loc, lastmod in entries
    )
    return f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}">\n{items}</urlset>\n'


def news_urlset(entries: Iterable[tuple[str, Article]], publication: str) -> str:
    """A Google News sitemap; `entries` are (loc, article)."""
    items = "".join(
        f"<url><loc>{x(loc)}</loc><news:news><news:publication>"
        f"<news:name>{x(publication)}</news:name><news:language>vi</news:language>"
        f"</news:publication><news:publication_date>{a.date_published}</news:publication_date>"
        f"<news:title>{x(a.headline)}</news:title></news:news></url>\n"
        for loc, a in entries
    )
    return f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n{items}</urlset>\n'


def _lastmod(lastmod: str | None) -> str:
    return f"<lastmod>{lastmod}</lastmod>" if lastmod else ""


def rss(title: str, site_url: str, self_url: str, items: Iterable[tuple[str, str, Article]]) -> str:
    """RSS 2.0; `items` are (link, guid, article). Descriptions carry HTML as VnExpress's do."""
    entries = "".join(_rss_item(link, guid, a) for link, guid, a in items)
    return f"""{XML_DECL}<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{x(title)}</title>
<link>{x(site_url)}</link>
<description>{x(title)}</description>
<language>vi</language>
<atom:link href="{x(self_url)}" rel="self" type="application/rss+xml"/>
{entries}</channel>
</rss>
"""


def _rss_item(link: str, guid: str, article: Article) -> str:
    summary = (
        f'<a href="{x(link)}"><img src="{x(article.image_url)}"></a></br>{x(article.description)}'
    )
    return f"""<item>
<title>{x(article.headline)}</title>
<link>{x(link)}</link>
<description><![CDATA[{summary}]]></description>
<pubDate>{format_datetime(article.published)}</pubDate>
<guid>{x(guid)}</guid>
</item>
"""


def atom(title: str, site_url: str, self_url: str, items: Iterable[tuple[str, Article]]) -> str:
    """Atom 1.0; `items` are (link, article), newest first."""
    items = list(items)
    updated = max((a.date_modified for _, a in items), default="2021-06-01T00:00:00+07:00")
    entries = "".join(
        f"""<entry>
<title>{x(a.headline)}</title>
<link rel="alternate" type="text/html" href="{x(link)}"/>
<id>{x(link)}</id>
<published>{a.date_published}</published>
<updated>{a.date_modified}</updated>
<summary>{x(a.description)}</summary>
{"".join(f"<author><name>{x(name)}</name></author>" for name in a.authors)}
</entry>
"""
        for link, a in items
    )
    return f"""{XML_DECL}<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
<title>{x(title)}</title>
<id>{x(self_url)}</id>
<link rel="self" href="{x(self_url)}"/>
<link rel="alternate" type="text/html" href="{x(site_url)}"/>
<updated>{updated}</updated>
{entries}</feed>
"""


def truncated(document: str, tag: str, keep: int = 2) -> str:
    """The document cut just inside its (keep+1)-th <tag> element: a broken download.

    Cutting inside a tag (not mid-URL) keeps it deterministic whatever the port, and a lenient
    parser recovers exactly the first `keep` entries.
    """
    start = -1
    for _ in range(keep + 1):
        start = document.index(f"<{tag}>", start + 1)
    return document[: start + len(tag) + 6]
