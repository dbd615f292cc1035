"""The output's schemas and what makes a line conform beyond their patterns: real dates, UTC
download times, no empty arrays (``newscrawl.conformance``, ``ConformPipeline``, exporters)."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest

from newscrawl.conformance import (
    SCHEMAS,
    impossible_dates,
    schema,
    utc_seconds,
    validator,
    without_empty_arrays,
)
from newscrawl.exporters import ArticleJsonExporter, ArticleJsonLinesExporter
from newscrawl.items import SCHEMA_VERSION, Article
from newscrawl.pipelines import Rejected
from newscrawl.pipelines.conform import ConformPipeline


def _article(**fields: object) -> dict[str, object]:
    article: dict[str, object] = {
        "url": "https://example.vn/a.html",
        "site": "example",
        "headline": "Tiêu đề",
        "articleBody": "Nội dung bài viết.",
        "fingerprint": "0" * 32,
        "schemaVersion": SCHEMA_VERSION,
        "metadata": {"dateDownloaded": "2026-12-01T10:00:00Z"},
    }
    return {**article, **fields}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_a_valid_json_schema(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))


def test_the_schema_version_is_the_items_version() -> None:
    assert schema("article")["properties"]["schemaVersion"]["const"] == SCHEMA_VERSION
    assert SCHEMA_VERSION in schema("article")["$id"]


@pytest.mark.parametrize(
    "date",
    [
        "2021-02-28",
        "2024-02-29",
        "2021-06-17T08:15:00+07:00",
        "2021-06-17T01:15:00Z",
        "2019-07-05T10:30:00",
        "2019-07-05T10:30:00.250",
        None,
    ],
)
def test_real_dates_pass(date: str | None) -> None:
    validator("article").validate(_article(datePublished=date, dateModified=date))
    assert not list(impossible_dates(_article(datePublished=date)))


@pytest.mark.parametrize(
    "date",
    [
        "2021-02-30",
        "2023-02-29",
        "2021-13-01T10:00:00",
        "2021-06-17T25:00:00+07:00",
        "2021-06-31T10:00:00Z",
    ],
)
def test_impossible_dates_fail_the_schema_and_the_check(date: str) -> None:
    article = _article(datePublished=date)
    jsonschema.validate(article, schema("article"))  # the pattern alone lets them through
    with pytest.raises(jsonschema.ValidationError):
        validator("article").validate(article)
    assert list(impossible_dates(article)) == [("datePublished", date)]


def test_the_download_time_is_utc_to_the_second_with_z() -> None:
    assert utc_seconds("2026-11-10T06:30:00+00:00") == "2026-11-10T06:30:00Z"
    assert utc_seconds("2026-11-10T13:30:00.123456+07:00") == "2026-11-10T06:30:00Z"
    assert utc_seconds("2026-11-10T06:30:00") == "2026-11-10T06:30:00Z"  # naive: taken as UTC
    assert utc_seconds(None) is None
    assert utc_seconds("soon") == "soon"  # left for the date check to reject
    with pytest.raises(jsonschema.ValidationError):
        validator("article").validate(
            _article(metadata={"dateDownloaded": "2026-11-10T06:30:00+00:00"})
        )
    assert list(impossible_dates(_article(metadata={"dateDownloaded": "2026-11-31T06:30:00Z"})))


def test_an_article_with_an_impossible_date_is_rejected_with_the_reason() -> None:
    item = Article(
        url="https://example.vn/a.html",
        site="example",
        datePublished="2021-02-30",
        metadata={"dateDownloaded": "x"},
    )
    with pytest.raises(Rejected) as raised:
        ConformPipeline().process_item(item)
    assert raised.value.reason == "invalid-date"
    assert raised.value.evidence == (
        "datePublished '2021-02-30' is not a real date; "
        "metadata.dateDownloaded 'x' is not a real date"
    )
    fine = Article(url="https://example.vn/a.html", site="example", datePublished="2021-02-28")
    assert ConformPipeline().process_item(fine) is fine


def test_empty_arrays_are_left_out_of_the_feeds() -> None:
    item = Article(
        url="https://example.vn/a.html",
        site="example",
        headline="Tiêu đề",
        breadcrumbs=[{"name": "Thời sự"}],
    )
    lines, array = io.BytesIO(), io.BytesIO()
    for exporter in (ArticleJsonLinesExporter(lines), ArticleJsonExporter(array)):
        exporter.start_exporting()
        exporter.export_item(item)
        exporter.finish_exporting()
    for written in (json.loads(lines.getvalue()), json.loads(array.getvalue())[0]):
        assert "authors" not in written
        assert written["breadcrumbs"] == [{"name": "Thời sự"}]
        assert written["description"] is None  # null fields stay: only empty arrays go
    assert without_empty_arrays({"a": [], "b": {}, "c": "", "d": [1]}) == {
        "b": {},
        "c": "",
        "d": [1],
    }
    with pytest.raises(jsonschema.ValidationError):  # and the schema holds them to it
        validator("article").validate(_article(authors=[]))
