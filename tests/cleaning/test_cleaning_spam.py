"""Injected headline spam and body repairs, against the seed texts and realistic cases."""

from __future__ import annotations

import itertools
from importlib import resources

import pytest
from conftest import DATA
from texts import FOOTBALL, GOLD, SEED_004_BODY, SUMMIT

from newscrawl.cleaning import (
    Lexicon,
    find_title_injection,
    load_lexicon,
    repair_body,
    strip_boilerplate,
)
from newscrawl.cleaning.lexicon import has_word

SEEDS = DATA / "seeds"

FLOOD = (
    "Mưa lớn kéo dài khiến nhiều tuyến đường ở Quảng Bình ngập sâu, giao thông bị chia cắt.\n"
    "Chính quyền địa phương đã di dời hơn 2.000 hộ dân đến nơi an toàn."
)
FUEL = (
    "Liên Bộ Công Thương - Tài chính vừa điều chỉnh giá xăng dầu trong nước.\n"
    "Xăng RON95 giảm 300 đồng mỗi lít, đây là lần giảm thứ ba liên tiếp."
)

# (headline, body, where, phrase, cleaned)
INJECTED = [
    (
        "【soi kèo leipzig hôm nay】Cuộc gặp thượng đỉnh Mỹ",
        SUMMIT,
        "bracket-prefix",
        "soi kèo leipzig hôm nay",
        "Cuộc gặp thượng đỉnh Mỹ",
    ),
    (
        "【kèo nhà cái】Giá vàng hôm nay tăng mạnh",
        GOLD,
        "bracket-prefix",
        "kèo nhà cái",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "〖nổ hũ đổi thưởng〗Mưa lớn gây ngập sâu ở Quảng Bình",
        FLOOD,
        "bracket-prefix",
        "nổ hũ đổi thưởng",
        "Mưa lớn gây ngập sâu ở Quảng Bình",
    ),
    (
        "[kuwin] Giá xăng giảm lần thứ ba liên tiếp",
        FUEL,
        "bracket-prefix",
        "kuwin",
        "Giá xăng giảm lần thứ ba liên tiếp",
    ),
    (
        "(soi cầu xsmb) Giá vàng hôm nay tăng mạnh",
        GOLD,
        "bracket-prefix",
        "soi cầu xsmb",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "【nha cai uy tin】Đội tuyển Việt Nam hội quân",
        FOOTBALL,
        "bracket-prefix",
        "nha cai uy tin",
        "Đội tuyển Việt Nam hội quân",
    ),
    (
        "【98winok72】Giá xăng giảm lần thứ ba liên tiếp",
        FUEL,
        "bracket-prefix",
        "98winok72",
        "Giá xăng giảm lần thứ ba liên tiếp",
    ),
    (
        "【xổ số miền bắc】Giá vàng hôm nay tăng mạnh",
        GOLD,
        "bracket-prefix",
        "xổ số miền bắc",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "\uff08tài xỉu online\uff09Mưa lớn gây ngập sâu",
        FLOOD,
        "bracket-prefix",
        "tài xỉu online",
        "Mưa lớn gây ngập sâu",
    ),
    (
        "Giá vàng hôm nay tăng mạnh【soi kèo】",
        GOLD,
        "bracket-suffix",
        "soi kèo",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "Mưa lớn gây ngập sâu ở Quảng Bình [link vào 789bet]",
        FLOOD,
        "bracket-suffix",
        "link vào 789bet",
        "Mưa lớn gây ngập sâu ở Quảng Bình",
    ),
    (
        "Giá xăng giảm lần thứ ba liên tiếp (vay tiền chỉ cần cccd)",
        FUEL,
        "bracket-suffix",
        "vay tiền chỉ cần cccd",
        "Giá xăng giảm lần thứ ba liên tiếp",
    ),
    (
        "Đội tuyển Việt Nam hội quân 〖bắn cá đổi thưởng〗",
        FOOTBALL,
        "bracket-suffix",
        "bắn cá đổi thưởng",
        "Đội tuyển Việt Nam hội quân",
    ),
    (
        "Cuộc gặp thượng đỉnh Mỹ 【SV388】",
        SUMMIT,
        "bracket-suffix",
        "SV388",
        "Cuộc gặp thượng đỉnh Mỹ",
    ),
    (
        "soi kèo man city hôm nay | Giá vàng hôm nay tăng mạnh",
        GOLD,
        "prefix",
        "soi kèo man city hôm nay",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "Kèo nhà cái uy tín - Mưa lớn gây ngập sâu ở Quảng Bình",
        FLOOD,
        "prefix",
        "Kèo nhà cái uy tín",
        "Mưa lớn gây ngập sâu ở Quảng Bình",
    ),
    (
        "Tỷ lệ kèo bóng đá: Giá xăng giảm lần thứ ba liên tiếp",
        FUEL,
        "prefix",
        "Tỷ lệ kèo bóng đá",
        "Giá xăng giảm lần thứ ba liên tiếp",
    ),
    (
        "game bài đổi thưởng \u2013 Cuộc gặp thượng đỉnh Mỹ",
        SUMMIT,
        "prefix",
        "game bài đổi thưởng",
        "Cuộc gặp thượng đỉnh Mỹ",
    ),
    (
        "xóc đĩa online | Đội tuyển Việt Nam hội quân",
        FOOTBALL,
        "prefix",
        "xóc đĩa online",
        "Đội tuyển Việt Nam hội quân",
    ),
    (
        "Xổ số miền Bắc | Giá vàng hôm nay tăng mạnh",
        GOLD,
        "prefix",
        "Xổ số miền Bắc",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "Giá vàng hôm nay tăng mạnh - soi kèo nhà cái",
        GOLD,
        "suffix",
        "soi kèo nhà cái",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "Mưa lớn gây ngập sâu ở Quảng Bình | nổ hũ thần tài",
        FLOOD,
        "suffix",
        "nổ hũ thần tài",
        "Mưa lớn gây ngập sâu ở Quảng Bình",
    ),
    (
        "Đội tuyển Việt Nam hội quân: link xem bóng đá",
        FOOTBALL,
        "suffix",
        "link xem bóng đá",
        "Đội tuyển Việt Nam hội quân",
    ),
    (
        "Giá xăng giảm lần thứ ba liên tiếp \u2014 thuốc cường dương",
        FUEL,
        "suffix",
        "thuốc cường dương",
        "Giá xăng giảm lần thứ ba liên tiếp",
    ),
    (
        "Cuộc gặp thượng đỉnh Mỹ - Nga | phim sex",
        SUMMIT,
        "suffix",
        "phim sex",
        "Cuộc gặp thượng đỉnh Mỹ - Nga",
    ),
    (
        "soi kèo leipzig hôm nay Cuộc gặp thượng đỉnh Mỹ",
        SUMMIT,
        "prefix",
        "soi kèo leipzig hôm nay",
        "Cuộc gặp thượng đỉnh Mỹ",
    ),
    (
        "keo nha cai hom nay Giá vàng tăng mạnh",
        GOLD,
        "prefix",
        "keo nha cai hom nay",
        "Giá vàng tăng mạnh",
    ),
    (
        "Giá vàng hôm nay tăng mạnh soi kèo châu á hôm nay",
        GOLD,
        "suffix",
        "soi kèo châu á hôm nay",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "Mưa lớn gây ngập sâu ở Quảng Bình dàn đề 36 số",
        FLOOD,
        "suffix",
        "dàn đề 36 số",
        "Mưa lớn gây ngập sâu ở Quảng Bình",
    ),
    (
        "kuwin lịch thi đấu chelseasoi kèo man city",
        FOOTBALL,
        "glued-queries",
        "kuwin lịch thi đấu chelseasoi kèo man city",
        "",
    ),
    (
        "98win kết quả bóng đá hôm nayxsmb soi cầu",
        FOOTBALL,
        "glued-queries",
        "98win kết quả bóng đá hôm nayxsmb soi cầu",
        "",
    ),
    (
        "kubet11 tỷ lệ kèo nhà cái hôm nay",
        FOOTBALL,
        "glued-queries",
        "kubet11 tỷ lệ kèo nhà cái hôm nay",
        "",
    ),
    (
        "jun88 soi kèo bóng đá hôm nay mu vs chelsea",
        FOOTBALL,
        "glued-queries",
        "jun88 soi kèo bóng đá hôm nay mu vs chelsea",
        "",
    ),
    (
        "Soi kèo giá vàng hôm nay tăng mạnh",
        GOLD,
        "off-topic",
        "Soi kèo",
        "Giá vàng hôm nay tăng mạnh",
    ),
    (
        "Mưa lớn ở Quảng Bìnhsoi kèo gây ngập sâu",
        FLOOD,
        "off-topic",
        "soi kèo",
        "Mưa lớn ở Quảng Bình gây ngập sâu",
    ),
    (
        "Cuộc gặp thượng đỉnh soi kèo Mỹ - Nga tại Geneva",
        SUMMIT,
        "off-topic",
        "soi kèo",
        "Cuộc gặp thượng đỉnh Mỹ - Nga tại Geneva",
    ),
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


@pytest.mark.parametrize(
    ("headline", "body", "where", "phrase", "cleaned"), INJECTED, ids=[case[0] for case in INJECTED]
)
def test_injected_headline_is_flagged(
    lexicon: Lexicon, headline: str, body: str, where: str, phrase: str, cleaned: str
) -> None:
    found = find_title_injection(headline, body, lexicon)
    assert found is not None
    assert (found.where, found.phrase, found.cleaned) == (where, phrase, cleaned)


# (headline, body): gambling, lottery, casino and loan news whose body discusses the topic.
LEGITIMATE = [
    (
        "Nhận định Leipzig vs Bayern: Chủ nhà khó cản Harry Kane",
        "Leipzig tiếp Bayern Munich trên sân nhà ở vòng 34 Bundesliga.\n"
        "Harry Kane đã ghi 36 bàn mùa này và là mối đe dọa lớn nhất với hàng thủ Leipzig.",
    ),
    (
        "Nhận định bóng đá Leipzig vs Bayern: Chủ nhà sáng cửa",
        "Leipzig thắng 4 trận gần nhất trên sân nhà, trong khi Bayern đã mất chức vô địch.\n"
        "Đội hình dự kiến của Leipzig có sự trở lại của tiền đạo Openda.",
    ),
    (
        "Kết quả xổ số miền Bắc hôm nay 16/6",
        "Kết quả xổ số miền Bắc (XSMB) ngày 16/6: giải đặc biệt về 12345.\n"
        "Giải nhất là 67890, giải nhì gồm hai số 11223 và 44556.",
    ),
    (
        "XSMB 16/6 - Kết quả xổ số miền Bắc hôm nay thứ Tư",
        "XSMB 16/6: giải đặc biệt xổ số miền Bắc mở thưởng tại Hà Nội về 54321.\n"
        "Các giải khác được công bố lúc 18h15.",
    ),
    (
        "Triệt phá đường dây cá độ bóng đá qua mạng 1.000 tỷ đồng",
        "Công an tỉnh Bắc Giang vừa triệt phá đường dây cá độ bóng đá qua mạng.\n"
        "Các đối tượng tổ chức cho hơn 5.000 người đánh bạc với tổng số tiền 1.000 tỷ đồng.",
    ),
    (
        "Phú Quốc: casino đầu tiên cho người Việt vào chơi được gia hạn thí điểm",
        "Chính phủ đồng ý gia hạn thí điểm cho người Việt vào chơi casino tại Phú Quốc.\n"
        "Người chơi phải từ 21 tuổi và có thu nhập từ 10 triệu đồng mỗi tháng.",
    ),
    (
        "Man City công bố 8xbet là đối tác khu vực châu Á",
        "Câu lạc bộ Manchester City vừa ký hợp đồng tài trợ khu vực với 8xbet.\n"
        "Đây là một trong nhiều đối tác thương mại của đội bóng ở châu Á.",
    ),
    (
        "Crystal Palace khoác áo in logo W88 ở mùa giải mới",
        "Crystal Palace giới thiệu mẫu áo đấu mới với logo nhà tài trợ W88 ở ngực.\n"
        "Các đội Premier League sẽ phải bỏ quảng cáo cờ bạc ở mặt trước áo từ năm 2026.",
    ),
    (
        "Cảnh báo app vay tiền online lừa đảo: Nhiều người mất trắng",
        "Công an TP.HCM cảnh báo thủ đoạn lừa đảo qua các app vay tiền online.\n"
        "Nạn nhân bị yêu cầu nộp phí giải ngân rồi bị chiếm đoạt tiền.",
    ),
    (
        "Bắt nhóm cho vay nặng lãi, bốc bát họ ở Đồng Nai",
        "Công an tỉnh Đồng Nai bắt 12 người trong đường dây cho vay nặng lãi.\n"
        "Nhóm này cho vay theo hình thức bốc bát họ với lãi suất hơn 300% mỗi năm.",
    ),
    (
        "Công an TP.HCM triệt xóa sới bạc, bắt 20 người đánh bạc",
        "Lực lượng công an ập vào một căn nhà ở quận 8, bắt quả tang 20 người đang đánh bạc.\n"
        "Tang vật thu giữ gồm hơn 100 triệu đồng và nhiều bộ bài.",
    ),
    (
        "Vietlott: Jackpot 1 Power 6/55 vượt 100 tỷ đồng",
        "Giải Jackpot 1 của sản phẩm Power 6/55 do Vietlott phát hành đã vượt 100 tỷ đồng.\n"
        "Kỳ quay thưởng tiếp theo diễn ra vào tối thứ Năm.",
    ),
    (
        "Đề xuất thí điểm cá cược bóng đá quốc tế từ năm 2025",
        "Bộ Tài chính đề xuất thí điểm kinh doanh đặt cược bóng đá quốc tế.\n"
        "Người tham gia cá cược phải đủ 21 tuổi và có tài khoản ngân hàng.",
    ),
    (
        "Xử lý nghiêm tình trạng quảng cáo cờ bạc trên mạng xã hội",
        "Bộ Thông tin và Truyền thông yêu cầu gỡ bỏ các quảng cáo cờ bạc trực tuyến.\n"
        "Nhiều trang đánh bạc lợi dụng người nổi tiếng để quảng cáo.",
    ),
    (
        "Hà Nội: Bắt quả tang nhóm thanh niên đánh bạc bằng hình thức xóc đĩa",
        "Công an quận Hà Đông bắt quả tang 8 thanh niên đánh bạc bằng hình thức xóc đĩa.\n"
        "Số tiền thu giữ trên chiếu bạc là 25 triệu đồng.",
    ),
    (
        "Triệt phá đường dây game bài đổi thưởng Rikvip, thu giữ 3.000 tỷ đồng",
        "Bộ Công an đã triệt phá đường dây tổ chức game bài đổi thưởng Rikvip.\n"
        "Hàng triệu tài khoản đã tham gia đánh bạc qua cổng game này.",
    ),
    (
        "Sòng bạc Hồ Tràm được cấp phép cho người Việt vào chơi",
        "Khu phức hợp Hồ Tràm Strip có sòng bạc lớn nhất Bà Rịa - Vũng Tàu.\n"
        "Người Việt đủ điều kiện sẽ được vào chơi casino theo quy định thí điểm.",
    ),
    (
        "Đà Nẵng: Phát hiện đường dây lô đề quy mô lớn",
        "Công an TP Đà Nẵng phát hiện đường dây lô đề với doanh thu hàng tỷ đồng mỗi ngày.\n"
        "Các đối tượng nhận ghi số đề qua tin nhắn điện thoại.",
    ),
    (
        "Đội tuyển poker Việt Nam giành huy chương vàng tại giải châu Á",
        "Giải poker châu Á năm nay quy tụ hơn 1.000 người chơi đến từ 30 quốc gia.\n"
        "Các tay chơi Việt Nam giành huy chương vàng nội dung đồng đội.",
    ),
    (
        "Lễ hội đá gà truyền thống ở Đồ Sơn thu hút du khách",
        "Lễ hội chọi trâu và đá gà truyền thống được tổ chức hằng năm ở Đồ Sơn.\n"
        "Ban tổ chức cho biết không có hình thức cá cược trong lễ hội.",
    ),
    (
        "Bầu cua, lô tô: trò chơi dân gian ngày Tết",
        "Bầu cua và lô tô là những trò chơi quen thuộc của nhiều gia đình dịp Tết.\n"
        "Công an khuyến cáo không biến bầu cua thành hình thức đánh bạc ăn tiền.",
    ),
    (
        "Tín dụng đen biến tướng qua ứng dụng vay tiền online",
        "Các đối tượng tín dụng đen lập hàng trăm ứng dụng vay tiền online.\n"
        "Người vay bị đòi nợ bằng cách bôi nhọ trên mạng xã hội.",
    ),
    (
        "Ngân hàng cảnh báo dịch vụ rút tiền thẻ tín dụng trái phép",
        "Nhiều cửa hàng quảng cáo dịch vụ rút tiền thẻ tín dụng với phí thấp.\n"
        "Ngân hàng Nhà nước cảnh báo đây là hành vi trái phép.",
    ),
    (
        "Bộ Công an cảnh báo chiêu lừa việc nhẹ lương cao",
        "Các đối tượng đăng tin tuyển dụng việc nhẹ lương cao trên mạng xã hội.\n"
        "Người lao động bị lừa sang Campuchia làm việc cho các sòng bạc trực tuyến.",
    ),
    (
        "Bắt đối tượng tổ chức đánh bạc qua app cá cược, thu lợi 50 tỷ đồng",
        "Đối tượng lập ứng dụng để hàng nghìn người cá độ bóng đá.\n"
        "Cơ quan điều tra xác định đối tượng đã tổ chức đánh bạc và thu lợi 50 tỷ đồng.",
    ),
    (
        "Soi kèo là gì? Cảnh báo bẫy cá độ bóng đá mùa Euro",
        "Nhiều trang mạng mời chào soi kèo miễn phí để dụ người dùng nạp tiền cá độ.\n"
        "Công an khuyến cáo người dân không tham gia cá độ bóng đá dưới mọi hình thức.",
    ),
    (
        "Sbobet rút khỏi vị trí nhà tài trợ áo đấu của West Ham",
        "West Ham xác nhận Sbobet sẽ không còn là nhà tài trợ chính từ mùa tới.\n"
        "Đội bóng đang đàm phán với một đối tác mới.",
    ),
    (
        "Xổ số Vietlott: Khách hàng ở TP.HCM trúng Jackpot hơn 60 tỷ đồng",
        "Một khách hàng ở TP.HCM đã trúng giải Jackpot xổ số Vietlott trị giá hơn 60 tỷ đồng.\n"
        "Người trúng giải đeo mặt nạ khi nhận thưởng.",
    ),
    (
        "Cà Mau: Bắt 15 người đá gà ăn tiền",
        "Công an huyện Trần Văn Thời bắt quả tang 15 người đá gà ăn tiền.\n"
        "Tang vật gồm 10 con gà và hơn 30 triệu đồng.",
    ),
    (
        "[Infographic] Thí điểm cá cược thể thao: Ai được tham gia?",
        "Nghị định mới quy định điều kiện tham gia cá cược thể thao thí điểm.\n"
        "Người chơi phải từ 21 tuổi trở lên.",
    ),
    (
        "Nhà cái W88 bị Crystal Palace chấm dứt hợp đồng tài trợ",
        "Crystal Palace chấm dứt hợp đồng với nhà cái W88 trước thời hạn.\n"
        "Đội bóng không công bố giá trị hợp đồng.",
    ),
    (
        "Nam thanh niên vay nóng để chơi game bài đổi thưởng, bị đòi nợ thuê đe dọa",
        "Anh T. vay nóng 200 triệu đồng để chơi game bài đổi thưởng trên mạng.\n"
        "Không trả được nợ, anh liên tục bị nhóm đòi nợ thuê đe dọa.",
    ),
]


@pytest.mark.parametrize(("headline", "body"), LEGITIMATE, ids=[c[0] for c in LEGITIMATE])
def test_legitimate_gambling_news_is_kept(lexicon: Lexicon, headline: str, body: str) -> None:
    assert find_title_injection(headline, body, lexicon) is None


def test_clean_headline_is_kept(lexicon: Lexicon) -> None:
    assert find_title_injection("Cuộc gặp thượng đỉnh Mỹ", SUMMIT, lexicon) is None


def test_injected_text_echoed_in_body_does_not_count_as_discussion(lexicon: Lexicon) -> None:
    body = SUMMIT + "\nsoi kèo leipzig hôm nay"
    found = find_title_injection("soi kèo leipzig hôm nay | Cuộc gặp thượng đỉnh Mỹ", body, lexicon)
    assert found is not None and found.where == "prefix"


def test_allow_list_keeps_a_headline(lexicon: Lexicon) -> None:
    headline = "Giá vàng hôm nay tăng mạnh【soi kèo】"
    assert find_title_injection(headline, GOLD, lexicon) is not None
    assert find_title_injection(headline, GOLD, load_lexicon(allow=["soi kèo"])) is None


def test_extra_terms_are_strong(lexicon: Lexicon) -> None:
    headline = "【vinbet9】Giá vàng hôm nay tăng mạnh"
    assert find_title_injection(headline, GOLD, lexicon) is None
    found = find_title_injection(headline, GOLD, load_lexicon(extra=["VinBet9"]))
    assert found is not None and found.phrase == "vinbet9"


# -- seed 004 --------------------------------------------------------------------------------


GLUED_LEAD = "mang tính xây dựng,ộcgặpthượngđỉnhMỹsoi kèo leipzig hôm nay trong đó"


@pytest.fixture(scope="module")
def seed_004() -> tuple[str, str]:
    headline, _, body = (SEEDS / "004_b25e258ed2e20bcd.txt").read_text("utf-8").partition("\n")
    return headline, body


def test_seed_004_headline_injection(lexicon: Lexicon, seed_004: tuple[str, str]) -> None:
    found = find_title_injection(*seed_004, lexicon)
    assert found is not None
    assert found.phrase == "soi kèo leipzig hôm nay"
    assert found.where == "bracket-prefix"
    assert found.cleaned == "Cuộc gặp thượng đỉnh Mỹ"


def test_seed_004_repair_then_strip(lexicon: Lexicon, seed_004: tuple[str, str]) -> None:
    headline, body = seed_004
    repaired, notes = repair_body(body, headline, lexicon)
    stripped = strip_boilerplate(repaired, headline)
    assert stripped.body == "\n".join(SEED_004_BODY)
    assert stripped.source_credit == "VOV"
    assert stripped.body.startswith("Cuộc gặp thượng đỉnh trực tiếp đầu tiên giữa Tổng thống Mỹ")
    assert stripped.body.endswith("vẫn cho thấy sự chia rẽ sâu sắc giữa hai nước.")
    for residue in ("soi kèo", "ộcgặp", "责任编辑", "- ·", "La liga"):
        assert residue not in stripped.body
    assert not any("\u4e00" <= char <= "\u9fff" for char in stripped.body)
    assert len(notes) == 3  # glued fragment, CJK line, repeated lead


def test_seed_004_with_the_cleaned_headline(lexicon: Lexicon, seed_004: tuple[str, str]) -> None:
    """The spam pipeline in repair mode hands over the headline without its injection."""
    _, body = seed_004
    repaired, _ = repair_body(body, "Cuộc gặp thượng đỉnh Mỹ", lexicon)
    assert strip_boilerplate(repaired).body == "\n".join(SEED_004_BODY)


@pytest.mark.parametrize(
    "headline", ["【soi kèo leipzig hôm nay】Cuộc gặp thượng đỉnh Mỹ", "Cuộc gặp thượng đỉnh Mỹ"]
)
def test_glued_title_tail_and_keyword_are_cut(lexicon: Lexicon, headline: str) -> None:
    repaired, notes = repair_body(GLUED_LEAD, headline, lexicon)
    assert repaired == "mang tính xây dựng, trong đó"
    assert notes == ["removed title copy glued to spam: 'ộcgặpthượngđỉnhMỹsoi kèo leipzig hôm nay'"]


def test_keyword_glued_before_the_title_copy(lexicon: Lexicon) -> None:
    body = "Hai bên thảo luận về an ninh mạng, soi kèo hôm nayCuộcgặpthượngđỉnhMỹ trong bốn tiếng."
    repaired, _ = repair_body(body, "Cuộc gặp thượng đỉnh Mỹ", lexicon)
    assert repaired == "Hai bên thảo luận về an ninh mạng, trong bốn tiếng."


def test_line_of_nothing_but_glued_spam_goes(lexicon: Lexicon) -> None:
    body = f"{SUMMIT}\nộcgặpthượngđỉnhMỹsoi kèo leipzig hôm nay\nHai bên sẽ gặp lại vào năm sau."
    repaired, _ = repair_body(body, "Cuộc gặp thượng đỉnh Mỹ", lexicon)
    assert repaired == f"{SUMMIT}\nHai bên sẽ gặp lại vào năm sau."


def test_title_copy_without_spam_is_kept(lexicon: Lexicon) -> None:
    body = "Từ khóa #CuộcgặpthượngđỉnhMỹ được chia sẻ rộng rãi trên mạng xã hội sau hội nghị."
    assert repair_body(body, "Cuộc gặp thượng đỉnh Mỹ", lexicon) == (body, [])


def test_title_in_normal_prose_is_kept(lexicon: Lexicon) -> None:
    body = "Cuộc gặp thượng đỉnh Mỹ - Nga diễn ra tại Geneva, không có soi kèo nào ở đây cả."
    assert repair_body(body, "Cuộc gặp thượng đỉnh Mỹ", lexicon) == (body, [])


def test_cjk_run_inside_a_sentence_is_removed(lexicon: Lexicon) -> None:
    body = "Ông Tập Cận Bình (习近平) phát biểu tại hội nghị APEC.\nHai bên ký 5 văn kiện."
    repaired, notes = repair_body(body, "", lexicon)
    assert repaired == "Ông Tập Cận Bình phát biểu tại hội nghị APEC.\nHai bên ký 5 văn kiện."
    assert notes == ["removed CJK text: 习近平"]


@pytest.mark.parametrize(
    "line", ["【责任编辑\uff1a王平】", "(责任编辑:La liga)", "相关文章", "韩国新闻"]
)
def test_cjk_only_lines_are_dropped(lexicon: Lexicon, line: str) -> None:
    body = f"Giá xăng giảm lần thứ ba liên tiếp.\n{line}\nXăng RON95 giảm 300 đồng."
    repaired, notes = repair_body(body, "", lexicon)
    assert repaired == "Giá xăng giảm lần thứ ba liên tiếp.\nXăng RON95 giảm 300 đồng."
    assert notes == [f"dropped CJK line: {line!r}"]


def test_cjk_is_kept_outside_vietnamese(lexicon: Lexicon) -> None:
    body = "Xi Jinping (习近平) spoke at the APEC summit in Lima."
    assert repair_body(body, "", lexicon, language="en") == (body, [])


def test_repeated_lead_is_dropped(lexicon: Lexicon) -> None:
    lead = "Giá xăng RON95 giảm 300 đồng mỗi lít từ 15h chiều nay, lần giảm thứ ba liên tiếp."
    body = f"{lead}\nLiên Bộ Công Thương - Tài chính vừa điều hành giá. {lead.upper()}"
    repaired, notes = repair_body(body, "", lexicon)
    assert repaired == body.partition("\n")[2]
    assert notes[0].startswith("dropped lead repeated later")


def test_short_or_unrepeated_lead_is_kept(lexicon: Lexicon) -> None:
    assert repair_body("Ảnh minh họa.\nẢnh minh họa. Người dân đi lễ.", "", lexicon)[1] == []
    assert repair_body(FUEL, "", lexicon) == (FUEL, [])


def test_lead_repeated_only_across_a_paragraph_break_is_kept(lexicon: Lexicon) -> None:
    lead = "Giá xăng RON95 giảm 300 đồng mỗi lít từ 15h chiều nay, lần giảm thứ ba liên tiếp."
    body = (
        f"{lead}\nGiá xăng RON95 giảm 300 đồng mỗi lít\n"
        "từ 15h chiều nay, lần giảm thứ ba liên tiếp."
    )
    assert repair_body(body, "", lexicon)[0] == body


# -- lexicon -----------------------------------------------------------------------------------


def test_lexicon_is_built_once(lexicon: Lexicon) -> None:
    assert load_lexicon() is lexicon
    assert load_lexicon([], []) is lexicon


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("SOI KÈO hôm nay", "soi kèo"),
        ("soi keo hom nay", "soi kèo"),
        ("keonhacai uy tín", "keonhacai"),
        ("tải kuwinok46 ngay", "kuwin"),
        ("KUBET88 nạp rút", "kubet"),
        ("赌场 mới mở", "赌场"),
    ],
)
def test_lexicon_matches(lexicon: Lexicon, text: str, entry: str) -> None:
    assert entry in [hit.entry for hit in lexicon.find(text)]


