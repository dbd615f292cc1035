"""Line-anchored boilerplate removal and source credits, on the seed and on real paper layouts."""

from __future__ import annotations

import unicodedata

import pytest
from conftest import DATA
from texts import END, LEAD, LONG, MORE, SEED_000_BODY

from newscrawl.cleaning import strip_boilerplate

SEEDS = DATA / "seeds"


# (paper / layout, body lines, headline, expected body lines, expected credit)
FOOTERS = [
    ("VOV glued credit and end mark", [LEAD, MORE + "./.", "TheoVOV"], "", [LEAD, END], "VOV"),
    ("VOV byline", [LEAD, END, "Nguyễn Quỳnh/VOV.VN"], "", [LEAD, END], "VOV.VN"),
    ("VOV regional byline", [LEAD, END, "Thiên Lý /VOV-TP HCM"], "", [LEAD, END], "VOV-TP HCM"),
    ("VOV translated byline", [LEAD, END, "M.K./VOV.VN (biên dịch)"], "", [LEAD, END], "VOV.VN"),
    ("VOV spaced end mark", [LEAD, MORE + " ./.", "Theo VOV"], "", [LEAD, END], "VOV"),
    ("VOV dateline", ["VOV.VN - " + LEAD, END], "", [LEAD, END], None),
    ("VOV World dateline", ["(VOVWORLD) - " + LEAD, END], "", [LEAD, END], None),
    ("TTXVN credit line", [LEAD, END, "(Theo TTXVN)"], "", [LEAD, END], "TTXVN"),
    ("TTXVN byline", [LEAD, END, "Hoàng Hùng/TTXVN"], "", [LEAD, END], "TTXVN"),
    ("TTXVN credit closing the paragraph", [LEAD, END + " (Theo TTXVN)"], "", [LEAD, END], "TTXVN"),
    ("agency dateline", ["HÀ NỘI (Reuters) - " + LEAD, END], "", [LEAD, END], None),
    (
        "VnExpress author and source",
        [LEAD, END, "Như Tâm (Theo Reuters)"],
        "",
        [LEAD, END],
        "Reuters",
    ),
    (
        "VnExpress two sources",
        [LEAD, END, "Theo VnExpress, Reuters"],
        "",
        [LEAD, END],
        "VnExpress, Reuters",
    ),
    (
        "VnExpress see-also link",
        [LEAD, "Xem thêm: Quốc hội thông qua Luật Đất đai", END],
        "",
        [LEAD, END],
        None,
    ),
    ("Tuổi Trẻ dateline", ["TTO - " + LEAD, END], "", [LEAD, END], None),
    ("Tuổi Trẻ source line", [LEAD, END, "Nguồn: Tuổi Trẻ"], "", [LEAD, END], "Tuổi Trẻ"),
    ("Tuổi Trẻ reporter in capitals", [LEAD, END, "LÂM NGUYÊN"], "", [LEAD, END], None),
    ("Dân Trí dateline", ["(Dân trí) - " + LEAD, END], "", [LEAD, END], None),
    (
        "Dân Trí follow and copyright",
        [
            LEAD,
            END,
            "Theo dõi Báo Dân trí trên Google News",
            "Bản quyền thuộc về Báo điện tử Dân trí",
        ],
        "",
        [LEAD, END],
        None,
    ),
    (
        "Thanh Niên related box",
        [
            LEAD,
            END,
            "Tin liên quan",
            "Quốc hội thông qua Luật Đất đai",
            "Giá đất tăng mạnh ở ngoại thành",
        ],
        "",
        [LEAD, END],
        None,
    ),
    (
        "Thanh Niên share and comment buttons",
        [LEAD, "Chia sẻ", END, "Bình luận (0)", "Gửi bình luận"],
        "",
        [LEAD, END],
        None,
    ),
    ("Thanh Niên credit", [LEAD, END, "Theo Thanh Niên"], "", [LEAD, END], "Thanh Niên"),
    ("VietnamPlus credit", [LEAD, END, "(TTXVN/Vietnam+)"], "", [LEAD, END], "TTXVN/Vietnam+"),
    ("VietnamPlus dateline", ["(Vietnam+) - " + LEAD, END], "", [LEAD, END], None),
    (
        "VietnamPlus credit without brackets",
        [LEAD, END, "Theo TTXVN/Vietnam+"],
        "",
        [LEAD, END],
        "TTXVN/Vietnam+",
    ),
    (
        "Quân đội Nhân dân byline credit",
        [LEAD, END, "Theo Thái Sơn/Báo QĐND"],
        "",
        [LEAD, END],
        "Báo QĐND",
    ),
    ("Nhân Dân dateline", ["NDO - " + LEAD, END], "", [LEAD, END], None),
    (
        "Nhân Dân copyright",
        [
            LEAD,
            END,
            "© Báo Nhân Dân",
            "Ghi rõ nguồn 'Báo Nhân Dân điện tử' khi phát hành lại thông tin từ website này.",
        ],
        "",
        [LEAD, END],
        None,
    ),
    ("Nhân Dân masthead", [LEAD, END, "Tổng biên tập: Lê Quốc Minh"], "", [LEAD, END], None),
    (
        "Chinese CMS editor in fullwidth brackets",
        [LEAD, END, "【责任编辑\uff1a王平】"],
        "",
        [LEAD, END],
        None,
    ),
    ("Chinese CMS short editor", [LEAD, END, "责编\uff1a李四"], "", [LEAD, END], None),
    (
        "Chinese CMS previous and next",
        [LEAD, END, "上一篇\uff1aQuốc hội họp phiên bế mạc", "下一篇\uff1aGiá vàng tăng"],
        "",
        [LEAD, END],
        None,
    ),
    (
        "farm editor line and link list",
        [
            LEAD,
            END,
            "(责任编辑:La liga)",
            "- ·Turkish PM praises relations with Việt Nam",
            "- ·VN creativity honoured in book",
        ],
        "",
        [LEAD, END],
        None,
    ),
    (
        "audio player",
        ["Nghe audio", "0:00 / 02:35", "Giọng nữ miền Bắc", "0.5x 1x 1.25x 1.5x 2x", LEAD, END],
        "",
        [LEAD, END],
        None,
    ),
    (
        "text-to-speech widget",
        ["Nghe bài viết", "Đọc bài", "Giọng nam | Giọng nữ", "Tốc độ đọc", LEAD, END],
        "",
        [LEAD, END],
        None,
    ),
    (
        "caption repeating the headline",
        [LEAD, "Quốc hội thảo luận Luật Đất đai sửa đổi", END],
        "Quốc hội thảo luận Luật Đất đai (sửa đổi)",
        [LEAD, END],
        None,
    ),
    (
        "tags",
        [LEAD, END, "Từ khóa: Luật Đất đai, Quốc hội", "Tags: đất đai"],
        "",
        [LEAD, END],
        None,
    ),
    (
        "bulleted links",
        [
            LEAD,
            END,
            "· Quốc hội thông qua Luật Đất đai",
            "· Giá đất tăng mạnh",
            "• Người dân lo lắng về bảng giá đất",
        ],
        "",
        [LEAD, END],
        None,
    ),
    ("photo credits", [LEAD, "Ảnh: PHƯƠNG UYÊN", END, "(Ảnh minh hoạ)"], "", [LEAD, END], None),
    (
        "category footer",
        [LEAD, END, "Bạn đang đọc bài viết Quốc hội thảo luận tại chuyên mục Thời sự"],
        "",
        [LEAD, END],
        None,
    ),
    (
        "credit then teasers",
        [
            LEAD,
            END,
            "Theo AFP",
            "Giá vàng hôm nay tăng mạnh",
            "(Dân trí) - Sáng nay, giá vàng miếng tăng thêm 500.000 đồng mỗi lượng.",
        ],
        "",
        [LEAD, END],
        "AFP",
    ),
    (
        "related box in the middle",
        [
            LEAD,
            "Đọc thêm",
            "Quốc hội thông qua Luật Đất đai",
            "Giá đất tăng mạnh ở ngoại thành",
            LONG,
            LONG,
            END,
        ],
        "",
        [LEAD, LONG, LONG, END],
        None,
    ),
]


