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
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice

from lxml.etree import Element, XPath, XPathSyntaxError, tostring
from lxml.html import HtmlElement

__all__ = ["Elements", "compile_xpaths", "credit_hints", "prepare_for_extraction"]

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
    "audio player",
    "video player",
    "media player",
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
# Words too short to match inside others ("ad" is in "header", "qc" in "qcvn"): whole words of
# a name ("tags", "details__tags", "klw-new-tags", "ad-slot").
_BOILERPLATE_TOKENS = ("ads?", "qc", "tags?", "nav", "toolbar", "tools")


def _any_of(fragments: Iterable[str]) -> re.Pattern[str]:
    """A pattern that matches where one of ``fragments`` matches, each a regular expression
    that starts with a plain letter. Grouped by that letter, so that at each position of a name
    the engine tries only the fragments that can start there, not all fifty."""
    by_letter: dict[str, list[str]] = {}
    for fragment in fragments:
        by_letter.setdefault(fragment[0], []).append(fragment[1:])
    return re.compile("|".join(f"{c}(?:{'|'.join(rests)})" for c, rests in by_letter.items()))


def _whole_word(token: str) -> str:
    """``token`` not inside a longer word: neither preceded nor followed by a letter or digit
    (the look-behind comes after the first letter, which it includes, so that the fragment
    starts with a letter for ``_any_of``)."""
    return f"{token[0]}(?<![a-z0-9]{token[0]}){token[1:]}(?![a-z0-9])"


_BOILERPLATE_NAMES = _any_of(
    [word.replace(" ", "[-_]?") for word in _BOILERPLATE_WORDS]
    + [_whole_word(token) for token in _BOILERPLATE_TOKENS]
)
# Text divs that are an image's caption or credit, not paragraphs ("desc_cation" is VnExpress').
_CAPTION_NAMES = re.compile("caption|cation|credit|chu[-_]?thich|image|photo")
# Where papers put the credit ("Theo TTXVN", "Nguyễn Quỳnh/VOV.VN"): elements so named.
_CREDIT_NAMES = re.compile("source|nguon|credit|author|tac[-_]?gia|byline")
_MAX_CREDIT_WORDS = 12
_MAX_CREDIT_HINTS = 5
# An embed (a tweet, a video) is the article's content, whatever else its wrapper is called
# ("social-media-embed").
_CONTENT_NAMES = re.compile("embed")
# Never pruned by name: the page, the element that wraps the article, and table parts (a data
# table's rows carry names such as "player-2020-580" on a sports page).
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
        blocks = list(islice(_descendants(cell, _LAYOUT_CELL_BLOCKS), 2))
        if len(blocks) == 2 or (blocks and blocks[0].tag in ("table", "h1", "h2")):
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
        and next(_descendants(element, _BLOCK_TAGS), None) is None
    )


def _divs_to_paragraphs(tree: HtmlElement) -> None:
    """Text-only divs that stand in a run of two or more under one parent are paragraphs; a lone
    one is more often a caption, credit or summary box, which trafilatura judges better as is."""
    text_divs = [div for div in tree.iter("div") if _is_text_div(div)]
    parents = Counter(div.getparent() for div in text_divs)
    for div in text_divs:
        if parents[div.getparent()] >= 2:
            div.tag = "p"


def _descendants(element: HtmlElement, tags: frozenset[str]) -> Iterator[HtmlElement]:
    """The descendants with one of ``tags``, tested in Python: lxml's own filter parses a list
    of tags on every call, which costs more once the elements' Python objects are held
    (``Elements``). For one tag, lxml's filter is the faster."""
    return (e for e in element.iterdescendants() if e.tag in tags)


def _nearest_ancestor(element: HtmlElement, tags: frozenset[str]) -> HtmlElement | None:
    ancestor = element.getparent()
    while ancestor is not None and ancestor.tag not in tags:
        ancestor = ancestor.getparent()
    return ancestor


def _first_ancestor_in(element: HtmlElement, group: set[HtmlElement]) -> HtmlElement | None:
    ancestor = element.getparent()
    while ancestor is not None and ancestor not in group:
        ancestor = ancestor.getparent()
    return ancestor