@pytest.mark.parametrize(
    "text",
    [
        "bán cá ở chợ Long Biên",  # "ban ca" only counts in text written without accents
        "Ku Klux Klan",  # "ku" was dropped from the brands
        "mã số 6686 của lô hàng",
        "sôi kéo co",
        "Thông tin chốt sổ cuối năm",
    ],
)
def test_lexicon_does_not_match(lexicon: Lexicon, text: str) -> None:
    assert lexicon.find(text) == []


def test_glued_hits_are_found_separately(lexicon: Lexicon) -> None:
    assert [h.text for h in lexicon.find_glued("lịch thi đấu chelseasoi kèo")] == ["soi kèo"]
    assert lexicon.find("lịch thi đấu chelseasoi kèo") == []


@pytest.mark.parametrize("name", ["gambling.txt", "brands.txt", "other_spam.txt"])
def test_data_files_are_well_formed(name: str) -> None:
    text = (resources.files("newscrawl.cleaning") / "data" / name).read_text("utf-8")
    lines = text.splitlines()
    header = list(itertools.takewhile(lambda line: line.startswith("#"), lines))
    assert any(line.startswith("# Provenance: ../shared/reference/") for line in header)
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(rows) > 50
    assert all(len(row) == 2 and row[1] in ("strong", "ambiguous") for row in rows)
    assert len({row[0] for row in rows}) == len(rows)


