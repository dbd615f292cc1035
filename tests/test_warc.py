"""Web archives read (``newscrawl.warc.scan``, ``read_capture``, ``WarcReplayMiddleware``) and
written (``RotatingWarcWriter``), on WARC files the tests write: well-formed, truncated,
garbage, and holding records that are no page."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from conftest import Archived, write_warc
from scrapy import Request
from scrapy.http import HtmlResponse
from warcio.warcwriter import WARCWriter

from newscrawl.ccnews import CountingStream, ccnews_months
from newscrawl.downloadermiddlewares.warc import CaptureUnreadable, WarcReplayMiddleware
from newscrawl.registry import RegistryError
from newscrawl.spiders.news import NewsSpider
from newscrawl.warc import (
    ArchiveError,
    Capture,
    Response,
    RotatingWarcWriter,
    Unusable,
    archive_files,
    read_capture,
    scan,
    scan_stream,
)

BASE = "http://bao.example.vn"
PAGE = "<html><body><article><h1>Tin</h1><p>" + "Nội dung bài viết. " * 400 + "</p></article>"


def article(index: int, **fields: str) -> Archived:
    return Archived(f"{BASE}/tin/bai-viet-so-{index}-{10000 + index}.html", PAGE, **fields)


def reasons(found: list[Capture | Unusable | str]) -> list[str]:
    return [item.reason for item in found if isinstance(item, Unusable)]


def captures(found: list[Capture | Unusable | str]) -> list[Capture]:
    return [item for item in found if isinstance(item, Capture)]


def test_html_responses_are_captures_other_records_are_named(tmp_path: Path) -> None:
    path = write_warc(
        tmp_path / "mixed.warc.gz",
        [
            article(1, date="2026-11-30T08:15:42Z"),
            Archived(f"{BASE}/bao-cao.pdf", "%PDF-1.4", "application/pdf"),
            Archived(f"{BASE}/logo.png", "PNG", "image/png"),
            Archived(f"{BASE}/tin/da-go-12345.html", "Not found", status="404 Not Found"),
            Archived(f"{BASE}/tin/cu-12346.html", "", status="301 Moved Permanently"),
            article(2, content_type="application/xhtml+xml"),
            article(3, content_type=None),  # the spider decides, as for a live page without one
        ],
    )
    with path.open("ab") as file:  # a DNS lookup: a response, but not of HTTP
        writer = WARCWriter(file, gzip=True)
        writer.write_record(
            writer.create_warc_record(
                "dns:bao.example.vn",
                "response",
                payload=io.BytesIO(b"bao.example.vn 60 IN A 1.2.3.4"),
                warc_content_type="text/dns",
            )
        )
    found = list(scan(path))
    assert [(c.url.rsplit("/", 1)[-1], c.fetched) for c in captures(found)] == [
        ("bai-viet-so-1-10001.html", "2026-11-30T08:15:42+00:00"),
        ("bai-viet-so-2-10002.html", "2026-11-30T08:00:00+00:00"),
        ("bai-viet-so-3-10003.html", "2026-11-30T08:00:00+00:00"),
    ]
    assert reasons(found) == ["not-html", "not-html", "warc-http-status", "warc-not-http"]
    assert sorted(item for item in found if isinstance(item, str)) == ["redirect"] + ["request"] * 7


@pytest.mark.parametrize("compressed", [True, False])
@pytest.mark.parametrize("cut", ["in-body", "in-header"])
def test_a_truncated_archive_keeps_what_precedes_the_cut(
    tmp_path: Path, compressed: bool, cut: str
) -> None:
    name = "cut.warc.gz" if compressed else "cut.warc"
    path = write_warc(tmp_path / name, [article(i) for i in range(3)], gzip=compressed)
    whole = path.read_bytes()
    offsets = [c.offset for c in captures(list(scan(path)))]
    end = offsets[2] + 30 if cut == "in-header" else len(whole) - 200
    path.write_bytes(whole[:end])
    found = list(scan(path))
    assert [c.offset for c in captures(found)] == offsets[:2]
    assert reasons(found) in (["warc-truncated"], ["warc-malformed"])
    assert len(found) == 6  # 3 requests, 2 captures, the cut record


def test_a_file_that_is_no_archive_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "notes.warc"
    path.write_bytes(b"these are not the records you are looking for\n" * 20)
    found = list(scan(path))
    assert len(found) == 1 and isinstance(found[0], Unusable)
    assert found[0].reason == "warc-malformed" and found[0].url == f"{path}@0"


def test_a_capture_is_read_back_from_its_offset(tmp_path: Path) -> None:
    path = write_warc(tmp_path / "a.warc.gz", [article(1), article(2)])
    second = captures(list(scan(path)))[1]
    response = read_capture(second.path, second.offset)
    assert (response.status, response.body.decode("utf-8")) == (200, PAGE)
    assert ("Content-Type", "text/html; charset=utf-8") in response.headers
    with pytest.raises(ArchiveError):
        read_capture(second.path, second.offset + 7)


def test_the_replay_middleware_answers_from_the_archive(tmp_path: Path) -> None:
    path = write_warc(tmp_path / "a.warc.gz", [article(1)])
    capture = captures(list(scan(path)))[0]
    middleware = WarcReplayMiddleware()
    request = Request(capture.url, meta={"warc": {"path": capture.path, "offset": capture.offset}})
    response = middleware.process_request(request)
    assert isinstance(response, HtmlResponse) and response.text == PAGE
    assert response.request is request and response.status == 200
    assert middleware.process_request(Request(capture.url)) is None  # a live request
    with pytest.raises(CaptureUnreadable) as unreadable:
        middleware.process_request(
            Request(
                capture.url, meta={"warc": {"path": capture.path, "offset": capture.offset + 3}}
            )
        )
    assert unreadable.value.reason == "warc-malformed"


def test_the_writer_rotates_and_its_files_read_back(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path, "news-run", max_bytes=100)
    for index in range(3):
        body = f"<html><body>{index} {'chữ ' * 2000}</body></html>".encode()
        writer.write(
            f"{BASE}/tin/{index}.html#top",
            "GET",
            [("User-Agent", "newscrawl")],
            Response(
                200,
                "HTTP/1.1",
                [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
                body,
            ),
            {"published": f"2026-11-0{index + 1}"} if index else {},
        )
    writer.close()
    assert [p.name for p in writer.files] == [f"news-run-0000{i}.warc.gz" for i in range(3)]
    written = [writer.written(final) for final in writer.files]
    assert all(p.exists() for p in written) and not any(p.exists() for p in writer.files)
    found = [item for path in written for item in scan(path)]
    assert [item for item in found if isinstance(item, str)] == ["request"] * 3
    read = captures(found)
    assert [c.url for c in read] == [f"{BASE}/tin/{i}.html" for i in range(3)]
    assert [c.hints for c in read] == [{}, {"published": "2026-11-02"}, {"published": "2026-11-03"}]
    response = read_capture(read[2].path, read[2].offset)
    assert response.body.startswith(b"<html><body>2 ")
    assert [name for name, _ in response.headers] == ["Content-Type"]  # not de-chunked twice


def test_archives_are_found_in_files_globs_and_directories(tmp_path: Path) -> None:
    for name in ("b.warc.gz", "a.warc", "c.arc.gz", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "d.warc.gz").write_bytes(b"")
    assert [p.name for p in archive_files(str(tmp_path))] == ["a.warc", "b.warc.gz", "c.arc.gz"]
    assert [p.name for p in archive_files(f"{tmp_path}/*.warc*,{tmp_path}/more")] == [
        "a.warc",
        "b.warc.gz",
        "d.warc.gz",
    ]
    with pytest.raises(ValueError, match="no file or directory matches"):
        archive_files(str(tmp_path / "missing-*.warc.gz"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no archive"):
        archive_files(str(tmp_path / "empty"))


def test_the_warc_argument_is_checked_and_needs_no_site(tmp_path: Path) -> None:
    path = write_warc(tmp_path / "a.warc.gz", [article(1)])
    assert NewsSpider.check_arguments(warc=str(path)) == ((), None)
    with pytest.raises(RegistryError, match="no file or directory matches"):
        NewsSpider.check_arguments(warc=str(tmp_path / "nowhere.warc.gz"))


def test_ccnews_months_and_ranges() -> None:
    assert ccnews_months("2024-06") == ["2024/06"]
    assert ccnews_months(" 2024-11..2025-02 ") == ["2024/11", "2024/12", "2025/01", "2025/02"]
    for bad in ("2024-6", "2024-13", "2024-06..", "2024-06..2024-05", "juin"):
        with pytest.raises(ValueError, match="ccnews"):
            ccnews_months(bad)


def test_a_streamed_archive_hands_its_responses_over(tmp_path: Path) -> None:
    data = write_warc(tmp_path / "a.warc.gz", [article(1), article(2)]).read_bytes()
    stream = CountingStream(io.BytesIO(data))
    found = captures(
        list(scan_stream(stream, "https://cc.example/a.warc.gz", len(data), keep=True))
    )
    assert [c.response.body.decode() if c.response else None for c in found] == [PAGE, PAGE]
    assert stream.tell() == len(data)


def _arc_record(url: str, date: str, content_type: str, content: bytes) -> bytes:
    """An ARC v1 record: a header line (URL, IP, date, type, length), the content, a newline."""
    return f"{url} 0.0.0.0 {date} {content_type} {len(content)}\n".encode() + content + b"\n"


@pytest.mark.parametrize("compressed", [True, False])
def test_arc_files_are_read_as_warc(tmp_path: Path, compressed: bool) -> None:
    url = f"{BASE}/tin/bai-viet-so-1-10001.html"
    records = [
        _arc_record(
            "filedesc://old.arc",
            "20090601000000",
            "text/plain",
            b"1 0 newscrawl\nURL IP-address Archive-date Content-type Archive-length\n",
        ),
        _arc_record(
            url,
            "20090601083000",
            "text/html",
            b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE.encode(),
        ),
    ]
    path = tmp_path / ("old.arc.gz" if compressed else "old.arc")
    path.write_bytes(
        b"".join(gzip.compress(r) for r in records) if compressed else b"".join(records)
    )
    found = list(scan(path))
    assert found[0] == "warcinfo"
    assert [(c.url, c.fetched) for c in captures(found)] == [(url, "2009-06-01T08:30:00+00:00")]
    capture = captures(found)[0]
    assert read_capture(capture.path, capture.offset).body.decode() == PAGE
