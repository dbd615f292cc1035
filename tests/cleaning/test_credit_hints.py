"""Credits from the page's markup, and the language gate of the cleaning chain, on real pages.

Papers put the source credit in an element of its own ("article__author", "kbwcm-source",
"link-source-name"); the extractor often drops it, or ``newscrawl.dom`` prunes it with a footer or
a link block. ``extract_article`` reads such elements before either happens (``credit_hints``), and
``clean_article`` takes the credit from them. Fixtures: ``tests/data/dom`` and ``tests/data/pages``
(origins in their READMEs).
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from conftest import DATA

from newscrawl.cleaning.chain import CleaningOptions, SiteContext, clean_article
from newscrawl.encoding import decode_html
from newscrawl.extraction import extract
from newscrawl.extraction.article import extract_article

DOM = DATA / "dom"
PAGES = DATA / "pages"
URL = "https://example.vn/thoi-su/mot-bai-bao-that-dai-123456.html"
CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def _html(name: str) -> str:
    return (DOM / name).read_text("utf-8")


def _page(name: str) -> str:
    return decode_html((PAGES / name).read_bytes()).text


# -- credits from the page's source and byline elements ----------------------------------------


@pytest.mark.parametrize(
    ("name", "hint", "credit"),
    [
        # <p class="article__author cms-author">PV/VOV.VN</p> after the body
        ("vov-relate.html", "PV/VOV.VN", "VOV.VN"),
        # <span class="kbwcm-source">Theo Trí Thức Trẻ</span> in the header's meta line
        ("kenh14-relate.html", "Theo Trí Thức Trẻ", "Trí Thức Trẻ"),
        # <a class="link-source-name">Theo <span>Trí Thức Trẻ</span></a> in a footer link box
        ("soha-source.html", "Theo Trí Thức Trẻ", "Trí Thức Trẻ"),
    ],
)
def test_credit_from_an_element_the_extractor_drops(name: str, hint: str, credit: str) -> None:
    found = extract_article(_html(name), URL)
    assert hint in found.credit_hints
    assert hint not in found.body  # trafilatura (or the DOM pruning) left the element out
    assert clean_article(found.headline or "", found.body).source_credit is None
    cleaned = clean_article(found.headline or "", found.body, credit_hints=found.credit_hints)
    assert cleaned.source_credit == credit
    assert cleaned.rejection is None


def test_credit_hint_of_a_pruned_footer_link_box() -> None:
    """Soha's credit sits in ``div.link-content-footer`` ('footer': pruned by name) and in a
    ``div.link-source-wrapper`` that is one link: both are gone before trafilatura runs."""
    html = _html("soha-source.html")
    assert 'class="link-source-name"' in html
    found = extract_article(html, URL)
    assert "Trí Thức Trẻ" not in found.body
    assert found.credit_hints[:3] == (found.credit_hints[0], "Theo Trí Thức Trẻ", "Trí Thức Trẻ")
    assert found.credit_hints[0].startswith("Theo Trí Thức TrẻLink bài gốcCopy link")


@pytest.mark.parametrize(
    ("name", "credit"),
    [
        ("vov-relate.html", "VOV.VN"),
        ("kenh14-relate.html", "Trí Thức Trẻ"),
        ("soha-source.html", "Trí Thức Trẻ"),
        ("vnexpress-onelink.html", "SCMP"),  # "Anh Ngọc (Theo SCMP)" closes the body itself
    ],
)
def test_credit_through_the_extraction_worker_call(name: str, credit: str) -> None:
    _, cleaned = extract(
        _html(name),
        URL,
        timezone="Asia/Ho_Chi_Minh",
        site=SiteContext(language="vi"),
        options=CleaningOptions(),
    )
    assert cleaned.source_credit == credit
    assert cleaned.vietnamese
    assert cleaned.rejection is None
    assert not cleaned.body.endswith(credit)


def test_credit_element_named_nguon_tin() -> None:
    """``<div class="nguon-tin">(Nguồn: Tân Hoa Xã)</div>``, the shape some papers give the
    source line, inserted after Thanh Niên's body (the page itself names no outlet)."""
    html = _html("thanhnien-abody.html").replace(
        '<div id="abdf" class="details__content">',
        '<div class="nguon-tin">(Nguồn: Tân Hoa Xã)</div>\n'
        '<div id="abdf" class="details__content">',
        1,
    )
    assert 'class="nguon-tin"' in html
    found, cleaned = extract(
        html, URL, timezone=None, site=SiteContext(), options=CleaningOptions()
    )
    assert "(Nguồn: Tân Hoa Xã)" in found.credit_hints
    assert "Tân Hoa Xã" not in found.body
    assert cleaned.source_credit == "Tân Hoa Xã"


