"""The run history file: records built from run reports, appended, read back (a broken line
skipped and counted)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from newscrawl.history import (
    FOOTER_STRIPPED,
    KEPT,
    SiteTally,
    append_record,
    build_record,
    lost_layout_lines,
    read_history,
    residue_key,
)


def _report(**overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "finishReason": "finished",
        "exitStatus": 0,
        "problems": [],
        "emitted": 4,
        "sites": {"tuoitre": {"emitted": 4, "rejected": 3}},
        "stats": {
            "start_time": datetime(2026, 11, 30, 6, 0, tzinfo=UTC),
            "finish_time": datetime(2026, 11, 30, 6, 5, tzinfo=UTC),
            residue_key("tuoitre", KEPT): 5,
            residue_key("tuoitre", FOOTER_STRIPPED): 2,
        },
    }
    return {**report, **overrides}


def _tally() -> SiteTally:
    tally = SiteTally()
    for reason in ("fetch-failed", "fetch-failed", "too-short"):
        tally.reject("tuoitre", reason)
    for credit, furniture in (("TTO", 0), (None, 2), (None, 0), ("TTO", 0)):
        tally.emitted("tuoitre", furniture_lines=furniture, source_credit=credit)
    return tally


def test_a_record_holds_per_site_figures_and_residue_shares() -> None:
    record = build_record(_report(), spider="news", sites=["tuoitre", "vnexpress"], tally=_tally())
    assert record["start"] == "2026-11-30T06:00:00+00:00"
    assert record["end"] == "2026-11-30T06:05:00+00:00"
    assert (record["spider"], record["exitStatus"], record["unhealthy"]) == ("news", 0, False)
    assert record["sites"]["tuoitre"] == {
        "emitted": 4,
        "rejected": {"fetch-failed": 2, "too-short": 1},
        "fetchErrors": 2,
        "footerStripped": 0.4,
        "furnitureStripped": 0.25,
        "noCredit": 0.5,
    }
    # a site the run was given that yielded nothing is there with zeros: the collapse to see
    assert record["sites"]["vnexpress"] == {
        "emitted": 0,
        "rejected": {},
        "fetchErrors": 0,
        "footerStripped": None,
        "furnitureStripped": None,
        "noCredit": None,
    }


def test_an_unhealthy_run_is_flagged_and_its_problems_kept() -> None:
    record = build_record(
        _report(exitStatus=3, problems=["sitemap x: listed no URL"]),
        spider="news",
        sites=[],
        tally=SiteTally(),
    )
    assert record["unhealthy"] is True
    assert record["problems"] == ["sitemap x: listed no URL"]


def test_records_round_trip_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.jsonl"
    first = build_record(_report(), spider="news", sites=[], tally=_tally())
    later = _report(stats={"start_time": datetime(2026, 12, 1, 6, 0, tzinfo=UTC)})
    second = build_record(later, spider="news", sites=[], tally=SiteTally())
    append_record(path, second)  # out of order: the reader sorts by start
    append_record(path, first)
    assert len(path.read_text("utf-8").splitlines()) == 2
    history = read_history(path)
    assert [run["start"] for run in history.runs] == [first["start"], second["start"]]
    assert history.runs[0] == json.loads(json.dumps(first))
    assert history.broken_lines == 0
    assert [r["start"] for r in read_history(path, since=date(2026, 12, 1)).runs] == [
        second["start"]
    ]


def test_a_line_cut_by_a_crash_is_skipped_counted_and_the_next_record_starts_a_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "history.jsonl"
    record = build_record(_report(), spider="news", sites=[], tally=_tally())
    append_record(path, record)
    line = json.dumps(record)
    with path.open("a", encoding="utf-8") as file:
        file.write(line[: len(line) // 2])  # killed in the middle of a write
    append_record(path, record)
    history = read_history(path)
    assert len(history.runs) == 2
    assert history.broken_lines == 1
    assert "line 2: not a run record" in caplog.text


@pytest.mark.parametrize(
    "line",
    [
        b"not json at all",
        b"[1, 2, 3]",
        b'{"sites": {}}',  # no start
        b'{"start": "yesterday", "sites": {}}',
        b'{"start": "2026-11-30T06:00:00+00:00", "sites": {"a": 3}}',
        b"\xff\xfe garbage",
    ],
)
def test_a_line_that_is_not_a_run_record_is_skipped_and_counted(
    tmp_path: Path, line: bytes
) -> None:
    path = tmp_path / "history.jsonl"
    append_record(path, build_record(_report(), spider="news", sites=[], tally=SiteTally()))
    with path.open("ab") as file:
        file.write(line + b"\n\n")  # blank lines are not broken ones
    history = read_history(path)
    assert (len(history.runs), history.broken_lines) == (1, 1)


def test_runs_appending_at_once_never_mix_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    tally = SiteTally()
    for index in range(300):  # a long line: many sites
        tally.reject(f"site-{index}", "fetch-failed")
    record = build_record(_report(), spider="news", sites=[], tally=tally)

    def append_many() -> None:
        for _ in range(25):
            append_record(path, record)

    writers = [threading.Thread(target=append_many) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    history = read_history(path)
    assert (len(history.runs), history.broken_lines) == (100, 0)


@pytest.mark.parametrize(
    ("kinds", "residue"),
    [
        ((), False),
        (("credit",), False),  # where the source credit comes from: most articles have one
        (("byline", "credit"), False),
        (("credit", "share"), True),
        (("teaser",), True),
        (("copyright",), True),
    ],
)
def test_layout_residue_is_told_from_credit_lines(kinds: tuple[str, ...], residue: bool) -> None:
    assert lost_layout_lines(kinds) is residue
