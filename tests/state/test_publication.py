"""End-of-run decisions: site furniture learnt from the run's pages (and earlier runs'), and the
order in which duplicates are published (the original first)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.logformatter import LogFormatter
from scrapy.utils.test import get_crawler

from newscrawl.bodysketch import BodyDigest, attach
from newscrawl.cleaning.furniture import (
    FurnitureRule,
    keys_by_line,
    line_key,
    line_keys,
    strip_furniture,
)
from newscrawl.extraction import NotExtractable
from newscrawl.items import Article
from newscrawl.pipelines import Staged
from newscrawl.pipelines.publish import PublishPipeline
from newscrawl.publication import Held, HeldArticles, is_alias, preference
from newscrawl.state import StateStore, open_state_store
from newscrawl.state.fingerprint import body_fingerprint

FOOTER = "Giấy phép số 91/GP-STTTT do Sở TT&TT Hà Nội cấp ngày 03/4/2019"
PROMPT = "Bài viết chưa có ý kiến nào. Mời bạn đọc góp ý!"
TOPICS = [
    "Quốc hội thảo luận dự án Luật Đất đai sửa đổi với nhiều ý kiến trái chiều",
    "Giá vàng miếng tăng thêm 500.000 đồng mỗi lượng trong phiên sáng nay",
    "Bão số 3 đổ bộ vào các tỉnh ven biển Bắc Bộ gây mưa lớn diện rộng",
    "Đội tuyển Việt Nam hội quân tại Hà Nội để chuẩn bị cho giải vô địch khu vực",
    "Ngân hàng Nhà nước điều chỉnh giảm lãi suất điều hành lần thứ hai trong năm",
    "Thành phố khởi công tuyến metro số 2 sau nhiều năm chuẩn bị mặt bằng",
]


def _body(topic: str, *extra: str) -> str:
    sentences = [
        f"{topic}, theo thông tin từ cơ quan chức năng chiều qua.",
        f"Nhiều chuyên gia nhận định {topic.lower()} sẽ còn được bàn thảo.",
        f"Người dân quan tâm tới {topic.lower()} và mong có thông tin sớm.",
    ]
    return "\n".join([*sentences, *extra])


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    opened = open_state_store(f"sqlite:{tmp_path}/state.sqlite")
    yield opened
    opened.close()


def _hold(held: HeldArticles, store: StateStore, site: str, body: str, rank: str = "0") -> None:
    held.add(
        site,
        rank,
        Held({"articleBody": body}, store.sketch(body), keys_by_line(body), body_fingerprint(body)),
    )


def test_a_line_in_many_different_articles_is_furniture(store: StateStore) -> None:
    held = HeldArticles()
    for topic in TOPICS[:4]:
        _hold(held, store, "paper", _body(topic, FOOTER, PROMPT))
    furniture = held.furniture(store, FurnitureRule(min_pages=4))
    assert furniture["paper"] == {line_key(FOOTER), line_key(PROMPT)}
    body, removed = strip_furniture(_body(TOPICS[0], FOOTER, PROMPT), furniture["paper"])
    assert removed == [FOOTER, PROMPT] and body == _body(TOPICS[0])


def test_the_line_keys_carried_from_extraction_strip_what_keying_again_strips() -> None:
    body = _body(TOPICS[0], FOOTER, PROMPT)
    furniture = {line_key(FOOTER)}
    assert strip_furniture(body, furniture, keys_by_line(body)) == strip_furniture(body, furniture)


def test_what_extraction_carried_is_published_unless_the_body_changed(store: StateStore) -> None:
    """The fingerprint computed in the extraction worker is used as it is for the body it was
    computed from, and computed again for a body stripped of furniture."""
    pipeline, seen = _publisher(store)
    for name, lines in (("a", (FOOTER,)), ("b", (FOOTER,)), ("c", (FOOTER,)), ("d", ())):
        body = _body(TOPICS["abcd".index(name)], *lines)
        article = Article(url=f"http://127.0.0.1/{name}", site="paper", articleBody=body)
        carried = f"{ord(name):032x}"  # not the body's, to tell it apart
        digest = BodyDigest(body, store.num_perm, b"", carried, keys_by_line(body))
        attach(article, digest)
        with pytest.raises(Staged):
            pipeline.process_item(article)
    pipeline.rule = FurnitureRule(min_pages=3)
    asyncio.run(pipeline.close_spider())
    fingerprints = {a.url[-1]: a.fingerprint for a in seen["scraped"]}
    assert fingerprints["d"] == f"{ord('d'):032x}"
    assert fingerprints["a"] == body_fingerprint(_body(TOPICS[0]))  # furniture stripped


class _RecordingPool:
    """Stands for the extraction workers' pool: runs each call here, and records it; or fails
    every call as a pool that gave up on it."""

    def __init__(self, fails: bool = False) -> None:
        self.bodies: list[str] = []
        self.fails = fails

    async def run(self, call: Any) -> Any:
        await asyncio.sleep(0)  # the publication goes on meanwhile
        self.bodies.append(call.args[0])
        if self.fails:
            raise NotExtractable("extraction-crashed")
        return call()


@pytest.mark.parametrize("fails", [False, True])
def test_bodies_that_lose_furniture_are_digested_in_the_pool(
    store: StateStore, fails: bool
) -> None:
    """Only they; a pool that gives up on one leaves it to the crawl process. Either way the
    published fingerprint is the stripped body's, and the duplicate checks go on in order (e:
    b's text and a caption line of its own, a near-duplicate of b)."""
    pipeline, seen = _publisher(store)
    pipeline.pool = _RecordingPool(fails)  # type: ignore[assignment]
    pipeline.rule = FurnitureRule(min_pages=3)
    bodies = {
        "a": _body(TOPICS[0], FOOTER),
        "b": _body(TOPICS[1], FOOTER),
        "c": _body(TOPICS[2], FOOTER),
        "d": _body(TOPICS[3]),
        "e": _body(TOPICS[1], FOOTER, "Ảnh: minh họa"),
    }
    for name, body in bodies.items():
        with pytest.raises(Staged):
            pipeline.process_item(
                Article(url=f"http://127.0.0.1/{name}", site="paper", articleBody=body)
            )
    asyncio.run(pipeline.close_spider())
    assert sorted(pipeline.pool.bodies) == sorted(
        [_body(TOPICS[0]), _body(TOPICS[1]), _body(TOPICS[2]), _body(TOPICS[1], "Ảnh: minh họa")]
    )
    published = {a.url[-1]: a for a in seen["scraped"]}
    assert sorted(published) == ["a", "b", "c", "d"]
    assert published["a"].fingerprint == body_fingerprint(_body(TOPICS[0]))
    assert [a.url[-1] for a in seen["dropped"]] == ["e"]  # near-duplicate of b, stripped