def test_strong_and_ambiguous_do_not_overlap(lexicon: Lexicon) -> None:
    assert not lexicon.strong & lexicon.ambiguous
    assert not lexicon.brands & lexicon.ambiguous


# -- injection shapes decide whatever the body says --------------------------------------------

SCAM_NEWS = (
    "Nhiều hội nhóm trên mạng xã hội mời chào soi kèo miễn phí, rồi dụ người chơi nạp tiền vào "
    "các nhà cái không phép.\n"
    "Công an khuyến cáo người dân không tham gia cá độ bóng đá dưới mọi hình thức."
)


def test_lenticular_bracket_is_decisive_over_a_body_on_the_topic(lexicon: Lexicon) -> None:
    headline = "【soi kèo tài xỉu đêm nay】Cảnh báo chiêu lừa nạp tiền vào nhà cái"
    found = find_title_injection(headline, SCAM_NEWS, lexicon)
    assert found is not None
    assert (found.where, found.phrase) == ("bracket-prefix", "soi kèo tài xỉu đêm nay")
    assert found.cleaned == "Cảnh báo chiêu lừa nạp tiền vào nhà cái"


def test_plain_bracket_over_a_body_on_the_topic_is_kept(lexicon: Lexicon) -> None:
    assert find_title_injection("[Cảnh báo] Bẫy soi kèo mùa Euro", SCAM_NEWS, lexicon) is None


