"""DOM evidence before extraction: what the page's markup says is not article text.

trafilatura decides on the whole page. Three things in real news markup mislead it, and the
markup itself says so, whatever the language of the text:

- **Layout tables**: older CMSs (and many Vietnamese provincial papers) lay the whole page out in
  a ``<table>``; trafilatura keeps tables as content and returns menu, sidebar and footer as
  one table row. A cell that holds headings, paragraphs, lists or further tables is layout, not
  data: such tables become plain ``<div>`` blocks.
- **Paragraphs written as ``<div>``**: a run of ``<div>`` elements holding only text and
  inline markup is a run of paragraphs; trafilatura sometimes skips a container of such divs
  and takes the ``<p>`` teasers next to it instead.
- **Boilerplate containers**: related boxes, tags, share bars, comment forms, audio players, ads,
  sidebars and site footers carry class/id names that say what they are. trafilatura knows the
  English names; Vietnamese CMSs name them in unaccented Vietnamese (``tincungmuc``,
  ``binhluan``, ``chiase``, ``quangcao``...). Both vocabularies are pruned here, plus a site's own
  XPath expressions from the registry (``prune_xpath``).
- **Link blocks**: a block whose text is the text of one link (a related headline, a teaser
  title, "Xem thêm: <a>…</a>") is navigation to another page, not text of this one.

Pure functions on an lxml tree, no Scrapy. They change the tree in place.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lxml.etree import XPath, XPathSyntaxError
from lxml.html import HtmlElement

__all__ = ["compile_xpaths", "credit_hints", "prepare_for_extraction"]

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    }
)
_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
_LAYOUT_CELL_BLOCKS = frozenset({"div", "p", "h1", "h2", "h3", "h4", "ul", "ol", "table", "form"})
# Attribute substrings (lowercased) that name boilerplate containers, in English and in the
# unaccented Vietnamese that Vietnamese CMSs use for class and id names. Words of several
# syllables match with or without a separator ("tincungmuc", "tin-cung-muc", "binh_luan").
_BOILERPLATE_WORDS = (
    "relate",
    "relation",
    "lien quan",
    "cung muc",
    "cung chuyen muc",
    "tin khac",
    "xem them",
    "doc them",
    "most read",
    "doc nhieu",
    "xem nhieu",
    "tin noi bat",
    "comment(?!ary)",
    "binh luan",
    "y kien",
    "chia se",
    "share",
    "social",
    "quang cao",
    "advert",
    "sponsor",
    "tu khoa",
    "bread crumb",
    "duong dan",
    "side bar",
    "cot phai",
    "cot trai",
    "news letter",
    "subscribe",
    "dang nhap",
    "log in",
    "popup",
    "modal",
    "(?:audio|video|media) player",
    "audio",
    "voice",
    "nghe doc",
    "rating",
    "zalo",
    "send mail",
    "ban quyen",
    "copyright",
    "nav bar",
    "menu",
    "footer",
)
_BOILERPLATE_NAMES = re.compile("|".join(word.replace(" ", "[-_]?") for word in _BOILERPLATE_WORDS))
# Text divs that are an image's caption or credit, not paragraphs ("desc_cation" is VnExpress').
_CAPTION_NAMES = re.compile("caption|cation|credit|chu[-_]?thich|image|photo")
# Where papers put the credit ("Theo TTXVN", "Nguyễn Quỳnh/VOV.VN"): elements so named.
_CREDIT_NAMES = re.compile("source|nguon|credit|author|tac[-_]?gia|byline")
_MAX_CREDIT_WORDS = 12
_MAX_CREDIT_HINTS = 5
# Words too short to match inside others ("ad" is in "header", "qc" in "qcvn"): whole words of
# a name ("tags", "details__tags", "klw-new-tags", "ad-slot").
_BOILERPLATE_TOKENS = re.compile(r"(?<![a-z0-9])(?:ads?|qc|tags?|nav|toolbar|tools)(?![a-z0-9])")
# An embed (a tweet, a video) is the article's content, whatever else its wrapper is called
# ("social-media-embed").
_CONTENT_NAMES = re.compile("embed")
# Never pruned by name: the page, the element that wraps the article, and table parts (a data
# table's rows carry names such as "player-2020-580" on a sports page).
_NAMED = XPath("//*[@class or @id]")  # in C: most elements carry neither
_NEVER_PRUNED = frozenset({"html", "body", "main", "tr", "td", "th", "thead", "tbody", "tfoot"})
# A container holding this share of the page's paragraph text, or the headline, is the article
# or wraps it, whatever its name says ("container-single penci_sidebar", "box article
# modal-enabled", "l-sidebar-fixed l-article-body-segment" on real pages).
_MAX_PRUNED_SHARE = 0.25
_MIN_LINK_WORDS = 3  # a block that is one short link ("Trang chủ") is left to trafilatura
_LINK_BLOCK_TAGS = frozenset({"p", "li", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "div"})
_MAX_LINK_PREFIX_WORDS = 3  # "Xem thêm:", ">>", "Video:" before the link


def _is_layout_table(table: HtmlElement) -> bool:
    for cell in table.iter("td", "th"):
        blocks = [e for e in cell.iterdescendants() if e.tag in _LAYOUT_CELL_BLOCKS]
        if len(blocks) >= 2 or any(e.tag in ("table", "h1", "h2") for e in blocks):
            return True
    return False


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Rename the parts of layout tables to ``div`` (outermost first, so nested layout tables
    are judged on their own)."""
    for table in list(tree.iter("table")):
        if table.tag == "table" and _is_layout_table(table):
            for part in [table, *table.iterdescendants(*_TABLE_PARTS)]:
                if part.getparent() is not None and _own_table(part, table):
                    part.tag = "div"


