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
import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from html import unescape
from itertools import accumulate
from typing import Any
from urllib.parse import urljoin

import trafilatura
from htmldate import find_date
from lxml.etree import ElementDefaultClassLookup, XPath
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura import load_html
from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import HTML_PARSER

from newscrawl.accounting import Reason
from newscrawl.dates import to_iso, visible_vietnamese_date
from newscrawl.dom import Elements, credit_hints, prepare_for_extraction
from newscrawl.extraction import Extraction, NotExtractable

__all__ = ["MAX_JSON_CHARS", "MAX_JSON_DEPTH", "Extraction", "NotExtractable", "extract_article"]

# The parser trafilatura loads pages with (``load_html``) is lxml.html's: it makes the Python
# object of every element it hands out through a Python callback (``HtmlElementClassLookup``,
# which gives form fields classes of their own), ~0.5 µs an element, and a page's extraction
# hands out thousands (our DOM walks, trafilatura's on the tree and its copies). lxml's own
# lookup, in C, makes them all ``HtmlElement``: the same extraction on 379 benchmark and
# Vietnamese pages (nothing here or in trafilatura uses the form classes), a walk of a page
# 0.37 -> 0.13 ms. Set once, for every tree this process loads through trafilatura.
HTML_PARSER.set_element_class_lookup(
    ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)

# The page's JSON scripts that are read: JSON-LD by us, trafilatura and htmldate, the settings
# JSON by the latter two. One above either bound is dropped unread: an 8 MB JSON-LD blob took
# a worker to 1.1 GiB and minutes of trafilatura's JSON regexes, and json.loads recurses once a
# level (RecursionError at ~1000). The 194 JSON-LD scripts of the 181 benchmark pages (aeb):
# 30 KB at most, nested 6 deep at most.
_JSON_TYPES = ("application/ld+json", "application/settings+json")
MAX_JSON_CHARS = 256 * 1024
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "report",
}
# Page-level types only: WebSite and VideoObject sit on article pages too (site-wide search
# box, embedded clip), so they say nothing about the page.
_NON_ARTICLE_TYPES = {
    "collectionpage",
    "liveblogposting",
    "imagegallery",
    "searchresultspage",
    "itemlist",
    "profilepage",
}
_NON_ARTICLE_OG = {"video", "video.other", "video.movie", "profile", "music.song"}
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "dc.date.issued",
    "date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "lastmod")
_LANGUAGE_META = ("og:locale", "language", "content-language")
# The elements with an attribute of some value are found from the attributes
# (``//@class[...]/parent::*``), not by testing every element (``//*[@class...]``): libxml2
# tests an element's predicate at twice the cost of walking to an attribute.
_DATE_NODES = XPath(
    "//time | //@class[contains(., 'date') or contains(., 'time')]"
    "/parent::*[not(ancestor::a)][string-length(normalize-space()) < 80]"
)
_AUTHOR_NODES = XPath(
    "(//@class[contains(., 'author')] | //@rel[. = 'author'] | //@itemprop[. = 'author'])"
    "/parent::*[not(ancestor::a) or @rel = 'author'][not(.//*[contains(@class, 'author')])]"
)
_MAX_NAME_WORDS = 6
# What trafilatura's author search (``extract_author``: a copy of the tree, then its
# ``AUTHOR_XPATHS``, ~4 ms) needs to find anything: an <author> element, a <rel> child, or one
# of these words in one of these attributes. A page without any is not searched; a test pins
# the XPaths these were read from.
_AUTHOR_ATTRIBUTES = XPath(
    "//@class | //@id | //@rel | //@itemprop | //@data-testid | //@data-component",
    smart_strings=False,
)
_AUTHOR_WORDS = re.compile(
    "[Aa]uthor|byl|BBL|Byline|username|screenname|writer|channel-name|submitted-by|posted-by"
    "|journalist-name|zuozhe|bianji|xiaobian"
)
# A page whose main content is mostly link text is a listing, whatever its URL looks like.
# Measured in characters of the main region, boilerplate left out (_link_density), on the demo
# site, the 181 pages of the ScrapingHub benchmark and real Vietnamese and Chinese news pages
# (homepages, sections, articles): listings with og:type=website 0.57-0.94, other listings
# 0.07-0.96, articles mostly below 0.6 and up to 0.83; og:type=website (also common on
# articles) lowers the bar.
_LISTING_LINK_DENSITY = 0.8
_WEBSITE_LINK_DENSITY = 0.5
# Where the page says its main content is: schema.org's articleBody, <article>, <main>.
_MAIN_CANDIDATES = XPath(
    "//@itemprop[. = 'articleBody']/parent::* | //@role[. = 'main']/parent::* | //article | //main"
)
# Menus, headers, footers, sidebars: HTML5's elements, and containers whose class or id says
# so. (trafilatura's own discard XPaths would be finer, but cost 14 ms a page.)
_BOILERPLATE_TAGS = ("nav", "header", "footer", "aside")
_CONTAINER_TAGS = ("div", "ul", "section")
_BOILERPLATE_NAME = re.compile(r"nav|menu|sidebar")
_INVISIBLE = ("script", "style", "noscript", "template")
_LINK_TEXTS = XPath("descendant-or-self::a//text()", smart_strings=False)
_NESTED_LINK = XPath("boolean(descendant-or-self::a//a)")
# Language names some pages give instead of a code (inLanguage "English", "Deutsch").
_LANGUAGE_NAMES = {
    "english": "en",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "german": "de",
    "deutsch": "de",
    "french": "fr",
    "français": "fr",
    "chinese": "zh",
    "spanish": "es",
    "español": "es",
    "turkish": "tr",
    "türkçe": "tr",
}


