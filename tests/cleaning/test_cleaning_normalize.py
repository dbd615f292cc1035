"""Unicode and whitespace normalization of extracted text."""

from __future__ import annotations

import unicodedata

import pytest

from newscrawl.cleaning import normalize_line, normalize_text

NFD_VIETNAMESE = unicodedata.normalize("NFD", "Tiếng Việt có dấu")

NORMALIZATION_CASES = [
    ("already clean", "Hà Nội mưa to.\nGiao thông ùn tắc.", "Hà Nội mưa to.\nGiao thông ùn tắc."),
    ("NFD to NFC", NFD_VIETNAMESE, "Tiếng Việt có dấu"),
    ("combining tone after base", "Vie\u0323\u0302t Nam", "Việt Nam"),
    ("CRLF", "Dòng một.\r\nDòng hai.", "Dòng một.\nDòng hai."),
    ("lone CR", "Dòng một.\rDòng hai.", "Dòng một.\nDòng hai."),
    ("line separator", "Dòng một.\u2028Dòng hai.", "Dòng một.\nDòng hai."),
    ("paragraph separator", "Đoạn một.\u2029Đoạn hai.", "Đoạn một.\nĐoạn hai."),
    ("form feed", "Trang một.\fTrang hai.", "Trang một.\nTrang hai."),
    ("blank lines dropped", "Đoạn một.\n\n\nĐoạn hai.", "Đoạn một.\nĐoạn hai."),
    ("whitespace-only lines", "Đoạn một.\n \t \nĐoạn hai.", "Đoạn một.\nĐoạn hai."),
    ("tab to space", "Giá\tvàng tăng.", "Giá vàng tăng."),
    ("no-break space", "Mỹ\u00a0Joe Biden", "Mỹ Joe Biden"),
    ("narrow no-break space", "100\u202fkm", "100 km"),
    ("figure space", "1\u2007000 đồng", "1 000 đồng"),
    ("ideographic space", "Hà\u3000Nội", "Hà Nội"),
    ("em space", "Hà\u2003Nội", "Hà Nội"),
    ("runs of spaces folded", "Hà    Nội  mưa", "Hà Nội mưa"),
    ("mixed blank run", "Hà \u00a0\t Nội", "Hà Nội"),
    ("zero-width space", "Thủ\u200btướng", "Thủtướng"),
    ("zero-width non-joiner", "Quốc\u200chội", "Quốchội"),
    ("zero-width joiner", "Chính\u200dphủ", "Chínhphủ"),
    ("word joiner", "Bộ\u2060trưởng", "Bộtrưởng"),
    ("byte order mark", "\ufeffTin mới", "Tin mới"),
    ("soft hyphen", "thông\u00adtin", "thôngtin"),
    ("left-to-right mark", "Hà Nội\u200e", "Hà Nội"),
    ("C0 control", "Giá\x07 vàng", "Giá vàng"),
    ("C1 control", "Giá\x9d vàng", "Giá vàng"),
    ("NUL", "Giá\x00 vàng", "Giá vàng"),
    ("spaces stripped at line ends", "  Đoạn một.  \n  Đoạn hai.  ", "Đoạn một.\nĐoạn hai."),
    ("leading and trailing newlines", "\n\nĐoạn một.\n\n", "Đoạn một."),
    ("invisible char leaves double space", "Giá \u200b vàng", "Giá vàng"),
    ("eth look-alike", "\u00d0à Nẵng và \u00f0ồng bằng", "Đà Nẵng và đồng bằng"),
    ("empty", "", ""),
    ("only whitespace", " \n\t\u00a0\n ", ""),
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [c[1:] for c in NORMALIZATION_CASES],
    ids=[c[0] for c in NORMALIZATION_CASES],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [c[1:] for c in NORMALIZATION_CASES],
    ids=[c[0] for c in NORMALIZATION_CASES],
)
def test_normalize_text_is_idempotent(raw: str, expected: str) -> None:
    assert normalize_text(normalize_text(raw)) == normalize_text(raw)


def test_eth_is_kept_outside_vietnamese() -> None:
    assert normalize_text("Ðóra \u00f0", vietnamese=False) == "Ðóra \u00f0"


TONE_CASES = [
    ("hoà", "hòa"),
    ("thuỷ", "thủy"),
    ("khoẻ", "khỏe"),
    ("Hoà Bình", "Hòa Bình"),
    ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
    ("HOÀ GIẢI", "HÒA GIẢI"),
    ("THUỶ ĐIỆN", "THỦY ĐIỆN"),
    ("xoá bỏ", "xóa bỏ"),
    ("toà án", "tòa án"),
    ("loè loẹt", "lòe loẹt"),
    ("tuỳ ý", "tùy ý"),
    ("oà khóc", "òa khóc"),
    ("hoạ sĩ", "họa sĩ"),
    # Not to be touched: qu-syllables, syllables with a final letter, three-vowel syllables.
    ("quý khách", "quý khách"),
    ("quỳ gối", "quỳ gối"),
    ("quà tặng", "quà tặng"),
    ("quả cam", "quả cam"),
    ("hoàng hôn", "hoàng hôn"),
    ("thuyền", "thuyền"),
    ("khuỷu tay", "khuỷu tay"),
    ("ngoài trời", "ngoài trời"),
    ("ngoẹo đầu", "ngoẹo đầu"),
    ("hòa bình", "hòa bình"),
]


@pytest.mark.parametrize(("raw", "expected"), TONE_CASES)
def test_unify_tone_marks(raw: str, expected: str) -> None:
    assert normalize_text(raw, unify_tone_marks=True) == expected


def test_tone_marks_are_left_alone_by_default() -> None:
    assert normalize_text("Hoà Bình, thuỷ điện, khoẻ mạnh") == "Hoà Bình, thuỷ điện, khoẻ mạnh"


def test_normalize_line_joins_lines() -> None:
    assert (
        normalize_line("  Hội nghị\u00a0thượng đỉnh\r\nNga-Mỹ \u200b")
        == "Hội nghị thượng đỉnh Nga-Mỹ"
    )


def test_normalize_line_takes_the_same_options() -> None:
    assert normalize_line("\u00d0ội tuyển hoà", unify_tone_marks=True) == "Đội tuyển hòa"
