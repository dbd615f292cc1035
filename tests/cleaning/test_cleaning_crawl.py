"""End to end: the cleaning pipelines on the content farm, through ``scrapy crawl``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CrawlRun, crawl
from texts import SEED_004_BODY

from newscrawl.demosite import DemoSite

pytestmark = pytest.mark.e2e  # runs scrapy crawl/seed/demo as subprocesses


def _farm_run(tmp_path: Path, farm: DemoSite, *settings: str) -> CrawlRun:
    registry = tmp_path / "sites.toml"
    registry.write_text(farm.registry_toml("farm"), "utf-8")
    return crawl(tmp_path, "-a", "site=farm", "-a", f"sites_file={registry}", *settings)


@pytest.fixture(scope="module")
def dropping(tmp_path_factory: pytest.TempPathFactory, farm: DemoSite) -> CrawlRun:
    return _farm_run(tmp_path_factory.mktemp("drop"), farm)


@pytest.fixture(scope="module")
def repairing(tmp_path_factory: pytest.TempPathFactory, farm: DemoSite) -> CrawlRun:
    return _farm_run(
        tmp_path_factory.mktemp("repair"), farm, "-s", "NEWSCRAWL_SPAM_TITLE_ACTION=repair"
    )


def _injected(farm: DemoSite) -> dict[str, dict[str, str]]:
    return {a.url_path: a.expected for a in farm.articles() if "injected" in a.expected}


def test_spam_titles_are_dropped_with_their_evidence(dropping: CrawlRun, farm: DemoSite) -> None:
    assert dropping.returncode == 0
    injected = _injected(farm)
    assert len(injected) == 6
    rejects = {r["url"].removeprefix(farm.base_url): r for r in dropping.rejects_for("spam-title")}
    assert set(rejects) == set(injected)
    for path, expected in injected.items():
        assert expected["injected"].lower() in rejects[path]["evidence"].lower(), path
        assert rejects[path]["headline"], path
    assert dropping.stats["newscrawl/rejected/spam-title"] == 6


def test_copies_without_injection_are_kept(dropping: CrawlRun, farm: DemoSite) -> None:
    clean = {a.url_path for a in farm.articles() if "injected" not in a.expected}
    assert set(dropping.by_url_path()) == clean


def test_repair_mode_keeps_items_with_clean_headlines(repairing: CrawlRun, farm: DemoSite) -> None:
    items = repairing.by_url_path()
    injected = _injected(farm)
    # a headline made only of glued search queries has no title left to keep
    whole = {p for p, e in injected.items() if e.get("form", "").startswith("glued search")}
    assert len(whole) == 1
    assert {r["url"].removeprefix(farm.base_url) for r in repairing.rejects} == whole
    for path in injected.keys() - whole:
        assert items[path]["headline"] == injected[path]["clean_headline"], path
        note = items[path]["metadata"]["titleInjection"].lower()
        assert injected[path]["injected"].lower() in note
    assert repairing.stats["newscrawl/repaired/spam-title"] == 5


def test_seed_004_is_repaired_exactly(repairing: CrawlRun, farm: DemoSite) -> None:
    (seed,) = [a for a in farm.articles() if a.kind == "seed-004"]
    item = repairing.by_url_path()[seed.url_path]
    assert item["headline"] == "Cuộc gặp thượng đỉnh Mỹ"
    assert item["articleBody"] == "\n".join(SEED_004_BODY)
    assert item["sourceCredit"] == "VOV"
    assert len(item["metadata"]["bodyRepairs"]) == 3


def test_every_drop_is_in_the_rejects_file_and_the_stats(dropping: CrawlRun) -> None:
    counted = sum(v for k, v in dropping.stats.items() if k.startswith("newscrawl/rejected/"))
    assert counted == len(dropping.rejects)
    assert dropping.stats.get("item_dropped_count", 0) == sum(
        1 for r in dropping.rejects if r["headline"]
    )
    assert "Dropped" in dropping.stderr and "spam-title" in dropping.stderr  # one line a drop