def _json_depth(text: str) -> int:
    """How deep ``text``'s arrays and objects nest, brackets inside strings left out: counted,
    not parsed, so a 100,000-deep blob costs a scan, not a RecursionError."""
    brackets = _JSON_BRACKET.findall(_JSON_STRING.sub("", text))
    return max(accumulate(1 if bracket in "[{" else -1 for bracket in brackets), default=0)


@dataclass
class _HeadElements:
    """The page's JSON scripts, <meta> and canonical <link> elements, in document order: found
    in one walk of the tree, where a search for each kind walked it once each."""

    json_scripts: list[HtmlElement] = field(default_factory=list)
    metas: list[HtmlElement] = field(default_factory=list)
    canonical_links: list[HtmlElement] = field(default_factory=list)


def _head_elements(tree: HtmlElement) -> _HeadElements:
    found = _HeadElements()
    for element in tree.iter("script", "meta", "link"):
        if element.tag == "meta":
            found.metas.append(element)
        elif element.tag == "script":
            if element.get("type") in _JSON_TYPES:
                found.json_scripts.append(element)
        elif element.get("rel") == "canonical" and element.get("href") is not None:
            found.canonical_links.append(element)
    return found


def _drop_unreadable_json(head: _HeadElements) -> tuple[str, ...]:
    """Remove the JSON scripts above ``MAX_JSON_CHARS`` or nested deeper than ``MAX_JSON_DEPTH``
    from the tree and from ``head``, before anything reads them; why each was dropped."""
    dropped, kept = [], []
    for script in head.json_scripts:
        text = script.text or ""
        if len(text) > MAX_JSON_CHARS:
            dropped.append(f"{script.get('type')}: {len(text)} characters")
        elif (depth := _json_depth(text)) > MAX_JSON_DEPTH:
            dropped.append(f"{script.get('type')}: nested {depth} deep")
        else:
            kept.append(script)
            continue
        script.drop_tree()
    head.json_scripts = kept
    return tuple(dropped)


def _json_ld_nodes(head: _HeadElements) -> Iterator[Mapping[str, Any]]:
    """Every JSON object in the page's JSON-LD, however nested (lists, @graph as list or
    object); anything else (strings, numbers, broken JSON) is skipped."""
    for script in head.json_scripts:
        if script.get("type") != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                stack.append(node.get("@graph"))
                yield node