@pytest.mark.parametrize(
    ("lines", "headline", "expected", "credit"),
    [case[1:] for case in FOOTERS],
    ids=[case[0] for case in FOOTERS],
)
def test_footers_of_vietnamese_papers(
    lines: list[str], headline: str, expected: list[str], credit: str | None
) -> None:
    stripped = strip_boilerplate("\n".join(lines), headline)
    assert stripped.body.split("\n") == expected
    assert stripped.source_credit == credit
    assert len(stripped.removed) >= 1


# Line-anchored rules must leave these sentences alone, even as the last paragraph.
SENTENCES = [
    "Theo đó, UBND thành phố sẽ bố trí 200 tỷ đồng cho dự án.",
    "Theo ông Nguyễn Văn An, giá đất sẽ còn tăng trong thời gian tới.",
    "Theo Bộ Tài nguyên và Môi trường, cả nước có hơn 1.000 dự án chậm tiến độ.",
    "Theo Reuters, hai bên đã đạt được thỏa thuận sơ bộ.",
    "Theo TTXVN, Thủ tướng đã chủ trì cuộc họp với các bộ, ngành.",
    "Theo kế hoạch, luật sẽ được thông qua vào cuối kỳ họp.",
    "Theo dõi sát diễn biến thời tiết, người dân nên chủ động phòng tránh.",
    "Nguồn tin của phóng viên cho biết hai bên sắp ký thỏa thuận.",
    "Nguồn: một quan chức giấu tên cho biết dự thảo sẽ được sửa đổi thêm.",
    "Nguồn lực đất đai cần được khai thác hiệu quả hơn.",
    "Chia sẻ với phóng viên, ông Hùng cho biết dự án sẽ hoàn thành cuối năm.",
    "Chia sẻ bài viết trên mạng xã hội, chị Lan nhận được nhiều lời động viên.",
    "Xem thêm tại website của Bộ Tài chính để biết chi tiết.",
    "Đọc thêm sách là cách tốt nhất để trẻ phát triển ngôn ngữ.",
    "Bình luận về vụ việc, luật sư Trần Minh cho rằng cần xử lý nghiêm.",
    "Bản quyền tác giả là vấn đề được nhiều nghệ sĩ quan tâm.",
    "Bản quyền thuộc về ai khi trí tuệ nhân tạo sáng tác nhạc?",
    "Ảnh hưởng của bão số 3 khiến nhiều tuyến đường bị ngập.",
    "Tin liên quan đến vụ việc đang được cơ quan chức năng xác minh.",
    "Tin mới nhất cho thấy mực nước sông Hồng đang lên nhanh.",
    "Quảng cáo sai sự thật về thực phẩm chức năng bị xử phạt nặng.",
    "Giọng nữ ca sĩ vang lên giữa khán phòng chật kín người.",
    "Đọc bài phát biểu của Tổng Bí thư, nhiều đại biểu xúc động.",
    "Nghe audio hướng dẫn, du khách có thể tự tham quan bảo tàng.",
    "Tags hay hashtag được giới trẻ sử dụng rất nhiều.",
    "Từ khóa tìm kiếm nhiều nhất năm nay là trí tuệ nhân tạo.",
    "Tổng hợp các ý kiến, Bộ Tư pháp sẽ báo cáo Chính phủ.",
    "Có thể bạn quan tâm đến lãi suất, nhưng giá nhà mới là vấn đề chính.",
    "Hotline 1900 1234 là đường dây nóng hỗ trợ người dân vùng lũ.",
    "Ông Nguyễn Văn A/Bộ Công an cho biết vụ án đang được điều tra mở rộng.",
    "LÊ VĂN A và các cộng sự đã công bố nghiên cứu trên tạp chí Nature.",
    "Chú thích ảnh trong sách giáo khoa bị phát hiện sai.",
    "(Theo lời kể của nhân chứng, vụ tai nạn xảy ra lúc 7h sáng.)",
    "Cả hai bên đều hài lòng./. Hội nghị sẽ tiếp tục vào ngày mai.",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_ordinary_sentences_stay(sentence: str) -> None:
    stripped = strip_boilerplate("\n".join([LEAD, END, sentence]))
    assert stripped.body.split("\n") == [LEAD, END, sentence]
    assert stripped.source_credit is None
    assert stripped.removed == ()


@pytest.mark.parametrize(
    "lead",
    [
        "WHO - Tổ chức Y tế Thế giới khuyến cáo người dân tiêm nhắc lại vaccine.",
        "(Kỳ 2) Những người giữ rừng ở Tây Nguyên vẫn bám trụ dù lương thấp.",
        "Covid-19 - căn bệnh từng làm thay đổi thế giới - nay đã trở thành bệnh lưu hành.",
        "Hà Nội (TTXVN) - hôm nay trời rét đậm, nhiệt độ xuống dưới 10 độ C.",
    ],
)
def test_lead_without_dateline_stays(lead: str) -> None:
    assert strip_boilerplate(f"{lead}\n{END}").body == f"{lead}\n{END}"


@pytest.mark.parametrize(
    "dateline",
    [
        "(Ngày Nay) - ",
        "(Dân trí) - ",
        "TPO - ",
        "(NLĐO) - ",
        "(VOVWORLD) - ",
        "HÀ NỘI (Reuters) - ",
        "(PLO)- ",
        "VTV.vn - ",
        "(CLO) ",
        "SGGPO - ",
        "(TTXVN/Vietnam+) \u2013 ",
    ],
)
def test_lead_datelines(dateline: str) -> None:
    stripped = strip_boilerplate(f"{dateline}{LEAD}\n{END}")
    assert stripped.body == f"{LEAD}\n{END}"
    assert stripped.removed == (("dateline", dateline.strip()),)


def test_site_patterns() -> None:
    body = "\n".join([LEAD, "Mời quý độc giả xem video tại đây", END])
    stripped = strip_boilerplate(body, extra_line_patterns=[r"Mời quý độc giả"])
    assert stripped.body == f"{LEAD}\n{END}"
    assert stripped.removed == (("site", "Mời quý độc giả xem video tại đây"),)


def test_related_heading_with_no_links_left_ends_nothing_else() -> None:
    stripped = strip_boilerplate("\n".join([LEAD, LONG, "Xem thêm:"]))
    assert stripped.body == f"{LEAD}\n{LONG}"


def test_credit_is_nfc() -> None:
    body = unicodedata.normalize("NFD", f"{LEAD}\n{END}\nTheo Tuổi Trẻ")
    credit = strip_boilerplate(body).source_credit
    assert credit == "Tuổi Trẻ"
    assert unicodedata.is_normalized("NFC", credit)


def test_empty_body() -> None:
    assert strip_boilerplate("") == strip_boilerplate(" \n ")
    assert strip_boilerplate("").body == ""


@pytest.fixture(scope="module")
def seed_000() -> tuple[str, str]:
    headline, _, body = (SEEDS / "000_3ada59ce4aafafe5.txt").read_text("utf-8").partition("\n")
    return headline, body


def test_seed_000(seed_000: tuple[str, str]) -> None:
    headline, body = seed_000
    stripped = strip_boilerplate(body, headline)
    assert stripped.body == "\n".join(SEED_000_BODY)
    assert stripped.source_credit == "Reuters"
    assert stripped.body.startswith(
        "Tổng thống Mỹ Joe Biden và người đồng cấp Nga Vladimir Putin sẽ gặp nhau tại Geneva vào "
        "ngày 16/6,"
    )
    assert stripped.body.endswith("sử dụng chất độc thần kinh để đầu độc ông Navalny.")
    lines = stripped.body.split("\n")
    assert len(lines) == 12
    assert headline not in lines
    for residue in ("0:00", "(Ngày Nay)", "TikTok", "Canada", "Theo Reuters"):
        assert residue not in stripped.body


def test_seed_000_removals_are_reported(seed_000: tuple[str, str]) -> None:
    headline, body = seed_000
    kinds = [kind for kind, _line in strip_boilerplate(body, headline).removed]
    assert kinds == ["player", "player", "dateline", "headline", "credit"] + ["teaser"] * 6


@pytest.mark.parametrize("line", ["Nguồn: Tổng hợp", "Nguồn: Sưu tầm", "(Nguồn: Internet)"])
def test_compiled_source_lines_are_removed_without_credit(line: str) -> None:
    stripped = strip_boilerplate("\n".join([LEAD, END, line]))
    assert stripped.body == f"{LEAD}\n{END}"
    assert stripped.source_credit is None
