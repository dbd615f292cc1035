"""The run history written by real crawls: what a run appends, where, and a history that cannot
be written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Server, crawl, urlset
from scrapy import Spider
from scrapy.utils.test import get_crawler

from newscrawl.extensions.history import history_path
from newscrawl.history import read_history

SITE = "127.0.0.1"


@pytest.mark.e2e
def test_a_run_appends_its_sites_rejects_and_residue(tmp_path: Path, server: Server) -> None:
    articles = [server.article(i) for i in range(1, 4)]
    stub = server.serve(
        "/tin/ngan-qua-90001.html",
        "<html lang='vi'><body><article><h1>Tin ngắn</h1><p>Một dòng.</p></article></body></html>",
        "text/html",
    )
    gone = server.base_url + "/tin/mat-1-20001.html"  # 404
    sitemap = server.serve("/sitemap.xml", urlset(*articles, stub, gone))
    history = tmp_path / "history" / "runs.jsonl"
    run = crawl(tmp_path / "out", "-a", f"sitemap={sitemap}", "-s", f"NEWSCRAWL_HISTORY={history}")
    assert len(run.items) == 3, run.stderr[-2000:]
    (record,) = read_history(history).runs
    rejected = {r["reason"] for r in run.rejects}
    assert record["sites"][SITE]["emitted"] == 3
    # every reject of the rejects file, by reason, dropped by a pipeline or refused by the spider
    assert record["sites"][SITE]["rejected"] == {
        reason: sum(r["reason"] == reason for r in run.rejects) for reason in rejected
    }
    assert "fetch-failed" in rejected and len(rejected) == 2
    assert record["sites"][SITE]["fetchErrors"] == 1
    assert record["exitStatus"] == run.returncode
    assert record["start"] <= record["end"]
    for signal in ("footerStripped", "furnitureStripped", "noCredit"):
        assert 0 <= record["sites"][SITE][signal] <= 1


@pytest.mark.e2e
def test_a_history_that_cannot_be_written_is_logged_and_the_run_goes_on(
    tmp_path: Path, server: Server
) -> None:
    sitemap = server.serve("/sitemap.xml", urlset(server.article(1)))
    run = crawl(tmp_path, "-a", f"sitemap={sitemap}", "-s", "NEWSCRAWL_HISTORY=/dev/full")
    assert (run.returncode, len(run.items)) == (0, 1)
    assert "Cannot append the run to the history /dev/full" in run.stderr


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, "data-here/newscrawl-history.jsonl"),
        ("elsewhere/runs.jsonl", "elsewhere/runs.jsonl"),
        ("", None),
    ],
)
def test_the_history_is_in_the_data_directory_unless_set(
    setting: str | None, expected: str | None
) -> None:
    settings = {"NEWSCRAWL_DATA_DIR": "data-here"} | (
        {"NEWSCRAWL_HISTORY": setting} if setting is not None else {}
    )
    found = history_path(get_crawler(Spider, settings))
    assert found == (Path(expected) if expected else None)