def _types(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("@type")
    return {k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}


def _text(value: Any) -> str | None:
    """A JSON-LD value as a string: itself, or the first string of a list; None otherwise."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value.strip() or None if isinstance(value, str) else None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    """The JSON objects in ``value``, flattening lists of lists."""
    if isinstance(value, dict):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def _position(element: Mapping[str, Any]) -> float:
    """An element's ``position``; missing or not a number: after the numbered ones."""
    try:
        return float(element.get("position"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.inf


def _breadcrumbs(node: Mapping[str, Any]) -> list[dict[str, str]]:
    crumbs = []
    for element in sorted(_objects(node.get("itemListElement")), key=_position):
        item = element.get("item")
        url = _text(item.get("@id") or item.get("url")) if isinstance(item, dict) else _text(item)
        name = _text(element.get("name")) or (
            _text(item.get("name")) if isinstance(item, dict) else None
        )
        if name:
            crumbs.append({"name": name, **({"url": url} if url else {})})
    return crumbs


@dataclass
class _Structured:
    """What JSON-LD and <meta> say, before trafilatura is asked."""

    article: dict[str, Any] = field(default_factory=dict)
    breadcrumbs: list[dict[str, str]] = field(default_factory=list)
    non_article_type: str | None = None


def _read_json_ld(head: _HeadElements) -> _Structured:
    found = _Structured()
    for node in _json_ld_nodes(head):
        types = _types(node)
        if types & _ARTICLE_TYPES and not found.article:
            found.article = dict(node)
        elif "breadcrumblist" in types and not found.breadcrumbs:
            found.breadcrumbs = _breadcrumbs(node)
        elif types & _NON_ARTICLE_TYPES and not found.non_article_type:
            found.non_article_type = sorted(types & _NON_ARTICLE_TYPES)[0]
    return found


_MetaIndex = dict[str, str]


def _meta_index(head: _HeadElements) -> _MetaIndex:
    """Each <meta> name (property, name, itemprop or http-equiv, lowercased) to its first
    non-empty content: one pass, however many names are asked for."""
    index: _MetaIndex = {}
    for element in head.metas:
        content = (element.get("content") or "").strip()
        if not content:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            if name := (element.get(attribute) or "").strip().lower():
                index.setdefault(name, content)
    return index


def _meta(index: _MetaIndex, names: tuple[str, ...]) -> str | None:
    return next((index[name.lower()] for name in names if name.lower() in index), None)


def _non_article_reason(tree: HtmlElement, structured: _Structured, meta: _MetaIndex) -> str | None:
    if structured.article:
        return None
    if structured.non_article_type:
        return f"json-ld @type={structured.non_article_type}"
    og_type = meta.get("og:type", "").lower()
    if og_type in _NON_ARTICLE_OG:
        return f"og:type={og_type}"
    # the chosen region's counts, taken to choose it, are asked again for its link density
    counts = cache(_text_and_links)
    density = _link_density(_main_region(tree, counts), counts)
    limit = _WEBSITE_LINK_DENSITY if og_type == "website" else _LISTING_LINK_DENSITY
    if density > limit:
        return f"listing page: link density {density:.2f}" + (
            ", og:type=website" if og_type == "website" else ""
        )
    return None


_TextCounts = Callable[[HtmlElement], tuple[int, int]]


def _main_region(tree: HtmlElement, counts: _TextCounts) -> HtmlElement | None:
    """The page's main content as the page marks it, else its body: judged on the whole body,
    an article under a site's menus and link lists passes for a listing. A marked region with
    less than half the body's text outside links (an <article> in a sidebar) is not it."""
    body = tree.find("body")
    candidates = _MAIN_CANDIDATES(tree)
    if body is None or not candidates:
        return body
    plain = _plain_chars(body, counts)
    # most specific first; one that occurs more than once (a listing's teasers) says nothing
    for found in (
        [e for e in candidates if e.get("itemprop") == "articleBody"],
        [e for e in candidates if e.tag == "article"],
        [e for e in candidates if e.tag == "main" or e.get("role") == "main"],
    ):
        if len(found) == 1 and _plain_chars(found[0], counts) * 2 >= plain:
            return found[0]
    return body


def _chars(text: str) -> int:
    """Characters without whitespace: a measure for every script, Chinese included (words are
    not: a Chinese paragraph has no spaces, a menu item is one word)."""
    return len("".join(text.split()))


def _text_and_links(element: HtmlElement) -> tuple[int, int]:
    """Characters of visible text in ``element``, and of those inside links."""
    hidden = sum(_chars(node.text_content()) for node in element.iter(*_INVISIBLE))
    return _chars(element.text_content()) - hidden, _link_chars(element)


def _link_chars(element: HtmlElement) -> int:
    """Characters of the text of each link in ``element``: the text of all of them in one XPath
    call, rather than one call a link (twice as costly), unless a link holds another, whose
    text then counts once for each."""
    if _NESTED_LINK(element):
        return sum(_chars(link.text_content()) for link in element.iter("a"))
    return _chars("".join(_LINK_TEXTS(element)))


def _plain_chars(element: HtmlElement, counts: _TextCounts) -> int:
    """Characters of visible text outside links."""
    text, links = counts(element)
    return text - links


def _boilerplate(region: HtmlElement) -> list[HtmlElement]:
    """The outermost boilerplate elements of ``region``."""
    found = [
        e
        for e in region.iter(*_BOILERPLATE_TAGS, *_CONTAINER_TAGS)
        if e.tag in _BOILERPLATE_TAGS
        or _BOILERPLATE_NAME.search(f"{e.get('class', '')} {e.get('id', '')}")
    ]
    inside = set(found)
    return [e for e in found if not any(a in inside for a in e.iterancestors())]


def _link_density(region: HtmlElement | None, counts: _TextCounts) -> float:
    """Share of ``region``'s text that is link text, boilerplate left out, unless it holds
    half the text outside links (an unclosed <header> swallowing the page)."""
    if region is None:
        return 0.0
    total, linked = counts(region)
    plain = total - linked
    for element in _boilerplate(region):
        chars, link_chars = counts(element)
        if (chars - link_chars) * 2 < plain:
            total -= chars
            linked -= link_chars
    return linked / total if total > 0 else 0.0


def _dates(
    tree: HtmlElement,
    url: str,
    structured: _Structured,
    meta: _MetaIndex,
    hints: Mapping[str, str],
    timezone: str | None,
) -> tuple[str | None, str | None, str | None]:
    """(published, modified, where published came from): JSON-LD/meta, sitemap/feed, page."""
    candidates: tuple[tuple[str, Callable[[], object]], ...] = (
        ("json-ld", lambda: _text(structured.article.get("datePublished"))),
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
    modified = (
        to_iso(_text(structured.article.get("dateModified")), timezone)
        or to_iso(_meta(meta, _MODIFIED_META), timezone)
        or to_iso(hints.get("lastmod"), timezone)
    )
    return published, modified, source


def _byline_authors(tree: HtmlElement) -> list[str]:
    """Names in the page's author elements (VnExpress ``p.author_mail``, Dân Trí
    ``.author-name``): short texts only, so a whole author box does not pass for a name."""
    names = []
    for node in _AUTHOR_NODES(tree):
        text = " ".join(node.text_content().split())
        if text and len(text.split()) <= _MAX_NAME_WORDS and text not in names:
            names.append(text)
    return names


def _without_byline(text: str, authors: list[str]) -> str:
    """trafilatura keeps a closing byline paragraph; it belongs in ``authors``, not the body."""
    head, _, last = text.rstrip().rpartition("\n")
    return head if head and last.strip() in authors else text


def _visible_date(tree: HtmlElement, timezone: str | None) -> str | None:
    for node in _DATE_NODES(tree):
        if found := visible_vietnamese_date(node.text_content(), timezone):
            return found
    return None


def _parse(html: str) -> HtmlElement:
    """The page as ``trafilatura.extract`` loads it: its loader drops comments and processing
    instructions (a comment inside a paragraph cut it short in a tree of our own) and parses
    XHTML with an XML encoding declaration, which lxml refuses in a str. A fragment (no <html>,
    no <head>) loads as its element, not the document."""
    if not html.strip():
        raise NotExtractable(Reason.EMPTY_PAGE)
    tree = load_html(html)
    if tree is None:
        raise NotExtractable(Reason.UNPARSABLE_HTML, "no HTML tree could be built")
    return tree


def _main_text(tree: HtmlElement, url: str) -> str:
    """``trafilatura.extract``'s text of the page, to the character; it works on a copy."""
    text = trafilatura.extract(
        tree,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    if not text or not text.strip():
        raise NotExtractable(Reason.EMPTY_EXTRACTION, "trafilatura found no main text")
    return text


def _page_metadata(tree: HtmlElement, head: _HeadElements) -> Document:
    """trafilatura's ``extract_metadata`` up to its costly steps: meta tags, then JSON-LD (its
    search for the scripts skipped on a page that had none)."""
    document = examine_meta(tree)
    if document.author and " " not in document.author:  # as extract_metadata: no lone handles
        document.author = None
    if head.json_scripts:
        with suppress(Exception):  # as extract_metadata: bugs in trafilatura's JSON-LD code
            document = extract_meta_json(tree, document)
    document.clean_and_trim()
    return document


def _headline(
    tree: HtmlElement, structured: _Structured, document: Document, hints: Mapping[str, str]
) -> str | None:
    headline = (
        _text(structured.article.get("headline"))
        or document.title
        or extract_title(tree)
        or hints.get("title")
    )
    return _unescaped(headline) if headline else None


def _unescaped(text: str) -> str:
    """``text`` without the HTML entities left in it: pages put escaped HTML in JSON-LD and
    <meta> (``&quot;``, ``&#8216;``), even escaped twice (``&amp;quot;``)."""
    for _ in range(2):
        if "&" not in text:
            break
        text = unescape(text)
    return text


def _language_code(value: str | None) -> str | None:
    """The ISO 639-1 code of a declared language: ``en_US``, ``EN-gb`` → ``en``, ``de, at, ch``
    → ``de``, ``english`` → ``en``; None for anything else (``utf-8``, ``x-default``)."""
    first = (value or "").split(",")[0].split(";")[0].strip().lower()
    primary = re.split(r"[-_]", first)[0]
    if re.fullmatch("[a-z]{2}", primary):
        return primary
    return _LANGUAGE_NAMES.get(first) or _LANGUAGE_NAMES.get(primary)


def _authors(tree: HtmlElement, structured: _Structured, document: Document) -> list[str]:
    """JSON-LD, the page's byline, then trafilatura: its meta/JSON-LD reading, its search."""
    found = _names(structured.article.get("author")) or _byline_authors(tree)
    if found:
        return found
    names = document.author or (extract_author(tree) if _may_name_author(tree) else None) or ""
    return [name.strip() for name in names.split(";") if name.strip()]


def _may_name_author(tree: HtmlElement) -> bool:
    """Whether ``extract_author`` could find a name in ``tree`` (``_AUTHOR_WORDS``)."""
    if next(tree.iter("author", "rel"), None) is not None:
        return True
    return _AUTHOR_WORDS.search("\n".join(_AUTHOR_ATTRIBUTES(tree))) is not None


def _language(tree: HtmlElement, structured: _Structured, meta: _MetaIndex) -> str | None:
    """The first usable declaration: <html lang>, JSON-LD inLanguage, then <meta>."""
    declared = (
        tree.get("lang"),
        _text(structured.article.get("inLanguage")),
        _meta(meta, _LANGUAGE_META),
    )
    return next(filter(None, map(_language_code, declared)), None)


def _canonical_href(tree: HtmlElement, head: _HeadElements) -> str | None:
    """The first canonical link's href among those still in ``tree``: pruning may have removed
    one found before it."""
    for link in head.canonical_links:
        if any(ancestor is tree for ancestor in link.iterancestors()):
            return str(link.get("href"))
    return None


def extract_article(
    html: str,
    url: str,
    *,
    timezone: str | None = None,
    hints: Mapping[str, str] | None = None,
    prune_xpath: tuple[str, ...] = (),
) -> Extraction:
    """Extract one article page; raise ``NotExtractable`` for pages that are not articles.
    Dates without an offset take ``timezone``, or stay without one when it is None.

    ``prune_xpath``: the site's own boilerplate elements, removed before trafilatura runs
    with what the markup marks as boilerplate (``newscrawl.dom``)."""
    hints = hints or {}
    loaded = _parse(html)
    tree = loaded.getroottree().getroot()  # the document, also for a fragment
    head = _head_elements(tree)
    dropped_json = _drop_unreadable_json(head)
    structured = _read_json_ld(head)
    meta = _meta_index(head)
    if reason := _non_article_reason(tree, structured, meta):
        raise NotExtractable(Reason.NOT_ARTICLE, reason)
    elements = Elements(tree)
    hints_of_credit = credit_hints(tree, elements)  # before pruning
    prepare_for_extraction(tree, prune_xpath, elements)
    body = _main_text(loaded, url)  # before the metadata fallbacks: a page without text ends here
    document = _page_metadata(tree, head)
    authors = _authors(tree, structured, document)
    published, modified, date_source = _dates(tree, url, structured, meta, hints, timezone)
    canonical = _canonical_href(tree, head)
    return Extraction(
        headline=_headline(tree, structured, document, hints),
        body=_without_byline(body, authors),
        description=_unescaped(document.description) if document.description else None,
        canonical_url=urljoin(url, canonical.strip()) if canonical is not None else document.url,
        date_published=published,
        date_modified=modified,
        authors=authors,
        language=_language(tree, structured, meta),
        image=meta.get("og:image") or document.image,
        breadcrumbs=structured.breadcrumbs,
        date_source=date_source,
        credit_hints=hints_of_credit,
        dropped_json=dropped_json,
    )
