"""Extraction bounded against hostile structured data: JSON-LD of odd shapes gives an article,
JSON scripts too large or too deeply nested to read are dropped unread and counted. (The time
limit on a page, which needs worker processes: ``test_bounded_extraction_crawl``.)"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from newscrawl.extraction.article import MAX_JSON_CHARS, MAX_JSON_DEPTH, extract_article
from newscrawl.items import Article, Page
from newscrawl.pipelines.extract import ExtractPipeline
from newscrawl.settings_check import SettingsError, check_settings

URL = "http://127.0.0.1/tin/gia-lua-tang-123456.html"
TEXT = "Giá lúa tại Đồng bằng sông Cửu Long tăng mạnh trong tuần qua. " * 20
ARTICLE = {
    "@type": "NewsArticle",
    "headline": "Giá lúa tăng mạnh",
    "datePublished": "2024-05-02T08:00:00+07:00",
}


def _page(*scripts: str) -> str:
    """An article page with ``scripts`` (JSON text) as its JSON-LD."""
    json_ld = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    return (
        f'<html lang="vi"><head><meta charset="utf-8"><title>Giá lúa</title>{json_ld}</head>'
        f"<body><article><h1>Giá lúa</h1><p>{TEXT}</p></article></body></html>"
    )


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    ("data", "crumbs"),
    [
        (
            {
                "@type": "BreadcrumbList",  # one object, not a list
                "itemListElement": {
                    "@type": "ListItem",
                    "position": 1,
                    "name": "Kinh tế",
                    "item": "http://127.0.0.1/kinh-te",
                },
            },
            [{"name": "Kinh tế", "url": "http://127.0.0.1/kinh-te"}],
        ),
        (
            {
                "@type": "BreadcrumbList",
                "itemListElement": [  # positions of every type
                    {"position": "2", "name": "Nông nghiệp"},
                    {"position": 1, "name": "Kinh tế"},
                    {"position": None, "name": "Lúa gạo"},
                    {"position": {"value": 0}, "name": "Giá"},
                    {"position": 2.5, "name": "Thị trường"},
                ],
            },
            [{"name": n} for n in ("Kinh tế", "Nông nghiệp", "Thị trường", "Lúa gạo", "Giá")],
        ),
        ({"@type": "BreadcrumbList", "itemListElement": None}, []),
        ([ARTICLE | {"dateModified": ["2024-05-03", "2024-05-04"]}], []),
        ({"@graph": [ARTICLE | {"dateModified": {"@value": "2024-05-03"}}]}, []),
    ],
)
def test_odd_json_ld_shapes_give_an_article(data: Any, crumbs: list[dict[str, str]]) -> None:
    found = extract_article(_page(json.dumps(data)), URL)
    assert "sông Cửu Long" in found.body
    assert found.breadcrumbs == crumbs
    assert found.dropped_json == ()


def test_a_date_modified_list_gives_its_first_date() -> None:
    found = extract_article(_page(json.dumps(ARTICLE | {"dateModified": ["2024-05-03"]})), URL)
    assert found.date_modified is not None and found.date_modified.startswith("2024-05-03")


# deeper than json.loads can recurse, yet under MAX_JSON_CHARS
@pytest.mark.parametrize(
    "blob", ["[" * 100_000 + "]" * 100_000, _nested(30_000), _nested(MAX_JSON_DEPTH + 1)]
)
def test_json_ld_nested_too_deep_is_dropped_unread(blob: str) -> None:
    found = extract_article(_page(blob, json.dumps(ARTICLE)), URL)
    assert "sông Cửu Long" in found.body
    assert found.headline == "Giá lúa tăng mạnh"  # the readable JSON-LD still read
    assert len(found.dropped_json) == 1 and "nested" in found.dropped_json[0]


def test_json_ld_nested_to_the_bound_is_read() -> None:
    data = ARTICLE | {"about": json.loads(_nested(MAX_JSON_DEPTH - 1))}
    found = extract_article(_page(json.dumps(data)), URL)
    assert found.dropped_json == ()
    assert found.headline == "Giá lúa tăng mạnh"


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = "[{" * MAX_JSON_DEPTH + ' \\" ' + "}]" * MAX_JSON_DEPTH
    found = extract_article(_page(json.dumps(ARTICLE | {"description": text})), URL)
    assert found.dropped_json == ()
    assert found.headline == "Giá lúa tăng mạnh"


def test_json_ld_too_large_is_dropped_unread() -> None:
    large = json.dumps(ARTICLE | {"headline": "Quảng cáo", "text": "x" * MAX_JSON_CHARS})
    found = extract_article(_page(large), URL)
    assert "sông Cửu Long" in found.body
    assert found.headline == "Giá lúa"  # from <title>: the large JSON-LD was not read
    assert found.dropped_json == (f"application/ld+json: {len(large)} characters",)


def test_the_pipeline_counts_and_logs_dropped_json(caplog: pytest.LogCaptureFixture) -> None:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_EXTRACT_WORKERS": 0})
    pipeline = ExtractPipeline.from_crawler(crawler)
    page = Page(
        url=URL,
        html=_page(_nested(30_000), "[" * 70 + "]" * 70),
        site="demo",
        encoding="utf-8",
        language="vi",
    )
    with caplog.at_level(logging.INFO, logger="newscrawl.pipelines.extract"):
        article = asyncio.run(pipeline.process_item(page))
    assert isinstance(article, Article) and "sông Cửu Long" in article.articleBody
    assert crawler.stats.get_value("newscrawl/extract/json-dropped") == 2
    assert [r.getMessage() for r in caplog.records] == [
        f"JSON scripts of {URL} dropped unread: application/ld+json: nested 30000 deep; "
        "application/ld+json: nested 70 deep"
    ]


def test_a_bad_extraction_timeout_is_a_settings_error() -> None:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_EXTRACTION_TIMEOUT": "half a minute"})
    with pytest.raises(SettingsError, match="NEWSCRAWL_EXTRACTION_TIMEOUT"):
        check_settings(crawler.settings)