def test_copies_of_one_article_count_once(store: StateStore) -> None:
    """A farm's five copies of one article share every line: none of them is furniture."""
    held = HeldArticles()
    for _ in range(5):
        _hold(held, store, "farm", _body(TOPICS[0], FOOTER))
    assert held.furniture(store, FurnitureRule(min_pages=4)) == {"farm": set()}


def test_furniture_is_per_site(store: StateStore) -> None:
    held = HeldArticles()
    for index, topic in enumerate(TOPICS[:4]):
        _hold(held, store, "a" if index % 2 else "b", _body(topic, FOOTER))
    assert held.furniture(store, FurnitureRule(min_pages=4)) == {"a": set(), "b": set()}


def test_counts_of_earlier_runs_add_up(store: StateStore) -> None:
    """Two pages a run: the second run knows the footer from four articles."""
    for first in (True, False):
        held = HeldArticles()
        topics = TOPICS[:2] if first else TOPICS[2:4]
        for topic in topics:
            _hold(held, store, "paper", _body(topic, FOOTER))
        furniture = held.furniture(store, FurnitureRule(min_pages=4))
        assert (line_key(FOOTER) in furniture["paper"]) is not first
        for topic in topics:
            store.stage_site_lines("paper", line_keys(_body(topic, FOOTER)))
        store.commit()
    assert store.site_line_counts("paper", [line_key(FOOTER)]) == (4, {line_key(FOOTER): 4})


def test_a_line_rare_on_a_big_site_is_not_furniture(store: StateStore) -> None:
    """In 4 of 60 articles: furniture at a 5 % share, not at 10 %."""
    held = HeldArticles()
    for index in range(60):
        words = " ".join(f"từ{index}x{n}" for n in range(40))  # 60 unrelated articles
        _hold(held, store, "paper", "\n".join([words, *([FOOTER] if index < 4 else [])]))
    assert line_key(FOOTER) in held.furniture(store, FurnitureRule(4, 0.05))["paper"]
    assert line_key(FOOTER) not in held.furniture(store, FurnitureRule(4, 0.1))["paper"]


