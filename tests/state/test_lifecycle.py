"""The end of a run (``newscrawl.lifecycle.RunEnd``) and the update policy, without Scrapy."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newscrawl.journal import Journal
from newscrawl.lifecycle import Outcome, RunEnd
from newscrawl.state import Emitted, StateStore, open_state_store
from newscrawl.state.policy import should_refetch

URL = "https://tin.example.vn/thoi-su/bai-1.html"


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return open_state_store(f"sqlite://{tmp_path}/state.db")


def _staged_run(
    tmp_path: Path, store: StateStore, **options: object
) -> tuple[RunEnd, Path, Counter[str]]:
    """A run that wrote one article to ``out.jsonl.part`` and staged its record."""
    written = tmp_path / "out.jsonl.part"
    written.write_text(json.dumps({"url": URL, "fingerprint": "f" * 32}) + "\n", "utf-8")
    store.begin_publication()
    store.stage(
        Emitted(
            url=URL,
            canonical_url=None,
            fingerprint="f" * 32,
            emitted_at="2026-12-01T00:00:00+00:00",
            modified=None,
        ),
        store.sketch("body"),
    )
    stats: Counter[str] = Counter()
    run_end = RunEnd(
        store,
        Journal(tmp_path / "journal", "sqlite:test", "run"),
        count=lambda key, n: stats.update({key: n}),
        **options,
    )  # type: ignore[arg-type]
    run_end.files.add(written, tmp_path / "out.jsonl", articles=True)
    return run_end, written, stats


def test_a_completed_run_is_published_then_recorded(tmp_path: Path, store: StateStore) -> None:
    run_end, written, stats = _staged_run(tmp_path, store)
    outcome = run_end.settle("finished", writes_failed=0, emitted=1, rejects_staged=0)
    assert outcome is Outcome.COMMITTED
    assert (tmp_path / "out.jsonl").exists() and not written.exists()
    assert not list((tmp_path / "journal").glob("*"))  # released with the commit
    reopened = open_state_store(f"sqlite://{tmp_path}/state.db")
    assert reopened.lookup(URL) is not None
    assert not stats


@pytest.mark.parametrize(("reason", "failed"), [("shutdown", 0), ("finished", 1)])
def test_an_interrupted_or_failed_run_publishes_and_records_nothing(
    tmp_path: Path, store: StateStore, reason: str, failed: int
) -> None:
    run_end, written, _ = _staged_run(tmp_path, store)
    outcome = run_end.settle(reason, writes_failed=failed, emitted=1, rejects_staged=0)
    assert outcome is Outcome.UNPUBLISHED
    assert written.exists() and not (tmp_path / "out.jsonl").exists()
    assert open_state_store(f"sqlite://{tmp_path}/state.db").lookup(URL) is None


def test_a_paused_run_carries_its_articles_over(tmp_path: Path, store: StateStore) -> None:
    carried = tmp_path / "jobdir" / "newscrawl-unpublished"
    run_end, written, _ = _staged_run(tmp_path, store, carried_over=carried)
    assert (
        run_end.settle("shutdown", writes_failed=0, emitted=1, rejects_staged=0)
        is Outcome.CARRIED_OVER
    )
    assert (carried / written.name).exists() and not written.exists()


def test_a_run_is_settled_once(tmp_path: Path, store: StateStore) -> None:
    run_end, _, _ = _staged_run(tmp_path, store)
    assert (
        run_end.settle("shutdown", writes_failed=0, emitted=1, rejects_staged=0)
        is Outcome.UNPUBLISHED
    )
    # a later, different verdict changes nothing: the store is closed, the files unpublished
    assert (
        run_end.settle("finished", writes_failed=0, emitted=1, rejects_staged=0)
        is Outcome.UNPUBLISHED
    )
    assert not (tmp_path / "out.jsonl").exists()


def test_an_unreadable_output_fails_the_publication(tmp_path: Path, store: StateStore) -> None:
    run_end, written, stats = _staged_run(tmp_path, store)
    written.write_text("not json\n", "utf-8")
    assert (
        run_end.settle("finished", writes_failed=0, emitted=1, rejects_staged=0) is Outcome.FAILED
    )
    assert stats == {"newscrawl/write-failed/output": 1}
    assert written.exists() and not (tmp_path / "out.jsonl").exists()


NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
EMITTED = Emitted(
    url=URL,
    canonical_url=None,
    fingerprint="f" * 32,
    emitted_at="2026-11-30T12:00:00+00:00",
    modified="2026-11-30T11:00:00+00:00",
)


@pytest.mark.parametrize(
    ("lastmod", "window_days", "expected"),
    [
        ("2026-12-01T08:00:00+00:00", 7, True),  # changed since, within the window
        ("2026-11-30T10:00:00+00:00", 7, False),  # not changed since what was emitted
        ("2026-12-01T08:00:00+00:00", 0.5, False),  # emitted longer ago than the window
        ("2026-12-02T08:00:00+00:00", 7, False),  # a lastmod in the future: the site's mistake
        (None, 7, False),
    ],
)
def test_an_emitted_article_is_fetched_again_only_when_it_changed_recently(
    lastmod: str | None, window_days: float, expected: bool
) -> None:
    assert should_refetch(EMITTED, lastmod, NOW, timedelta(days=window_days), None) is expected