def test_names_and_photo_sources_are_no_credit() -> None:
    """Thanh Niên's hints are the reporter ('Danh Toại'), the paper's own name ('Thanh Niên
    Online') and a photo source ('Sở Cảnh sát hạt Clark'): none is an outlet credit, and the
    body's own sentence 'Theo Sở Cảnh sát hạt Clark, ...' is no credit line either."""
    found = extract_article(_html("thanhnien-abody.html"), URL)
    assert found.credit_hints == ("Danh Toại", "Thanh Niên Online", "Sở Cảnh sát hạt Clark")
    cleaned = clean_article(found.headline or "", found.body, credit_hints=found.credit_hints)
    assert cleaned.source_credit is None
    assert cleaned.body == found.body
    assert cleaned.body.splitlines()[-1].startswith("Theo Sở Cảnh sát hạt Clark, hai giáo sư")


def test_credit_hint_cuts_a_credit_run_into_the_last_paragraph() -> None:
    """A hint whose text closes a line after the first third of the body is cut there, with
    what follows it (teasers)."""
    found = extract_article(_html("vov-relate.html"), URL)
    last = found.body.splitlines()[-1]
    body = (
        found.body.replace(last, last + " PV/VOV.VN") + "\nĐề nghị Bộ Chính trị kỷ luật ông "
        "Triệu Tài Vinh"
    )
    cleaned = clean_article(found.headline or "", body, credit_hints=found.credit_hints)
    assert cleaned.source_credit == "VOV.VN"
    assert cleaned.body.splitlines()[-1].rstrip() == last
    assert "Triệu Tài Vinh" not in cleaned.body
    assert ("byline", "PV/VOV.VN") in cleaned.removed


def test_credit_hint_cut_leaves_no_trailing_space() -> None:
    found = extract_article(_html("vov-relate.html"), URL)
    last = found.body.splitlines()[-1]
    body = found.body.replace(last, last + " PV/VOV.VN")
    cleaned = clean_article(found.headline or "", body, credit_hints=found.credit_hints)
    assert cleaned.body.splitlines()[-1] == last


# -- the Vietnamese rules apply to Vietnamese bodies only --------------------------------------


def test_chinese_page_without_lang_keeps_its_lines() -> None:
    found = extract_article(_page("zh-xinhuanet-no-lang.html"), URL)
    assert found.language is None  # no <html lang>, no declaration anywhere
    cleaned = clean_article(found.headline or "", found.body, credit_hints=found.credit_hints)
    assert not cleaned.vietnamese
    assert cleaned.source_credit is None
    lines = [line for line in found.body.splitlines() if CJK.search(line)]
    assert len(lines) >= 10
    assert [line for line in cleaned.body.splitlines() if CJK.search(line)] == lines
    lead = (
        "在抗击新冠肺炎疫情的日子里\uff0c"  # fullwidth comma
        "封在武汉的父母们总要万般无奈而又小心翼翼回应着孩子天真的追问。"
    )
    assert lead in cleaned.body.splitlines()


def test_german_quotation_opening_a_paragraph_stays() -> None:
    found = extract_article(_page("de-quote.html"), URL)
    cleaned = clean_article(found.headline or "", found.body)
    assert not cleaned.vietnamese
    quoted = [line for line in found.body.splitlines() if line.startswith("»")]
    assert len(quoted) >= 3
    for line in quoted:
        assert line in cleaned.body.splitlines()
    assert (
        "»Die Würde des Menschen ist unantastbar. Sie zu achten und zu schützen ist "
        "Verpflichtung aller staatlichen Gewalt.«"
    ) in cleaned.body.splitlines()
    assert not any(kind == "related" for kind, _text in cleaned.removed)


def test_english_body_ending_with_a_name_starting_theo_has_no_credit() -> None:
    """nj.com's article text with a last line naming a footballer: 'Theo X' is a credit only in
    Vietnamese text."""
    found = extract_article(_html("en-nj-tweets.html"), URL)
    body = found.body + "\nTheo Walcott"
    cleaned = clean_article(found.headline or "", body, credit_hints=("Theo Walcott",))
    assert not cleaned.vietnamese
    assert cleaned.source_credit is None
    assert cleaned.body.endswith("\nTheo Walcott")
    assert cleaned.removed == ()