def test_long_lines_are_never_furniture() -> None:
    assert line_key("x " * 150) is None and line_key("...") is None
    assert line_key("Ý kiến (0)") == line_key("Ý kiến (12)")


def test_preference_puts_the_original_first(store: StateStore) -> None:
    ranks = {
        "farm copy, published later": preference(
            repaired_injection=False, date_published="2021-06-14T13:00:00+07:00", ad_hoc=False
        ),
        "original": preference(
            repaired_injection=False, date_published="2021-06-14T09:30:00+07:00", ad_hoc=False
        ),
        "same moment, ad hoc": preference(
            repaired_injection=False, date_published="2021-06-14T02:30:00+00:00", ad_hoc=True
        ),
        "same moment, another URL of the original": preference(
            repaired_injection=False,
            date_published="2021-06-14T09:30:00+07:00",
            ad_hoc=False,
            alias=True,
        ),
        "same day, no time": preference(
            repaired_injection=False, date_published="2021-06-14", ad_hoc=False
        ),
        "undated": preference(repaired_injection=False, date_published=None, ad_hoc=False),
        "repaired spam, earliest": preference(
            repaired_injection=True, date_published="2020-01-01", ad_hoc=False
        ),
    }
    held = HeldArticles()
    for label, rank in reversed(ranks.items()):  # arrival order: the least preferred first
        held.add("s", rank, Held({"label": label}, store.sketch(label), (), label))
    assert [h.item["label"] for _site, h in held.in_preference_order()] == [
        "original",
        "same moment, ad hoc",
        "same moment, another URL of the original",
        "farm copy, published later",
        "same day, no time",
        "undated",
        "repaired spam, earliest",
    ]


@pytest.mark.parametrize(
    ("url", "canonical", "alias"),
    [
        ("https://bao.vn/thoi-su/a-1.html", "https://bao.vn/kinh-te/a-1.html", True),
        ("https://bao.vn/kinh-te/a-1.html", "https://bao.vn/kinh-te/a-1.html?utm_source=x", False),
        ("https://bao.vn/kinh-te/a-1.html", None, False),
        ("https://bao.vn/thoi-su/a-1.html", "/kinh-te/a-1.html", True),
        ("https://bao.vn/kinh-te/a-1.html", "/kinh-te/a-1.html", False),
        ("https://bao.vn/kinh-te/a-1.html", "javascript:void(0)", False),
    ],
)
def test_a_page_naming_another_url_canonical_is_an_alias(
    url: str, canonical: str | None, alias: bool
) -> None:
    assert is_alias(url, canonical) is alias


def _publisher(store: StateStore) -> tuple[PublishPipeline, dict[str, list[Any]]]:
    crawler = get_crawler(Spider)
    crawler.spider = Spider.from_crawler(crawler, "news")
    crawler.logformatter = LogFormatter.from_crawler(crawler)
    seen: dict[str, list[Any]] = {"scraped": [], "dropped": [], "error": []}
    for name, signal in (
        ("scraped", signals.item_scraped),
        ("dropped", signals.item_dropped),
        ("error", signals.item_error),
    ):
        crawler.signals.connect(
            lambda item, _n=name, **_: seen[_n].append(item), signal=signal, weak=False
        )
    return PublishPipeline(crawler, store, FurnitureRule(), min_chars=10), seen


def test_publishing_reports_each_outcome_and_goes_on_after_a_failure(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held articles go out at the close: emitted, dropped as a duplicate, or, when publishing
    one of them fails, reported as an item error while the others are still published."""
    pipeline, seen = _publisher(store)
    articles = [
        Article(url=f"http://127.0.0.1/{name}", site="paper", articleBody=body)
        for name, body in (
            ("a", _body(TOPICS[0])),
            ("b", _body(TOPICS[0])),
            ("c", _body(TOPICS[1])),
            ("d", _body(TOPICS[2])),
        )
    ]
    for article in articles:
        with pytest.raises(Staged):
            pipeline.process_item(article)
    check = pipeline._check_duplicates

    def failing(adapter: Any, sketch: Any, fingerprint: str, item: Any) -> None:
        if item.url.endswith("/c"):
            raise OSError("disk full")
        check(adapter, sketch, fingerprint, item)

    monkeypatch.setattr(pipeline, "_check_duplicates", failing)
    asyncio.run(pipeline.close_spider())
    assert [a.url[-1] for a in seen["scraped"]] == ["a", "d"]
    assert [a.url[-1] for a in seen["dropped"]] == ["b"]
    assert [a.url[-1] for a in seen["error"]] == ["c"]