def test_glued_phrase_is_decisive_over_a_body_on_the_topic(lexicon: Lexicon) -> None:
    found = find_title_injection("Cảnh báo bẫy cá độ mùa Eurosoi kèo hôm nay", SCAM_NEWS, lexicon)
    assert found is not None and (found.where, found.phrase) == ("off-topic", "soi kèo")


def test_the_farm_pasted_query_in_the_body_is_not_discussion(lexicon: Lexicon) -> None:
    """The body's only spam is the farm's glued paste, which runs on past the title's keyword."""
    body = SUMMIT.replace("an ninh mạng", "an ninh mạng,đỉnhMỹsoi kèo nhà cái uy tín hôm nay")
    found = find_title_injection("Cuộc gặp thượng đỉnh Mỹ | soi kèo", body, lexicon)
    assert found is not None and (found.where, found.cleaned) == (
        "suffix",
        "Cuộc gặp thượng đỉnh Mỹ",
    )


def test_a_copy_of_the_headline_in_the_body_is_not_discussion(lexicon: Lexicon) -> None:
    """Page headers extracted with the article repeat the headline; that is no discussion."""
    body = f"Chơi game đổi tiền thật Đăng lúc: Thứ Hai, 21/06/2021 16:37\n{FUEL}"
    found = find_title_injection("Chơi game đổi tiền thật", body, lexicon)
    assert found is not None and (found.where, found.cleaned) == ("farm-title", "")