def _own_table(part: HtmlElement, table: HtmlElement) -> bool:
    """Whether ``part`` belongs to ``table`` itself, not to a table nested inside it."""
    parent = part if part is table else part.getparent()
    while parent is not None and parent is not table and parent.tag != "table":
        parent = parent.getparent()
    return parent is table


def _has_own_text(element: HtmlElement) -> bool:
    return bool((element.text or "").strip()) or any(
        (child.tail or "").strip() or (child.text or "").strip() for child in element
    )


def _is_text_div(element: HtmlElement) -> bool:
    return (
        element.tag == "div"
        and _has_own_text(element)
        and not _CAPTION_NAMES.search(_names(element))
        and not any(e.tag in _BLOCK_TAGS for e in element.iterdescendants())
    )


def _divs_to_paragraphs(tree: HtmlElement) -> None:
    """Text-only divs that stand in a run of two or more under one parent are paragraphs; a lone
    one is more often a caption, credit or summary box, which trafilatura judges better as is."""
    text_divs = [div for div in tree.iter("div") if _is_text_div(div)]
    parents = Counter(div.getparent() for div in text_divs)
    for div in text_divs:
        if parents[div.getparent()] >= 2:
            div.tag = "p"


def _names(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".lower()


def _is_boilerplate(element: HtmlElement) -> bool:
    names = _names(element)
    return bool(
        (_BOILERPLATE_TOKENS.search(names) or _BOILERPLATE_NAMES.search(names))
        and not _CONTENT_NAMES.search(names)
    )


def _text_size(element: HtmlElement) -> int:
    return len("".join(element.itertext()).split())


def _remove(element: HtmlElement) -> None:
    """Remove ``element`` but keep its tail text, which belongs to the parent."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _paragraph_words(element: HtmlElement) -> int:
    return sum(_text_size(p) for p in element.iter("p"))


def _holds_the_article(element: HtmlElement, paragraph_words: int) -> bool:
    return (
        element.find(".//h1") is not None
        or _paragraph_words(element) > _MAX_PRUNED_SHARE * paragraph_words
    )


def _prunable(element: HtmlElement, paragraph_words: int | None) -> bool:
    """Whether ``element`` may go; with ``paragraph_words`` (the page's), not if it holds the
    article."""
    if element.tag in _NEVER_PRUNED or element.getparent() is None:
        return False
    return paragraph_words is None or not _holds_the_article(element, paragraph_words)


def _prune(elements: Iterable[HtmlElement]) -> int:
    removed = 0
    for element in elements:
        _remove(element)
        removed += 1
    return removed


def _boilerplate_containers(tree: HtmlElement, paragraph_words: int) -> list[HtmlElement]:
    """The outermost prunable boilerplate elements (pruning a box prunes what is inside it);
    inside a box that is spared because it holds the article, the boxes within still go."""
    found: list[HtmlElement] = []
    outer: set[HtmlElement] = set()
    for element in _NAMED(tree):
        if not _is_boilerplate(element) or any(a in outer for a in element.iterancestors()):
            continue
        if _prunable(element, paragraph_words):
            found.append(element)
            outer.add(element)
    return found


def _link_blocks(tree: HtmlElement) -> list[HtmlElement]:
    """Blocks whose text is the text of links to one page (a thumbnail and a title link to the
    same article count as one), give or take a short lead-in ("Xem thêm:"). Found from the
    links up, each to its nearest block: a page has far fewer links than blocks."""
    targets: dict[HtmlElement, set[str]] = {}
    for link in tree.iter("a"):
        block = next((a for a in link.iterancestors() if a.tag in _LINK_BLOCK_TAGS), None)
        if block is not None:
            targets.setdefault(block, set()).add((link.get("href") or "").strip())
    blocks = []
    for block, hrefs in targets.items():
        if len(hrefs) != 1 or not next(iter(hrefs)):
            continue  # several targets: a list or a paragraph with links, not one link
        linked = sum(_text_size(link) for link in block.iter("a"))
        if linked >= _MIN_LINK_WORDS and _text_size(block) - linked <= _MAX_LINK_PREFIX_WORDS:
            blocks.append(block)
    found = set(blocks)  # a heading inside a teaser block goes with it, counted once
    return [b for b in blocks if not any(a in found for a in b.iterancestors())]


def credit_hints(tree: HtmlElement) -> tuple[str, ...]:
    """Short texts of elements whose class or id names a source or byline ("nguon-tin",
    "source", "author", "tacgia"), without paragraphs inside: the credit, which trafilatura
    drops with the author boxes it discards."""
    hints: list[str] = []
    for element in _NAMED(tree):
        if not _CREDIT_NAMES.search(_names(element)):
            continue
        text = " ".join("".join(element.itertext()).split())
        if (
            text
            and len(text.split()) <= _MAX_CREDIT_WORDS
            and text not in hints
            and element.find(".//p") is None
        ):
            hints.append(text)
            if len(hints) == _MAX_CREDIT_HINTS:
                break
    return tuple(hints)


@lru_cache(maxsize=64)
def compile_xpaths(expressions: tuple[str, ...]) -> tuple[XPath, ...]:
    """The registry's ``prune_xpath`` compiled once; raises ``ValueError`` naming a bad one."""
    compiled = []
    for expression in expressions:
        try:
            compiled.append(XPath(expression))
        except XPathSyntaxError as exc:
            raise ValueError(f"bad XPath {expression!r}: {exc}") from exc
    return tuple(compiled)


def prepare_for_extraction(tree: HtmlElement, site_xpaths: Sequence[str] = ()) -> dict[str, int]:
    """Rewrite ``tree`` in place for trafilatura; returns how many elements each step changed.

    The page's paragraph text is measured before pruning, so that no container holding the
    article is pruned because of its name. A site's own XPaths are trusted as they are.
    """
    paragraph_words = _paragraph_words(tree)
    site = [
        e
        for xpath in compile_xpaths(tuple(site_xpaths))
        for e in xpath(tree)
        if isinstance(e, HtmlElement)
    ]
    counts = {"site": _prune(e for e in site if _prunable(e, None))}
    _unwrap_layout_tables(tree)
    counts["boilerplate"] = _prune(_boilerplate_containers(tree, paragraph_words))
    counts["links"] = _prune(e for e in _link_blocks(tree) if _prunable(e, paragraph_words))
    _divs_to_paragraphs(tree)
    return counts
