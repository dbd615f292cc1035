"""``clean_article``: the one cleaning chain the extraction workers and the benchmarks call."""

from __future__ import annotations

import pytest
from texts import END, LEAD, LONG

from newscrawl.cleaning import CleaningOptions, SiteContext, clean_article

BODY = "\n".join(
    [
        "0:00 / 0:00",
        f"(Dân trí) - {LEAD}",
        LONG,
        END,
        "Theo TTXVN",
        "Giá vàng hôm nay tăng mạnh",
        "(Dân trí) - Sáng nay, giá vàng miếng tăng thêm 500.000 đồng mỗi lượng.",
    ]
)


def test_every_removal_is_recorded_with_its_kind() -> None:
    cleaned = clean_article("Quốc hội thảo luận Luật Đất đai", BODY)
    assert cleaned.rejection is None and cleaned.vietnamese
    assert cleaned.body == "\n".join([LEAD, LONG, END])
    assert cleaned.source_credit == "TTXVN"
    assert [kind for kind, _ in cleaned.removed] == [
        "player",
        "dateline",
        "credit",
        "teaser",
        "teaser",
    ]


def test_a_spam_title_is_rejected_and_the_body_still_cleaned() -> None:
    cleaned = clean_article("【soi kèo leipzig hôm nay】Quốc hội thảo luận Luật Đất đai", BODY)
    assert cleaned.rejection is not None and cleaned.rejection[0] == "spam-title"
    assert "soi kèo leipzig hôm nay" in cleaned.rejection[1]
    assert cleaned.body == "\n".join([LEAD, LONG, END])


def test_repair_mode_keeps_the_real_title() -> None:
    cleaned = clean_article(
        "【soi kèo leipzig hôm nay】Quốc hội thảo luận Luật Đất đai",
        BODY,
        options=CleaningOptions(spam_action="repair"),
    )
    assert cleaned.rejection is None
    assert cleaned.headline == "Quốc hội thảo luận Luật Đất đai"
    assert cleaned.title_injection and "soi kèo" in cleaned.title_injection


def test_an_unknown_spam_action_is_refused() -> None:
    with pytest.raises(ValueError, match="NEWSCRAWL_SPAM_TITLE_ACTION"):
        CleaningOptions(spam_action="dorp")


@pytest.mark.parametrize(
    ("site", "options", "reason"),
    [
        (SiteContext(language="vi"), CleaningOptions(min_chars=10_000), "too-short"),
        (SiteContext(language="en"), CleaningOptions(), "wrong-language"),
    ],
)
def test_the_quality_gate(site: SiteContext, options: CleaningOptions, reason: str) -> None:
    cleaned = clean_article("Quốc hội thảo luận Luật Đất đai", BODY, site=site, options=options)
    assert cleaned.rejection is not None and cleaned.rejection[0] == reason


def test_a_credit_marked_by_the_page_is_used_when_the_body_has_none() -> None:
    body = "\n".join([LEAD, LONG, END])
    cleaned = clean_article(
        "Quốc hội thảo luận", body, credit_hints=("Bình Minh", "Nguyễn Quỳnh/VOV.VN")
    )
    assert cleaned.source_credit == "VOV.VN" and cleaned.body == body


def test_vietnamese_rules_stay_off_for_other_languages() -> None:
    english = (
        "The committee met on Tuesday to discuss the budget and the new tax rules.\n"
        "» We will not accept this, « the chairman said after the meeting ended.\n"
        "Arsenal's forward was replaced in the second half by Theo Walcott"
    )
    cleaned = clean_article("Budget talks", english)
    assert not cleaned.vietnamese
    assert cleaned.body == english and cleaned.source_credit is None