# -- title-body coherence ----------------------------------------------------------------------

# (headline, unrelated body): spam vocabulary above a copied article about something else.
FARM_TITLES = [
    ("Cách chơi tài xỉu luôn thắng", FUEL),
    ("Mẹo chơi baccarat cho người mới bắt đầu", FLOOD),
    ("Kinh nghiệm đánh lô đề hiệu quả", GOLD),
    ("Xem bóng đá trực tuyến miễn phí", SUMMIT),
    ("Bầu cua tôm cá online", FOOTBALL),
    ("Soi cầu miền bắc 24 giờ", SUMMIT),
]


@pytest.mark.parametrize(("headline", "body"), FARM_TITLES, ids=[c[0] for c in FARM_TITLES])
def test_spam_title_over_an_unrelated_body_is_a_farm_title(
    lexicon: Lexicon, headline: str, body: str
) -> None:
    found = find_title_injection(headline, body, lexicon)
    assert found is not None
    assert (found.where, found.phrase, found.cleaned) == ("farm-title", headline, "")


def test_split_off_keyword_over_an_unrelated_body_leaves_no_title(lexicon: Lexicon) -> None:
    """'Nhận định trận đấu Anh vs Scotland' is not this body's title either: nothing to repair."""
    found = find_title_injection("Kèo nhà cái: Nhận định trận đấu Anh vs Scotland", FUEL, lexicon)
    assert found is not None
    assert (found.where, found.phrase, found.cleaned) == ("prefix", "Kèo nhà cái", "")


