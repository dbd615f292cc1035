"""The health page: anomalies against a site's recent runs, troubled sites first, every text
from the history escaped, the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from history_runs import broken, daily_runs, run
from lxml import html as lxml_html

from newscrawl.healthreport.__main__ import main
from newscrawl.healthreport.anomalies import (
    find_anomalies,
    latest_anomalies,
    site_series,
    sites_by_trouble,
)
from newscrawl.healthreport.page import render
from newscrawl.history import History

SITES = ("dantri", "tuoitre", "vnexpress")


def _kinds(runs: list[dict], site: str) -> list[str]:
    series = site_series(runs)
    return [a.kind for a in latest_anomalies(series, find_anomalies(series)) if a.site == site]


def test_steady_sites_raise_no_anomaly() -> None:
    runs = daily_runs(30, SITES)
    assert find_anomalies(site_series(runs)) == []


@pytest.mark.parametrize(
    ("figures", "kinds"),
    [
        (broken(0, {"not-article": 41}), ["all-rejected", "reject-jump"]),
        (broken(0, {"too-short": 2}), ["all-rejected"]),  # too-short's usual count
        (broken(0), ["no-articles"]),
        (broken(5), ["collapse"]),
        (broken(38, {"fetch-failed": 30}), ["reject-jump"]),
        (broken(40, footerStripped=0.9), ["residue-jump"]),
        (broken(40, noCredit=0.95), ["residue-jump"]),
    ],
)
def test_a_broken_site_is_found_in_its_latest_run(figures: dict, kinds: list[str]) -> None:
    runs = daily_runs(20, SITES, last={"tuoitre": figures})
    assert _kinds(runs, "tuoitre") == kinds
    assert _kinds(runs, "dantri") == []


def test_a_jump_is_measured_against_the_recent_runs_not_all_of_them() -> None:
    # fetch errors were normal a month ago and rare lately: the rise is news
    old = [run(day, {"a": broken(40, {"fetch-failed": 20})}) for day in range(10)]
    recent = [run(day, {"a": broken(40, {"fetch-failed": 1})}) for day in range(10, 16)]
    now = [run(16, {"a": broken(40, {"fetch-failed": 20})})]
    series = site_series(old + recent + now)
    (found,) = latest_anomalies(series, find_anomalies(series))
    assert (found.kind, found.detail) == (
        "reject-jump",
        "20 rejected as fetch-failed, recent median 1",
    )


def test_a_small_site_without_news_today_is_not_a_collapse() -> None:
    runs = [run(day, {"tiny": broken(day % 2)}) for day in range(10)]
    assert find_anomalies(site_series(runs)) == []


def test_a_first_run_that_rejected_everything_is_flagged() -> None:
    runs = [run(0, {"new": broken(0, {"fetch-failed": 6})})]
    assert _kinds(runs, "new") == ["all-rejected"]


def test_troubled_sites_come_first() -> None:
    runs = daily_runs(12, SITES, last={"vnexpress": broken(0, {"fetch-failed": 9})})
    runs.insert(5, run(4.5, {"dantri": broken(0)}))  # type: ignore[arg-type]
    series = site_series(runs)
    assert sites_by_trouble(series, find_anomalies(series)) == ["vnexpress", "dantri", "tuoitre"]


def _page(runs: list[dict], broken_lines: int = 0) -> str:
    return render(
        History(runs, broken_lines),
        source="data/newscrawl-history.jsonl",
        generated=datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_the_page_flags_the_collapsed_site_at_the_top_and_charts_every_site() -> None:
    runs = daily_runs(14, SITES, last={"tuoitre": broken(0, {"not-article": 40})})
    page = lxml_html.fromstring(_page(runs))
    rows = page.cssselect("#attention tr.anomaly")
    assert {row.get("data-site") for row in rows} == {"tuoitre"}
    assert "all-rejected" in rows[0].text_content()
    assert "40 rejected as not-article" in rows[1].text_content()
    sections = page.cssselect("section.site")
    assert [s.get("data-site") for s in sections] == ["tuoitre", "dantri", "vnexpress"]
    assert "troubled" in sections[0].get("class")
    for section in sections:
        charts = section.cssselect("svg.chart")
        assert [c.get("data-chart") for c in charts] == [
            "emitted",
            "rejected",
            "fetch-errors",
            "residue",
        ]
        bars = section.cssselect('svg[data-chart="emitted"] rect.bar')
        assert len(bars) == 14 - (section.get("data-site") == "tuoitre")  # its 0: no bar
    assert len(sections[0].cssselect(".anomaly-mark")) == 4  # one per chart, its last run
    assert page.cssselect("script, link, img, iframe") == []  # nothing fetched, nothing run


def test_unhealthy_runs_are_marked_and_listed() -> None:
    runs = daily_runs(6, SITES, last_problems=("87% of requests failed (limit 50%)",))
    page = lxml_html.fromstring(_page(runs))
    assert len(page.cssselect('section.site svg[data-chart="emitted"] rect.unhealthy-run')) == 3
    assert "87% of requests failed" in page.cssselect("tr.unhealthy")[0].text_content()


def test_text_from_the_history_is_escaped() -> None:
    hostile = '<script>alert("site")</script>'
    problem = '<img src=x onerror="alert(1)">'
    runs = daily_runs(
        4, (hostile,), last={hostile: broken(0, {'<b>"why"</b>': 7})}, last_problems=(problem,)
    )
    text = _page(runs, broken_lines=2)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    page = lxml_html.fromstring(text)
    assert page.cssselect("script, img, b") == []
    assert page.cssselect("section.site")[0].get("data-site") == hostile
    assert hostile in page.cssselect("section.site h3")[0].text_content()
    assert problem in page.cssselect("tr.unhealthy")[0].text_content()
    assert "2 unreadable line(s) skipped" in page.cssselect(".meta")[0].text_content()


def test_the_command_writes_the_page_and_counts_broken_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.jsonl"
    runs = daily_runs(10, SITES, last={"dantri": broken(0)})
    history.write_text("".join(json.dumps(r) + "\n" for r in runs) + '{"start": "2026-1', "utf-8")
    output = tmp_path / "report.html"
    assert main(["--history", str(history), "--since", "2026-11-05", "-o", str(output)]) == 0
    assert capsys.readouterr().out.strip() == (f"{output}: 6 run(s), 1 unreadable line(s) skipped")
    page = lxml_html.fromstring(output.read_text("utf-8"))
    assert page.cssselect("#attention tr.anomaly")[0].get("data-site") == "dantri"
    assert not list(tmp_path.glob("*.part"))


def test_the_command_stops_on_a_missing_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--history", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "r.html")]) == 2
    assert "Cannot read the history" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
