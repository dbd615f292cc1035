"""Final article checks: headline, length and language."""

from __future__ import annotations

import pytest

from newscrawl.cleaning import check_quality
from newscrawl.cleaning.quality import detect_language

VIETNAMESE = (
    "Sáng 12/3, Quốc hội thảo luận về dự án Luật Đất đai sửa đổi với nhiều ý kiến trái chiều. "
    "Nhiều đại biểu đề nghị làm rõ cơ chế định giá đất và quyền lợi của người dân bị thu hồi đất. "
    "Theo dự thảo, bảng giá đất sẽ được xây dựng hằng năm thay vì 5 năm một lần như hiện nay."
)
ENGLISH = (
    "The National Assembly on Tuesday debated the revised Land Law, with delegates divided over "
    "how land prices should be set and how people whose land is recovered should be compensated. "
    "Under the draft, land price tables would be issued every year instead of every five years."
)
CHINESE = (  # \uff0c is the fullwidth comma
    "越南国会周二讨论了修订后的土地法草案\uff0c代表们对土地价格的确定方式"
    "以及被征地居民的补偿问题意见不一。根据草案\uff0c土地价格表将每年发布一次"
    "\uff0c而不是目前的每五年一次。这一变化旨在使国家公布的土地价格更接近市场"
    "价格\uff0c减少预算损失。许多代表还建议明确土地使用权拍卖的程序\uff0c以防止"
    "投机行为和价格操纵。国会预计将在本次会议结束时对该法律草案进行表决。"
    "此前\uff0c政府已就草案征求了全国一千多万人次的意见\uff0c收到的意见主要集中在"
    "土地估价、征地补偿、安置和农业用地管理等方面。"
)


def test_good_vietnamese_article() -> None:
    assert (
        check_quality(
            "Quốc hội thảo luận Luật Đất đai", VIETNAMESE, expected_language="vi", min_chars=200
        )
        is None
    )


@pytest.mark.parametrize("headline", ["", "   ", "\n"])
def test_no_headline(headline: str) -> None:
    assert check_quality(headline, VIETNAMESE, expected_language="vi", min_chars=200) == (
        "no-headline",
        "headline is empty",
    )


def test_too_short() -> None:
    assert check_quality("Tin ngắn", "Giá vàng tăng.", expected_language="vi", min_chars=200) == (
        "too-short",
        "14 chars < 200",
    )


def test_length_ignores_surrounding_whitespace() -> None:
    body = "  " + "a" * 199 + "\n\n"
    assert check_quality("Tin", body, expected_language=None, min_chars=200) == (
        "too-short",
        "199 chars < 200",
    )


@pytest.mark.parametrize(("body", "detected"), [(ENGLISH, "en"), (CHINESE, "zh")])
def test_wrong_language(body: str, detected: str) -> None:
    assert len(body) >= 200
    assert check_quality("Luật Đất đai", body, expected_language="vi", min_chars=100) == (
        "wrong-language",
        f"detected {detected} (expected vi)",
    )


def test_language_with_a_region_subtag() -> None:
    assert (
        check_quality("Luật Đất đai", VIETNAMESE, expected_language="vi-VN", min_chars=100) is None
    )


def test_short_bodies_are_not_judged_on_language() -> None:
    body = "The National Assembly debated the revised Land Law on Tuesday."
    assert len(body) < 200
    assert check_quality("Land Law", body, expected_language="vi", min_chars=10) is None


def test_no_expected_language_skips_the_check() -> None:
    assert check_quality("Land Law", ENGLISH, expected_language=None, min_chars=100) is None


def test_english_site_expecting_english() -> None:
    assert check_quality("Land Law", ENGLISH, expected_language="en", min_chars=100) is None


def test_plain_vietnamese_does_not_need_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_text: str) -> None:
        raise AssertionError("model called")

    monkeypatch.setattr("py3langid.classify", fail)
    assert detect_language(VIETNAMESE) == "vi"


def test_english_naming_vietnamese_people_goes_to_the_model() -> None:
    text = (
        "Prime Minister Phạm Minh Chính met Nguyễn Văn Thành in Hà Nội on Tuesday to discuss "
        "trade, investment and the economy, officials said after the meeting. "
    ) * 3
    assert detect_language(text) == "en"