# (headline, body): the body shares the headline's subject without repeating its spam words.
COHERENT = [
    (
        "Nhận định bóng đá Arsenal vs Chelsea: Pháo thủ sáng cửa",
        "Arsenal tiếp Chelsea trên sân Emirates ở vòng 20 Ngoại hạng Anh.\n"
        "Đội chủ nhà thắng 5 trận liên tiếp, trong khi Chelsea mất tiền vệ trụ cột "
        "vì chấn thương.\n"
        "HLV Mikel Arteta cho biết Arsenal sẽ chơi tấn công ngay từ đầu.",
    ),
    (
        "Dự đoán tỷ số trận Việt Nam gặp Thái Lan ở chung kết AFF Cup",
        "Đội tuyển Việt Nam gặp Thái Lan ở trận chung kết lượt về AFF Cup tối nay.\n"
        "Hai đội hòa 2-2 ở lượt đi, HLV Kim Sang-sik có đủ lực lượng mạnh nhất.",
    ),
    (
        "Nghệ nhân nuôi gà chọi giữ nghề đá gà truyền thống",
        "Ông Tư ở huyện Hóc Môn đã nuôi gà chọi hơn 30 năm, mỗi con được chăm như người nhà.\n"
        "Ông chỉ cho gà thi đấu trong các lễ hội truyền thống, không ăn tiền.",
    ),
    (
        "Thanh niên nghiện tài xỉu online trộm xe máy để gỡ nợ",
        "Nguyễn Văn H. (22 tuổi) khai nhận nghiện chơi tài xỉu trên mạng, "
        "thua hết tiền tiết kiệm.\n"
        "Để có tiền gỡ, H. đã trộm ba xe máy ở khu nhà trọ.",
    ),
    (
        "Đánh bài ngày Tết: Thú vui sum vầy hay mầm mống cờ bạc?",
        "Chiều mùng Hai Tết, con cháu quây quần bên chiếu bài, mỗi ván chỉ vài nghìn đồng.\n"
        "Theo luật sư, ranh giới giữa vui chơi và đánh bạc khá mong manh.",
    ),
]


