"""Remembered rejects: the retry policy, the store methods on both backends, the state CLI."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis_server import redis_server_url  # noqa: F401  (fixture, requested by name below)
from scrapy.settings import Settings
from test_state import ARTICLE, OTHER, _cli, article, open_store, uri  # noqa: F401  (fixtures)

import newscrawl.settings
from newscrawl.accounting import Reason
from newscrawl.settings_check import SettingsError, check_settings
from newscrawl.state import Rejection, next_rejection
from newscrawl.state.rejects import RETRY_POLICY

PACKAGE = Path(newscrawl.settings.__file__).parent
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BACKOFF = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=7))
GONE = "https://tin.example.vn/thoi-su/bai-404.html"


def rejection(
    url: str = GONE,
    reason: str = "fetch-failed",
    *,
    at: datetime = NOW,
    previous: Rejection | None = None,
) -> Rejection:
    made = next_rejection(previous, url, reason, "HTTP 404", at, BACKOFF)
    assert made is not None
    return made


# --- the policy -----------------------------------------------------------------------------


def test_a_transient_reject_waits_longer_at_each_attempt_up_to_the_last_wait():
    waits, previous = [], None
    for attempt in range(6):
        at = NOW + timedelta(days=30 * attempt)
        previous = rejection(at=at, previous=previous)
        assert previous.retry_after is not None
        waits.append(datetime.fromisoformat(previous.retry_after) - at)
    assert waits == [*BACKOFF, BACKOFF[-1], BACKOFF[-1]]
    assert previous.attempts == 6
    assert previous.first_rejected_at == NOW.isoformat()
    assert previous.in_force(NOW + timedelta(days=150, hours=1))
    assert not previous.in_force(NOW + timedelta(days=157, seconds=1))


def test_a_permanent_reject_is_in_force_for_ever():
    made = rejection(reason="not-article")
    assert made.retry_after is None
    assert made.in_force(NOW + timedelta(days=10_000))


def test_verdicts_of_the_run_and_unknown_reasons_are_not_remembered():
    for reason in ("url-offsite", "older-than-since", "malformed-sitemap", "no-such-reason"):
        assert next_rejection(None, GONE, reason, "", NOW, BACKOFF) is None


def test_a_long_evidence_is_cut():
    made = next_rejection(None, GONE, "not-html", "x" * 5000, NOW, BACKOFF)
    assert made is not None and len(made.evidence) == 300


# the shapes a reason written as a string literal would take
_LITERAL_REASON_SHAPES = [
    r'Rejected\(\s*"([\w-]+)"',
    r'NotExtractable\(\s*"([\w-]+)"',
    r'self\.(?:reject|_source_failed|_reject_page)\([^,()]+,\s*"([\w-]+)"',
    r'return "([\w-]+)", f?"',
    r'\("([\w-]+)", evidence\)',
    r'reason(?:, evidence)? = "([\w-]+)"',
    r'ItemAdapter\(item\), "([\w-]+)"',
    r'getattr\(exception, "reason", "([\w-]+)"\)',
    r'Unusable\([^,()]+,\s*"([\w-]+)"',
    r'GivenUp\(\s*"([\w-]+)"',
]


def _reasons_in_the_code() -> tuple[set[str], set[str]]:
    """The reject reasons the crawler's code names through the vocabulary, and those it
    names as string literals."""
    named: set[str] = set()
    literal: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "demosite" not in path.parts:
            source = path.read_text("utf-8")
            named.update(Reason[name] for name in re.findall(r"\bReason\.([A-Z][A-Z_]+)", source))
            literal.update(
                match for shape in _LITERAL_REASON_SHAPES for match in re.findall(shape, source)
            )
    return named, literal


def test_every_reject_reason_in_the_code_has_a_retry_policy():
    reasons, literal = _reasons_in_the_code()
    assert {
        "not-html",
        "fetch-failed",
        "not-article",
        "too-short",
        "spam-title",
        "duplicate",
        "pipeline-error",
        "url-offsite",
        "ignored",
        "robots-disallowed",
        "dropped",
        "wrong-language",
        "malformed-feed",
    } <= reasons
    assert literal == set()  # every reason is named through newscrawl.accounting.Reason
    assert set(RETRY_POLICY) == set(Reason)  # the vocabulary has no reason without a policy


def test_the_policy_table_matches_the_readme():
    readme = (PACKAGE.parent / "README.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| `([\w-]+)` +\| (.+?) +\|", readme, re.MULTILINE))
    assert {reason: rows.get(reason) for reason in RETRY_POLICY} == {
        reason: retry.value for reason, retry in RETRY_POLICY.items()
    }


@pytest.mark.parametrize("value", ["", "0", "1,-6", "soon", "nan"])
def test_a_bad_backoff_setting_is_one_line(value):
    settings = Settings()
    settings.setmodule(newscrawl.settings)
    settings.set("NEWSCRAWL_REJECT_BACKOFF_HOURS", value)
    with pytest.raises(SettingsError, match="NEWSCRAWL_REJECT_BACKOFF_HOURS"):
        check_settings(settings)


# --- the stores -----------------------------------------------------------------------------


def test_a_reject_is_recorded_at_commit_only(open_store):
    crawler, other = open_store(), open_store()
    assert crawler.stage_rejection(rejection())
    assert crawler.rejection(GONE) == rejection()  # the run sees its own
    assert other.rejection(GONE) is None
    crawler.rollback()
    assert crawler.rejection(GONE) is None
    crawler.stage_rejection(rejection())
    crawler.commit()
    assert other.rejection(GONE) == rejection()
    assert other.stats()["rejects"] == 1


def test_a_later_reject_replaces_the_earlier(open_store):
    store = open_store()
    store.stage_rejection(rejection())
    store.commit()
    again = rejection(at=NOW + timedelta(hours=2), previous=store.rejection(GONE))
    store.stage_rejection(again)
    store.commit()
    assert open_store().rejection(GONE) == again
    assert again.attempts == 2


def test_a_url_emitted_later_clears_its_reject(open_store):
    store = open_store()
    emitted = article(1)
    store.stage_rejection(rejection(emitted.url, "too-short"))
    store.commit()
    store.stage(emitted, store.sketch(ARTICLE))
    store.commit()
    assert open_store().rejection(emitted.url) is None
    assert open_store().stats()["rejects"] == 0


def test_an_emitted_url_is_not_remembered_as_rejected(open_store):
    store = open_store()
    store.stage(article(1), store.sketch(ARTICLE))
    store.commit()
    assert not store.stage_rejection(rejection(article(1).url, "duplicate"))
    store.commit()
    assert store.rejection(article(1).url) is None


def test_forget_removes_the_record_its_duplicate_keys_and_the_reject(open_store):
    store = open_store()
    kept, gone = article(1), article(2)
    store.stage(kept, store.sketch(OTHER))
    store.stage(gone, store.sketch(ARTICLE))
    store.stage_rejection(rejection())
    store.commit()
    assert store.forget(gone.url) == ["emitted"]
    assert store.forget(GONE) == ["rejected"]
    assert store.forget(GONE) == []
    reader = open_store()
    assert reader.lookup(gone.url) is None and reader.lookup(gone.canonical_url) is None
    assert reader.first_with_fingerprint(gone.fingerprint) is None
    assert reader.near_duplicate_of(reader.sketch(ARTICLE)) is None
    assert reader.rejection(GONE) is None
    assert reader.lookup(kept.url) == kept
    assert reader.near_duplicate_of(reader.sketch(OTHER)) == kept.url


def test_prune_removes_old_records_and_rejects_only(open_store):
    store = open_store()
    now = datetime.now(UTC)
    old, recent = (
        replace(article(n), emitted_at=(now - timedelta(days=days)).isoformat(timespec="seconds"))
        for n, days in ((1, 40), (2, 5))
    )
    store.stage(old, store.sketch(ARTICLE))
    store.stage(recent, store.sketch(OTHER))
    store.stage_rejection(rejection(at=now - timedelta(days=40)))
    store.stage_rejection(rejection(GONE + "?moi", at=now - timedelta(days=5)))
    store.commit()
    assert store.prune(timedelta(days=30)) == {"articles": 1, "rejects": 1}
    reader = open_store()
    assert reader.lookup(old.url) is None and reader.first_with_fingerprint(old.fingerprint) is None
    assert reader.near_duplicate_of(reader.sketch(ARTICLE)) is None
    assert reader.lookup(recent.url) == recent
    assert reader.rejection(GONE) is None and reader.rejection(GONE + "?moi") is not None


def test_stats_count_rejects_by_reason_and_reset_forgets_them(open_store):
    store = open_store()
    for n, reason in enumerate(["fetch-failed", "not-html", "not-html"]):
        store.stage_rejection(rejection(f"{GONE}?n={n}", reason))
    store.commit()
    stats = store.stats()
    assert (stats["rejects"], stats["rejects/fetch-failed"], stats["rejects/not-html"]) == (3, 1, 2)
    store.reset()
    assert store.stats()["rejects"] == 0 and store.rejection(f"{GONE}?n=0") is None


# --- the CLI --------------------------------------------------------------------------------


def test_cli_lookup_shows_the_reject(uri, open_store):
    store = open_store()
    store.stage_rejection(rejection(at=datetime.now(UTC)))
    store.commit()
    shown = _cli(uri, "lookup", GONE + "?utm_source=rss#top")
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert (record["reason"], record["attempts"], record["in_force"]) == ("fetch-failed", 1, True)
    assert "not emitted nor rejected" in _cli(uri, "lookup", GONE + "x").stderr


def test_cli_forget_one_url_normalized_as_lookup(uri, open_store):
    store = open_store()
    store.stage(article(1), store.sketch(ARTICLE))
    store.stage(article(2), store.sketch(OTHER))
    store.stage_rejection(rejection())
    store.commit()
    by_canonical = _cli(uri, "forget", article(1).canonical_url + "?utm_medium=x")
    assert by_canonical.returncode == 0, by_canonical.stderr
    assert "emitted" in by_canonical.stdout
    assert "rejected" in _cli(uri, "forget", GONE + "#comments").stdout
    missing = _cli(uri, "forget", GONE)
    assert missing.returncode == 1 and "not emitted nor rejected" in missing.stderr
    reader = open_store()
    assert reader.lookup(article(1).url) is None and reader.rejection(GONE) is None
    assert reader.lookup(article(2).url) is not None


def test_cli_prune_and_stats(uri, open_store):
    store = open_store()
    store.stage(article(1), store.sketch(ARTICLE))  # emitted in 2025
    store.stage_rejection(rejection(at=datetime.now(UTC) - timedelta(days=3)))
    store.stage_rejection(rejection(GONE + "?p=2", "not-article", at=datetime.now(UTC)))
    store.commit()
    pruned = _cli(uri, "prune", "--older-than", "2")
    assert pruned.returncode == 0, pruned.stderr
    assert "forgot 1 articles and 1 rejects" in pruned.stdout
    stats = json.loads(_cli(uri, "stats").stdout)
    assert (stats["articles"], stats["rejects"], stats["rejects/not-article"]) == (0, 1, 1)
    assert "rejects/fetch-failed" not in stats
    for bad in ("0", "-1", "soon"):
        refused = _cli(uri, "prune", "--older-than", bad)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) <= 3
