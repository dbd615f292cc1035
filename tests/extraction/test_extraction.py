"""Extraction of pages in other languages (``tests/data/pages``, origins in its README): newscrawl
keeps the text trafilatura finds, and reads encodings, dates, structured data and languages of any
site without stamping Vietnamese assumptions on them."""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.request
from typing import Any

import jsonschema
import pytest
import trafilatura
from conftest import DATA, PROJECT
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author
from trafilatura.xpaths import AUTHOR_XPATHS

from newscrawl.cleaning import strip_boilerplate
from newscrawl.demosite import DemoSite
from newscrawl.encoding import decode_html
from newscrawl.extraction import NotExtractable, article
from newscrawl.extraction.article import extract_article
from newscrawl.items import Page
from newscrawl.logformatter import ConciseLogFormatter
from newscrawl.registry import parse_registry, sites_from_arguments

PAGES = DATA / "pages"
SCHEMA = json.loads((PROJECT / "newscrawl/article.schema.json").read_text())
# newscrawl's trafilatura options (newscrawl.extraction.article._main_text)
OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "deduplicate": False,
}
URL = "https://example.org/news/2019/11/an-article-about-something-1839927963"


def _html(name: str) -> str:
    return decode_html((PAGES / name).read_bytes()).text


def _with_head(html: str, extra: str) -> str:
    """``html`` with ``extra`` markup first in its <head>."""
    start = html.index("<head")
    end = html.index(">", start) + 1
    return html[:end] + extra + html[end:]


def _json_ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# -- the body is trafilatura's, to the character -----------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.iterdir() if p.suffix != ".md"))
def test_no_text_trafilatura_finds_is_lost(name: str) -> None:
    html = _html(name)
    expected = trafilatura.extract(html, url=URL, **OPTIONS)
    assert expected
    assert extract_article(html, URL).body == expected


def test_a_comment_inside_a_paragraph_does_not_cut_it() -> None:
    """React's ``<!-- -->`` text separators: lxml's own tree kept the comment, and trafilatura
    dropped the rest of the paragraph with it."""
    body = extract_article(_html("en-react-comments.html"), URL).body
    assert "Once again, I\u2019m not complaining. As one of the many thousands" in body


def test_pages_load_with_lxmls_own_element_lookup() -> None:
    """Every element an HtmlElement, form fields too (lxml.html's Python lookup would make an
    InputElement): no Python callback for each element object a walk makes."""
    tree = article._parse("<html><body><form><input name='q'><p>Tin mới</p></form></body></html>")
    assert {type(element) for element in tree.iter()} == {HtmlElement}
    assert tree.find(".//input").text_content() == ""  # HtmlElement's methods still there


# -- encodings ---------------------------------------------------------------------------------


def test_xhtml_with_an_xml_encoding_declaration_parses() -> None:
    raw = (PAGES / "pt-xhtml-latin1.xhtml").read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    found = extract_article(decode_html(raw).text, URL)
    assert found.headline == (
        "Serviço de Atendimento Domiciliar registra arrombamento em dois veículos"
    )
    assert "A equipe do Serviço de Atendimento Domiciliar (SAD), do bairro Amizade" in found.body


def test_utf8_with_a_stray_byte_stays_utf8() -> None:
    decoded = decode_html((PAGES / "ja-stray-byte.html").read_bytes())
    assert (decoded.encoding, decoded.source) == ("utf-8", "meta")
    assert decoded.text.count("\ufffd") == 1
    body = extract_article(decoded.text, URL).body
    assert "もちろん、Apple社は「脱獄」を認めて\ufffdいません。" in body
    assert "不正に改造したiPhoneを販売したとして、商標法違反の疑い" in body


# -- dates -------------------------------------------------------------------------------------


def test_offset_less_dates_take_only_a_declared_timezone() -> None:
    html = _html("pt-xhtml-latin1.xhtml")  # article:published_time 2019-07-05T10:30:00
    assert extract_article(html, URL).date_published == "2019-07-05T10:30:00"
    found = extract_article(html, URL, timezone="America/Sao_Paulo")
    assert found.date_published == "2019-07-05T10:30:00-03:00"
    jsonschema.validate("2019-07-05T10:30:00", SCHEMA["$defs"]["isoDate"])


def test_ad_hoc_sites_and_entries_without_timezone_have_none() -> None:
    for site in sites_from_arguments(
        sitemap="https://www.example.com/sitemap.xml",
        feed="https://haber.example.com.tr/rss",
        start_url="https://example.de/politik",
    ):
        assert site.timezone is None
    registry = parse_registry(
        "[a]\ndomains = ['a.com']\n[b]\ndomains = ['b.vn']\ntimezone = 'Asia/Ho_Chi_Minh'", "test"
    )
    assert (registry["a"].timezone, registry["b"].timezone) == (None, "Asia/Ho_Chi_Minh")


# -- listing-page gate -------------------------------------------------------------------------