@pytest.mark.parametrize(("headline", "body"), COHERENT, ids=[c[0] for c in COHERENT])
def test_news_sharing_its_bodys_subject_is_kept(lexicon: Lexicon, headline: str, body: str) -> None:
    assert find_title_injection(headline, body, lexicon) is None


# -- regressions from the dev site (real article text, farm copies as crawled) ------------------

HOANG_TRUNG_HAI = (
    "| 【tỷ lệ kèo nhà cái hôm nay】Ông Hoàng Trung Hải có Đăng lúc: Thứ Năm, 22/07/2021 22:39 "
    "\\| Người viết: Minh Anh Ông Hoàng Trung Hải,gHoàngTrungHảicótỷ lệ kèo nhà cái hôm nay Bí thư "
    "Thành ủy Hà Nội, trong thời gian giữ cương vị Ủy viên Ban cán sự đảng, Phó Thủ tướng Chính "
    "phủ đã có vi phạm, khuyết điểm khi cho một số ý kiến chỉ đạo đối với Dự án TISCO II.\n"
    "Ủy ban Kiểm tra Trung ương đề nghị Bộ Chính trị xem xét, thi hành kỷ luật."
)
PRIME_MINISTER = (
    "TTO - Không có doanh nghiệp thì không thể có nền kinh tế lớn, thiếu vắng những thương hiệu "
    "nổi tiếng. Không thể có doanh nghiệp tầm cỡ nếu thiếu doanh nhân và cá nhân xuất sắc.\n"
    "Thủ tướng Nguyễn Xuân Phúc nhấn mạnh như vậy tại Hội nghị Thủ tướng đối thoại với doanh "
    "nghiệp diễn ra sáng nay (23-12) tại Hà Nội."
)


