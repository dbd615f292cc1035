"""Per-source accounting (``newscrawl.sources``): which sources count against a run's health."""

from __future__ import annotations

from newscrawl.sources import SourceLedger

FEED = "https://a.vn/rss"
SITEMAP = "https://a.vn/sitemap.xml"


def test_a_source_that_failed_is_a_problem_even_when_other_fetches_worked() -> None:
    ledger = SourceLedger()
    ledger.add(FEED, "feed")
    ledger.failed(FEED, FEED, "HTTP 404")
    assert ledger.problems() == [f"feed {FEED} failed: HTTP 404"]


def test_a_source_listing_nothing_or_nothing_taken_is_a_problem() -> None:
    ledger = SourceLedger()
    ledger.add(FEED, "feed")
    ledger.add(SITEMAP, "sitemap")
    ledger.parsed(FEED, found=0)
    ledger.parsed(SITEMAP, found=53)
    problems = ledger.problems()
    assert problems[0] == f"feed {FEED} listed no URL"
    assert problems[1].startswith(f"sitemap {SITEMAP} listed 53 URL(s), none taken")


def test_children_count_towards_their_root_and_a_failed_child_is_no_problem() -> None:
    ledger = SourceLedger()
    ledger.add(SITEMAP, "sitemap")
    ledger.parsed(SITEMAP, found=2)  # an index of two child sitemaps
    ledger.taken(SITEMAP)
    ledger.taken(SITEMAP)
    ledger.failed(SITEMAP, "https://a.vn/sitemap-1.xml", "HTTP 500")
    ledger.parsed(SITEMAP, found=10)
    ledger.taken(SITEMAP)
    ledger.requested(SITEMAP, "https://a.vn/x-1")
    ledger.emitted("https://a.vn/x-1")
    ledger.emitted("https://elsewhere.vn/y")  # not requested for a source: ignored
    (report,) = ledger.report()
    assert ledger.problems() == []
    assert (
        report["fetched"],
        report["failed"],
        report["found"],
        report["taken"],
        report["emitted"],
    ) == (2, 1, 12, 3, 1)


def test_a_malformed_source_with_entries_recovered_is_no_problem() -> None:
    ledger = SourceLedger()
    ledger.add(SITEMAP, "sitemap")
    ledger.failed(SITEMAP, SITEMAP, "malformed-sitemap")
    ledger.parsed(SITEMAP, found=3)
    ledger.taken(SITEMAP)
    assert ledger.problems() == []
