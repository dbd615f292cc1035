"""Article extraction: trafilatura for the text, the page's structured data for the metadata.

trafilatura's own metadata pass (``with_metadata=True``) costs ~12 ms a page, a third of the
extraction, mostly htmldate's date search and the author and category XPaths. News pages carry
JSON-LD and <meta> that answer most fields for a fraction of that, so trafilatura extracts the
text only; its cheap metadata steps (meta tags, JSON-LD) always run, its costly ones (author
search, htmldate) only for a field still empty.

Pure functions, no Scrapy: ``extract_article`` takes decoded HTML and returns an ``Extraction``
(the article's fields) or raises ``NotExtractable`` with a reason the pipelines report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.html
import trafilatura
from htmldate import find_date
from lxml.etree import ParserError
from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title
from trafilatura.settings import Document, set_date_params

from newscrawl.dates import to_iso, visible_vietnamese_date
from newscrawl.dom import prepare_for_extraction
from newscrawl.extracted import Extraction, NotExtractable

__all__ = ["Extraction", "NotExtractable", "extract_article"]

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
                  "blogposting", "opinionnewsarticle", "backgroundnewsarticle", "report"}
# Page-level types only: WebSite and VideoObject sit on article pages too (site-wide search
# box, embedded clip), so they say nothing about the page.
_NON_ARTICLE_TYPES = {"collectionpage", "liveblogposting", "imagegallery", "searchresultspage",
                      "itemlist", "profilepage"}
_NON_ARTICLE_OG = {"video", "video.other", "video.movie", "profile", "music.song"}
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "datePublished",
                   "pubdate", "publishdate", "dc.date.issued", "date")
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "lastmod")
_LANGUAGE_META = ("og:locale", "language", "content-language")
_DATE_NODES = ("//time | //*[contains(@class, 'date') or contains(@class, 'time')]"
               "[not(ancestor::a)][string-length(normalize-space()) < 80]")
_AUTHOR_NODES = ("//*[contains(@class, 'author') or @rel='author' or @itemprop='author']"
                 "[not(ancestor::a) or @rel='author'][not(.//*[contains(@class, 'author')])]")
_MAX_NAME_WORDS = 6
_CREDIT_NODES = "//*[" + " or ".join(
    f"contains(translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), "
    f"'{name}') or contains(@id, '{name}')"
    for name in ("source", "nguon", "credit", "author", "tacgia", "byline")) + "][not(.//p)]"
_MAX_CREDIT_WORDS = 12
_MAX_CREDIT_HINTS = 5
# A page whose text is mostly link text is a listing, whatever its URL looks like. Measured on
# the demo site and the 181 pages of the ScrapingHub benchmark: listings 0.63-0.97, articles
# up to 0.70; og:type=website (also common on articles) lowers the bar.
_LISTING_LINK_DENSITY = 0.8
_WEBSITE_LINK_DENSITY = 0.5


def _json_ld_nodes(tree: lxml.html.HtmlElement) -> Iterator[Mapping[str, Any]]:
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                stack.extend(node.get("@graph", ()))
                yield node


def _types(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("@type", ())
    return {str(k).lower() for k in ([kind] if isinstance(kind, str) else kind)}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _breadcrumbs(node: Mapping[str, Any]) -> list[dict[str, str]]:
    crumbs = []
    for element in sorted(node.get("itemListElement", ()), key=lambda e: e.get("position", 0)):
        item = element.get("item")
        url = item.get("@id") if isinstance(item, dict) else item
        name = element.get("name") or (item.get("name") if isinstance(item, dict) else None)
        if name:
            crumbs.append({"name": str(name).strip(), **({"url": str(url)} if url else {})})
    return crumbs


@dataclass
class _Structured:
    """What JSON-LD and <meta> say, before trafilatura is asked."""

    article: dict[str, Any] = field(default_factory=dict)
    breadcrumbs: list[dict[str, str]] = field(default_factory=list)
    non_article_type: str | None = None


def _read_json_ld(tree: lxml.html.HtmlElement) -> _Structured:
    found = _Structured()
    for node in _json_ld_nodes(tree):
        types = _types(node)
        if types & _ARTICLE_TYPES and not found.article:
            found.article = dict(node)
        elif "breadcrumblist" in types and not found.breadcrumbs:
            found.breadcrumbs = _breadcrumbs(node)
        elif types & _NON_ARTICLE_TYPES and not found.non_article_type:
            found.non_article_type = sorted(types & _NON_ARTICLE_TYPES)[0]
    return found


_MetaIndex = dict[str, str]


def _meta_index(tree: lxml.html.HtmlElement) -> _MetaIndex:
    """Each <meta> name (property, name, itemprop or http-equiv, lowercased) to its first
    non-empty content: one pass, however many names are asked for."""
    index: _MetaIndex = {}
    for element in tree.iter("meta"):
        content = (element.get("content") or "").strip()
        if not content:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            if name := (element.get(attribute) or "").strip().lower():
                index.setdefault(name, content)
    return index


def _meta(index: _MetaIndex, names: tuple[str, ...]) -> str | None:
    return next((index[name.lower()] for name in names if name.lower() in index), None)


def _non_article_reason(tree: lxml.html.HtmlElement, structured: _Structured,
                        meta: _MetaIndex) -> str | None:
    if structured.article:
        return None
    if structured.non_article_type:
        return f"json-ld @type={structured.non_article_type}"
    og_type = meta.get("og:type", "").lower()
    if og_type in _NON_ARTICLE_OG:
        return f"og:type={og_type}"
    density = _link_density(tree)
    limit = _WEBSITE_LINK_DENSITY if og_type == "website" else _LISTING_LINK_DENSITY
    if density > limit:
        return f"listing page: link density {density:.2f}" + (
            ", og:type=website" if og_type == "website" else "")
    return None


def _link_density(tree: lxml.html.HtmlElement) -> float:
    body = tree.find("body")
    if body is None:
        return 0.0
    total = len(body.text_content().split())
    linked = sum(len(a.text_content().split()) for a in body.iter("a"))
    return linked / total if total else 0.0


def _dates(tree: lxml.html.HtmlElement, url: str, structured: _Structured, meta: _MetaIndex,
           hints: Mapping[str, str], timezone: str) -> tuple[str | None, str | None, str | None]:
    """(published, modified, where published came from): JSON-LD/meta, sitemap/feed, page."""
    candidates = (
        ("json-ld", lambda: structured.article.get("datePublished")),
        ("meta", lambda: _meta(meta, _PUBLISHED_META)),
        ("sitemap-or-feed", lambda: hints.get("published")),
        ("page", lambda: _visible_date(tree, timezone)),
        ("page", lambda: find_date(tree, url=url, **set_date_params(True))),  # htmldate, slow
    )
    published, source = None, None
    for where, value in candidates:
        found = value()
        published = to_iso(found if isinstance(found, str) else None, timezone)
        if published:
            source = where
            break
    modified = (to_iso(structured.article.get("dateModified"), timezone)
                or to_iso(_meta(meta, _MODIFIED_META), timezone)
                or to_iso(hints.get("lastmod"), timezone))
    return published, modified, source


def _byline_authors(tree: lxml.html.HtmlElement) -> list[str]:
    """Names in the page's author elements (VnExpress ``p.author_mail``, Dân Trí
    ``.author-name``): short texts only, so a whole author box does not pass for a name."""
    names = []
    for node in tree.xpath(_AUTHOR_NODES):
        text = " ".join(node.text_content().split())
        if text and len(text.split()) <= _MAX_NAME_WORDS and text not in names:
            names.append(text)
    return names


def _without_byline(text: str, authors: list[str]) -> str:
    """trafilatura keeps a closing byline paragraph; it belongs in ``authors``, not the body."""
    head, _, last = text.rstrip().rpartition("\n")
    return head if head and last.strip() in authors else text


def _credit_hints(tree: lxml.html.HtmlElement) -> tuple[str, ...]:
    """Short texts of elements whose class or id names a source or byline ("nguon-tin",
    "source", "author", "tacgia"): where papers put "Theo TTXVN" or "Nguyễn Quỳnh/VOV.VN"."""
    hints = []
    for node in tree.xpath(_CREDIT_NODES):
        text = " ".join(node.text_content().split())
        if text and len(text.split()) <= _MAX_CREDIT_WORDS and text not in hints:
            hints.append(text)
    return tuple(hints[:_MAX_CREDIT_HINTS])


def _visible_date(tree: lxml.html.HtmlElement, timezone: str) -> str | None:
    for node in tree.xpath(_DATE_NODES):
        if found := visible_vietnamese_date(node.text_content(), timezone):
            return found
    return None


def _parse(html: str) -> lxml.html.HtmlElement:
    if not html.strip():
        raise NotExtractable("empty-page")
    try:
        return lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as exc:
        raise NotExtractable("unparsable-html", str(exc)) from exc


def _main_text(tree: lxml.html.HtmlElement, url: str) -> str:
    """trafilatura's main text; it works on a copy of the tree."""
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
        include_images=False, deduplicate=False,
    )
    if document is None or not (document.text or "").strip():
        raise NotExtractable("empty-extraction", "trafilatura found no main text")
    return document.text