def test_devset_bracket_copy_with_its_keyword_glued_into_the_body(lexicon: Lexicon) -> None:
    found = find_title_injection(
        "【tỷ lệ kèo nhà cái hôm nay】Ông Hoàng Trung Hải có", HOANG_TRUNG_HAI, lexicon
    )
    assert found is not None and found.where == "bracket-prefix"
    assert found.cleaned == "Ông Hoàng Trung Hải có"


def test_devset_how_to_title_over_a_copied_body(lexicon: Lexicon) -> None:
    found = find_title_injection("Cách chơi tài xỉu", PRIME_MINISTER, lexicon)
    assert found is not None and found.where == "farm-title"


# -- one-pass scanning ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "kuwin lịch thi đấu chelseasoi kèo man city hôm nay",
        "Công an triệt phá đường dây cá độ bóng đá, thu giữ nhiều máy đánh bạc. KUBET88 nạp rút",
        "mang tính xây dựng,ộcgặpthượngđỉnhMỹsoi kèo leipzig hôm nay trong đó",
    ],
)
def test_scan_finds_what_find_and_find_glued_find(lexicon: Lexicon, text: str) -> None:
    assert lexicon.scan(text) == (lexicon.find(text), lexicon.find_glued(text))


def test_has_word() -> None:
    assert has_word("tham gia cá độ bóng đá", "cá độ")
    assert not has_word("Middlesex thắng", "sex")
    assert not has_word("đánh bạc", "bạch")


def test_glued_copy_is_cut_after_a_pasted_prefix(lexicon: Lexicon) -> None:
    """repair_body reads the injection's shape without the body: a prefix split still counts."""
    body = "Sáng nay, giá vàng miếng SJC tăng mạnh,hômnaytăngmạnhsoi kèo man city hôm nay theo đà."
    repaired, notes = repair_body(
        body, "soi kèo man city hôm nay | Giá vàng hôm nay tăng mạnh", lexicon
    )
    assert repaired == "Sáng nay, giá vàng miếng SJC tăng mạnh, theo đà."
    assert notes == ["removed title copy glued to spam: 'hômnaytăngmạnhsoi kèo man city hôm nay'"]
