"""Look-alike letters: folding them (lexicon.fold_confusables) and flagging headlines that use
them to hide spam (spam.find_title_injection, where='homoglyph')."""

# The cases are written with the look-alike letters themselves, which is what they test.
# ruff: noqa: RUF001

from __future__ import annotations

import unicodedata
from importlib import resources

import pytest
from texts import FOOTBALL, GOLD, SEED_004_BODY, SUMMIT

from newscrawl.cleaning import Lexicon, find_title_injection, load_lexicon
from newscrawl.cleaning.lexicon import fold_confusables


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


VIETNAMESE = (
    "Ăn Ắn Ằn Ẳn Ẵn Ặn âm ấm ầm ẩm ẫm ậm Đêm đếm đềm để đễm đệm ôm ốm ồm ổm ỗm ộm ơn ớn ờn ởn ỡn "
    "ợn ưu ứu ừu ửu ữu ựu á à ả ã ạ é è ẻ ẽ ẹ í ì ỉ ĩ ị ó ò ỏ õ ọ ú ù ủ ũ ụ ý ỳ ỷ ỹ ỵ "
    "NGƯỜI ĐƯỢC QUYẾT ĐỊNH, “trích dẫn” – 50% … (Ngày Nay) ½ ²"
)


@pytest.mark.parametrize(
    "text", [VIETNAMESE, *SEED_004_BODY, "Xi Jinping (习近平) spoke at the APEC summit in Lima."]
)
def test_folding_leaves_ordinary_text_alone(text: str) -> None:
    assert fold_confusables(text).text == text
    assert fold_confusables(text).obfuscated == 0


@pytest.mark.parametrize(
    ("text", "folded", "obfuscated"),
    [
        ("PҺι̇ NҺυпɡ ℓêп ᵴᴏ́ɴɢ", "Phi Nhung lên sóng", 4),  # Cyrillic, Greek, letterlike, IPA
        ("Ѕоі kèо Leipzig", "Soi kèo Leipzig", 1),  # only the second word mixes scripts
        ("𝐍𝐡𝐚̀ 𝐜𝐚́𝐢 𝐮𝐲 𝐭𝐢́𝐧", "Nhà cái uy tín", 4),  # mathematical bold, tones kept
        ("ɢᴀᴍᴇ ʙᴀ̀ɪ đổi thưởng", "game bài đổi thưởng", 2),  # small capitals
        ("ｋｕｗｉｎ８８ nạp rút", "kuwin88 nạp rút", 0),  # fullwidth: folded, but CJK text uses it
        ("Путин встретился с Байденом", "Путин встретился с Байденом", 0),  # Russian stays Russian
        ("Tên lửa Сармат của Nga", "Tên lửa Capmat của Nga", 0),  # folded, not mixed in a word
    ],
)
def test_folding(text: str, folded: str, obfuscated: int) -> None:
    result = fold_confusables(text)
    assert (result.text, result.obfuscated) == (folded, obfuscated)


@pytest.mark.parametrize(
    ("headline", "body", "cleaned"),
    [
        # Two or more words mixing scripts are obfuscation in themselves.
        ("PҺι̇ NҺυпɡ ℓêп ᵴᴏ́ɴɢ", SUMMIT, "Phi Nhung lên sóng"),
        # Spam vocabulary that only folding reveals.
        ("Ѕоі kèо Arsenal hôm nay", FOOTBALL, ""),
        ("Ⓝⓗⓐ̀ ⓒⓐ́ⓘ uy tín", GOLD, ""),
        # Obfuscation meeting spam vocabulary; the injection's shape still gives the real title.
        ("【ѕоі kèо】Giá vàng hôm nay tăng mạnh", GOLD, "Giá vàng hôm nay tăng mạnh"),
        ("Tải ɢᴀᴍᴇ ʙᴀ̀ɪ đổi thưởng", FOOTBALL, ""),
        ("𝐍𝐡𝐚̀ 𝐜𝐚́𝐢 𝐮𝐲 𝐭𝐢́𝐧", GOLD, ""),
    ],
)
def test_obfuscated_headline_is_flagged(
    lexicon: Lexicon, headline: str, body: str, cleaned: str
) -> None:
    found = find_title_injection(headline, body, lexicon)
    assert found is not None
    assert (found.where, found.phrase, found.cleaned) == ("homoglyph", headline, cleaned)


def test_obfuscation_is_flagged_whatever_the_body_says(lexicon: Lexicon) -> None:
    body = "Soi kèo nhà cái hôm nay: tỷ lệ kèo châu Á, kèo tài xỉu trận Arsenal gặp Chelsea."
    found = find_title_injection("Ѕоі kèо Arsenal hôm nay", body, lexicon)
    assert found is not None and found.where == "homoglyph"


@pytest.mark.parametrize(
    "headline",
    [
        "Tên lửa Сармат của Nga bay thử thành công",  # a Russian name in Cyrillic
        "Ｈｕａｗｅｉ ra mắt điện thoại gập mới",  # fullwidth Latin from a Chinese source
        "Tia γ và các ứng dụng trong y học",  # a Greek letter in science news
        "Giá xăng RON95 giảm 300 đồng/ℓ",  # one letterlike symbol
    ],
)
def test_foreign_letters_in_clean_headlines_are_kept(lexicon: Lexicon, headline: str) -> None:
    assert find_title_injection(headline, GOLD, lexicon) is None


def test_confusables_file_is_well_formed() -> None:
    text = (resources.files("newscrawl.cleaning") / "data" / "confusables.txt").read_text("utf-8")
    lines = text.splitlines()
    assert any(line.startswith("# Provenance: Unicode Technical Standard #39") for line in lines)
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(rows) > 50
    for code, latin, name in rows:
        char = chr(int(code.removeprefix("U+"), 16))
        assert unicodedata.name(char) == name
        assert len(latin) == 1 and latin.isascii() and latin.isalpha()
    assert len({row[0] for row in rows}) == len(rows)