def test_an_article_in_a_page_of_menus_is_not_a_listing() -> None:
    """Counted in words of the whole body, the menus of this Chinese article (a paragraph has no
    spaces, so it counts as one word) made it 63 % links: a listing, with og:type=website."""
    html = _with_head(
        _html("zh-xinhuanet-no-lang.html"), '<meta property="og:type" content="website">'
    )
    assert "武汉" in extract_article(html, URL).body


@pytest.fixture(scope="module")
def demo_pages() -> dict[str, str]:
    paths = (
        "/",
        "/thoi-su",
        "/the-gioi",
        "/the-thao/bong-da-viet-nam-4300900.html",
        "/tag/covid-19",
    )
    with DemoSite("paper") as site:
        return {
            path: urllib.request.urlopen(site.base_url + path).read().decode() for path in paths
        }


@pytest.mark.parametrize(
    "path",
    ["/", "/thoi-su", "/the-gioi", "/the-thao/bong-da-viet-nam-4300900.html", "/tag/covid-19"],
)
def test_listing_pages_stay_rejected(demo_pages: dict[str, str], path: str) -> None:
    with pytest.raises(NotExtractable, match="listing page: link density"):
        extract_article(demo_pages[path], "http://127.0.0.1" + path)


# -- structured data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"@type": "BreadcrumbList", "itemListElement": [[{"@type": "ListItem", "name": "Tech"}]]},
        {
            "@type": "BreadcrumbList",
            "itemListElement": [{"name": "Tech"}, {"position": 1, "name": "Home"}],
        },
        {"@type": "BreadcrumbList", "itemListElement": ["Home", 2, None, {"position": "x"}]},
        {"@type": "BreadcrumbList", "itemListElement": {"position": 1, "item": ["a", "b"]}},
        {"@type": "BreadcrumbList", "itemListElement": "Home > Tech"},
        {
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"position": [1], "name": {"x": 1}, "item": {"@id": 5, "name": ["Tech"]}}
            ],
        },
        {
            "@graph": {
                "@type": "NewsArticle",
                "headline": ["A", "B"],
                "datePublished": 20191119,
                "dateModified": ["2019-11-19"],
                "author": 7,
                "inLanguage": {"name": "en"},
            }
        },
        {"@graph": "none", "@type": 3},
        {"@type": {"name": "NewsArticle"}, "headline": None},
        {"@type": ["NewsArticle", None, 4], "headline": 12, "datePublished": "yesterday"},
        ["NewsArticle", 1.5, [[{"@type": "WebPage"}]]],
        "just a string",
        42,
    ],
)
def test_malformed_json_ld_never_crashes(data: Any) -> None:
    html = _with_head(_html("en-react-comments.html"), _json_ld(data))
    found = extract_article(html, URL)
    assert "Once again, I\u2019m not complaining" in found.body
    assert all(isinstance(crumb["name"], str) for crumb in found.breadcrumbs)


def test_breadcrumbs_without_positions_keep_their_order() -> None:
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            [{"name": "Home", "item": "https://gizmodo.com/"}],
            {"name": "Tech", "item": {"@id": "https://gizmodo.com/tech"}},
            "stray",
        ],
    }
    html = _with_head(_html("en-react-comments.html"), _json_ld(crumbs))
    assert extract_article(html, URL).breadcrumbs == [
        {"name": "Home", "url": "https://gizmodo.com/"},
        {"name": "Tech", "url": "https://gizmodo.com/tech"},
    ]


def test_an_item_error_logs_the_url_not_the_page() -> None:
    page = Page(url=URL, html="<html>" + "x" * 10_000, site="example.org", encoding="utf-8")
    line = ConciseLogFormatter().item_error(page, TypeError("boom"), None, None)  # type: ignore[arg-type]
    message = line["msg"] % line["args"]
    assert line["level"] == logging.ERROR
    assert URL in message and "boom" in message and "xxx" not in message
    assert "xxx" not in repr(page)


# -- headlines and languages -------------------------------------------------------------------


def test_entities_left_in_headlines_are_unescaped() -> None:
    headline = "&quot;Backwards&quot; &#8216;innovation&#8217; &amp;quot;again&amp;quot;"
    html = _with_head(
        _html("en-react-comments.html"), _json_ld({"@type": "NewsArticle", "headline": headline})
    )
    expected = '"Backwards" \u2018innovation\u2019 "again"'
    assert extract_article(html, URL).headline == expected
    meta = '<meta property="og:title" content="Apple &amp;amp; the &amp;quot;future&amp;quot;">'
    found = extract_article(_with_head(_html("zh-xinhuanet-no-lang.html"), meta), URL)
    assert found.headline == 'Apple & the "future"'


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("de, at, ch", "de"),
        ("english", "en"),
        ("en_US", "en"),
        ("EN-gb", "en"),
        ("Deutsch", "de"),
        ("zh-Hans-CN", "zh"),
        ("vi", "vi"),
        ("utf-8", None),
        ("x-default", None),
    ],
)
def test_in_language_is_an_iso_639_1_code(declared: str, expected: str | None) -> None:
    article = {"@type": "NewsArticle", "inLanguage": declared}
    html = _with_head(_html("zh-xinhuanet-no-lang.html"), _json_ld(article))
    language = extract_article(html, URL).language
    assert language == expected
    jsonschema.validate(language, SCHEMA["properties"]["inLanguage"])