def _names(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".lower()


class Elements:
    """A tree's elements, listed once for the steps that walk them all (``credit_hints``,
    ``prepare_for_extraction``), with ``_names`` of those that carry a class or an id.

    Held while the steps run: lxml makes an element's Python object once while one is alive,
    instead of on every walk that meets it.
    """

    def __init__(self, tree: HtmlElement) -> None:
        self.all = list(tree.iter(Element))
        self.named = [(element, names) for element in self.all if (names := _names(element)) != " "]


@lru_cache(maxsize=4096)  # a page, and its site, repeat class names
def _is_boilerplate(names: str) -> bool:
    return bool(_BOILERPLATE_NAMES.search(names) and not _CONTENT_NAMES.search(names))


def _text(element: HtmlElement) -> str:
    """``"".join(element.itertext())``, built in C."""
    text: str = tostring(element, method="text", encoding=str, with_tail=False)
    return text


def _text_size(element: HtmlElement) -> int:
    return len(_text(element).split())


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


class _ParagraphWords:
    """Words in the paragraphs under an element. Each paragraph is measured once, so the tree
    must not change while one instance is in use: nested containers share their paragraphs."""

    def __init__(self) -> None:
        self._sizes: dict[HtmlElement, int] = {}

    def under(self, element: HtmlElement) -> int:
        total = 0
        for paragraph in element.iter("p"):
            size = self._sizes.get(paragraph)
            if size is None:
                size = self._sizes[paragraph] = _text_size(paragraph)
            total += size
        return total


class _Article:
    """Tells the article's container: it holds the headline, or more than a share of the
    page's paragraph words (measured before pruning)."""

    def __init__(self, page_words: int, paragraph_words: _ParagraphWords) -> None:
        self.page_words = page_words
        self.paragraph_words = paragraph_words

    def held_by(self, element: HtmlElement) -> bool:
        return (
            next(element.iterdescendants("h1"), None) is not None
            or self.paragraph_words.under(element) > _MAX_PRUNED_SHARE * self.page_words
        )


def _prunable(element: HtmlElement, article: _Article | None) -> bool:
    """Whether ``element`` may go; with ``article``, not if it holds the article."""
    if element.tag in _NEVER_PRUNED or element.getparent() is None:
        return False
    return article is None or not article.held_by(element)


def _prune(elements: Iterable[HtmlElement]) -> int:
    removed = 0
    for element in elements:
        _remove(element)
        removed += 1
    return removed


def _boilerplate_containers(
    named: Iterable[tuple[HtmlElement, str]], article: _Article
) -> list[HtmlElement]:
    """The outermost prunable boilerplate elements (pruning a box prunes what is inside it);
    inside a box that is spared because it holds the article, the boxes within still go."""
    found: list[HtmlElement] = []
    # The boxes found are disjoint and met in document order: an element inside one is inside
    # the last, and going up from it meets that box before any of the box's ancestors.
    last_and_above: set[HtmlElement] = set()
    for element, names in named:
        if not _is_boilerplate(names) or (
            found and _first_ancestor_in(element, last_and_above) is found[-1]
        ):
            continue
        if _prunable(element, article):
            found.append(element)
            last_and_above = {element, *element.iterancestors()}
    return found


def _link_blocks(tree: HtmlElement) -> list[HtmlElement]:
    """Blocks whose text is the text of links to one page (a thumbnail and a title link to the
    same article count as one), give or take a short lead-in ("Xem thêm:"). Found from the
    links up, each to its nearest block: a page has far fewer links than blocks."""
    targets: dict[HtmlElement, set[str]] = {}
    for link in tree.iter("a"):
        block = _nearest_ancestor(link, _LINK_BLOCK_TAGS)
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
    return [b for b in blocks if _first_ancestor_in(b, found) is None]


def credit_hints(tree: HtmlElement, elements: Elements | None = None) -> tuple[str, ...]:
    """Short texts of elements whose class or id names a source or byline ("nguon-tin",
    "source", "author", "tacgia"), without paragraphs inside: the credit, which trafilatura
    drops with the author boxes it discards. ``elements``: the tree's, if listed already."""
    hints: list[str] = []
    for element, names in (elements or Elements(tree)).named:
        if not _CREDIT_NAMES.search(names):
            continue
        text = " ".join(_text(element).split())
        if (
            text
            and len(text.split()) <= _MAX_CREDIT_WORDS
            and text not in hints
            and next(element.iterdescendants("p"), None) is None
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


def prepare_for_extraction(
    tree: HtmlElement, site_xpaths: Sequence[str] = (), elements: Elements | None = None
) -> dict[str, int]:
    """Rewrite ``tree`` in place for trafilatura; returns how many elements each step changed.

    The page's paragraph text is measured before pruning, so that no container holding the
    article is pruned because of its name. A site's own XPaths are trusted as they are.
    ``elements``: the tree's, if listed already (listed again if the site's XPaths remove
    some).
    """
    paragraph_words = _ParagraphWords()
    page_words = paragraph_words.under(tree)
    site = [
        e
        for xpath in compile_xpaths(tuple(site_xpaths))
        for e in xpath(tree)
        if isinstance(e, HtmlElement)
    ]
    counts = {"site": _prune(e for e in site if _prunable(e, None))}
    if counts["site"] or elements is None:
        elements = Elements(tree)
    if counts["site"]:
        paragraph_words = _ParagraphWords()
    _unwrap_layout_tables(tree)  # renames tags: the names of classes and ids stay
    boilerplate = _boilerplate_containers(elements.named, _Article(page_words, paragraph_words))
    counts["boilerplate"] = _prune(boilerplate)
    # paragraphs that lost a box inside them are measured again
    article = _Article(page_words, _ParagraphWords() if boilerplate else paragraph_words)
    counts["links"] = _prune(e for e in _link_blocks(tree) if _prunable(e, article))
    _divs_to_paragraphs(tree)
    return counts