def _page_metadata(tree: lxml.html.HtmlElement) -> Document:
    """trafilatura's ``extract_metadata`` up to its costly steps: meta tags, then JSON-LD."""
    document = examine_meta(tree)
    if document.author and " " not in document.author:  # as extract_metadata: no lone handles
        document.author = None
    with suppress(Exception):  # as extract_metadata: bugs in trafilatura's JSON-LD code
        document = extract_meta_json(tree, document)
    document.clean_and_trim()
    return document


def _headline(tree: lxml.html.HtmlElement, structured: _Structured, document: Document,
              hints: Mapping[str, str]) -> str | None:
    headline = structured.article.get("headline")
    return ((headline.strip() if isinstance(headline, str) else None) or document.title
            or extract_title(tree) or hints.get("title"))


def _authors(tree: lxml.html.HtmlElement, structured: _Structured, document: Document
             ) -> list[str]:
    """JSON-LD, the page's byline, then trafilatura: its meta/JSON-LD reading, its search."""
    found = _names(structured.article.get("author")) or _byline_authors(tree)
    if found:
        return found
    names = document.author or extract_author(tree) or ""
    return [name.strip() for name in names.split(";") if name.strip()]


def extract_article(html: str, url: str, *, timezone: str,
                    hints: Mapping[str, str] | None = None,
                    prune_xpath: tuple[str, ...] = ()) -> Extraction:
    """Extract one article page; raise ``NotExtractable`` for pages that are not articles.

    ``prune_xpath``: the site's own boilerplate elements, removed before trafilatura runs
    with what the markup marks as boilerplate (``newscrawl.dom``)."""
    hints = hints or {}
    tree = _parse(html)
    structured = _read_json_ld(tree)
    meta = _meta_index(tree)
    if reason := _non_article_reason(tree, structured, meta):
        raise NotExtractable("not-article", reason)
    credit_hints = _credit_hints(tree)  # before pruning: the extractor drops such elements
    prepare_for_extraction(tree, prune_xpath)
    body = _main_text(tree, url)  # before the metadata fallbacks: a page without text ends here
    document = _page_metadata(tree)
    authors = _authors(tree, structured, document)
    published, modified, date_source = _dates(tree, url, structured, meta, hints, timezone)
    language = tree.get("lang") or _meta(meta, _LANGUAGE_META)
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    return Extraction(
        headline=_headline(tree, structured, document, hints),
        body=_without_byline(body, authors),
        description=document.description,
        canonical_url=urljoin(url, canonical[0].strip()) if canonical else document.url,
        date_published=published,
        date_modified=modified,
        authors=authors,
        language=(language or "").split("-")[0].split("_")[0].lower() or None,
        image=meta.get("og:image") or document.image,
        breadcrumbs=structured.breadcrumbs,
        date_source=date_source,
        credit_hints=credit_hints,
    )