def test_a_page_without_lang_has_no_language() -> None:
    assert extract_article(_html("zh-xinhuanet-no-lang.html"), URL).language is None


# -- German quotations -------------------------------------------------------------------------


def test_german_quotation_paragraphs_survive_cleaning() -> None:
    """»…« opens German quotations; "» Link" lines are related links all the same."""
    body = extract_article(_html("de-quote.html"), URL).body
    quotes = [line for line in body.splitlines() if line.startswith("»")]
    assert len(quotes) == 6
    assert strip_boilerplate(body).body == body
    stripped = strip_boilerplate(f"{body}\n» Tin liên quan: Giá vàng giảm mạnh")
    assert stripped.body == body


# -- metadata read once, searches spared -------------------------------------------------------

_PARAGRAPHS = "<p>The council approved the new budget on Tuesday after a long debate.</p>" * 4


def _page(body: str, head: str = "") -> str:
    return (
        f"<html><head><title>Budget</title>{head}</head>"
        f"<body><article>{body}</article></body></html>"
    )


def test_the_author_hints_were_read_from_trafilaturas_author_xpaths() -> None:
    """``article._AUTHOR_WORDS`` lists what these XPaths look for: review it if they change."""
    paths = "\n".join(xpath.path for xpath in AUTHOR_XPATHS)
    assert hashlib.sha256(paths.encode()).hexdigest() == (
        "e7cdb233823cbb0a7eadad1211ccea04ebd7789ae4ffc076b2fc765f00286c9f"
    )


@pytest.mark.parametrize(
    "byline",
    [
        "<author>Jane Doe</author>",
        "<span>Jane Doe<rel>me</rel></span>",
        '<a rel="author" href="/jane">Jane Doe</a>',
        '<p id="author">Jane Doe</p>',
        '<span itemprop="author name">Jane Doe</span>',
        '<div data-testid="AuthorCard">Jane Doe</div>',
        '<span class="authorName">Jane Doe</span>',
        '<p class="byl">Jane Doe</p>',
        '<p class="BBL">Jane Doe</p>',
        '<p class="username">Jane Doe</p>',
        '<h3 id="zuozhe">Jane Doe</h3>',
        '<span class="posted-by">Jane Doe</span>',
        '<span class="journalist-name">Jane Doe</span>',
        '<div data-component="Byline">Jane Doe</div>',
        '<div class="screenname">Jane Doe</div>',
        '<div class="writer">Jane Doe</div>',
        '<div class="Byline">Jane Doe</div>',
        '<section id="Author">Jane Doe</section>',
    ],
)
def test_a_page_trafilatura_finds_an_author_in_is_searched(byline: str) -> None:
    tree = article._parse(_page(_PARAGRAPHS + byline))
    assert "Jane Doe" in (extract_author(tree) or "")
    assert article._may_name_author(tree)


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.iterdir() if p.suffix != ".md"))
def test_a_page_spared_the_author_search_has_no_author_there(name: str) -> None:
    for html in (_html(name), _page(_PARAGRAPHS + '<p class="note">Jane Doe</p>')):
        tree = article._parse(html)
        assert article._may_name_author(tree) or extract_author(tree) is None


def test_a_canonical_link_pruned_with_the_sites_boilerplate_is_not_read() -> None:
    html = _page(
        _PARAGRAPHS + '<div class="junk"><link rel="canonical" href="https://example.org/junk">'
        "</div>"
    )
    assert extract_article(html, URL).canonical_url == "https://example.org/junk"
    pruned = extract_article(html, URL, prune_xpath=("//div[@class='junk']",))
    assert pruned.canonical_url is None


def test_json_ld_is_read_without_the_scripts_dropped_unread() -> None:
    deep = "[" * 100 + "]" * 100
    html = _page(
        _PARAGRAPHS,
        head=f'<script type="application/ld+json">{deep}</script>'
        + _json_ld({"@type": "NewsArticle", "headline": "Kept", "author": {"name": "Jane Doe"}}),
    )
    found = extract_article(html, URL)
    assert (found.headline, found.authors) == ("Kept", ["Jane Doe"])
    assert found.dropped_json == ("application/ld+json: nested 100 deep",)


def test_link_text_counts_once_for_each_link_it_is_in() -> None:
    nested = '<a href="/1">one <div>two <a href="/2">three</a></div> four</a><a href="/3">five</a>'
    body = article._parse(_page(nested)).find("body")
    assert article._link_chars(body) == len("onetwothreefour") + len("three") + len("five")
    for name in sorted(p.name for p in PAGES.iterdir() if p.suffix != ".md"):
        body = article._parse(_html(name)).find("body")
        per_link = sum(len("".join(a.text_content().split())) for a in body.iter("a"))
        assert article._link_chars(body) == per_link
