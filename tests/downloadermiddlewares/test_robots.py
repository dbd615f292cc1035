"""robots.txt obeyed by every request to a host, those sent while its robots.txt is still being
fetched included (Scrapy 2.19's own middleware checks only the first of them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import crawl

from newscrawl.demosite import DemoSite

pytestmark = pytest.mark.e2e


def test_sources_requested_together_are_all_checked_against_robots_txt(
    paper: DemoSite, tmp_path: Path
) -> None:
    # four sources requested at start, the last two under the robots.txt's "Disallow: /tim-kiem"
    entry = paper.registry_toml("demo").replace(
        f'listings = ["{paper.base_url}/thoi-su"]',
        f'listings = ["{paper.base_url}/thoi-su", "{paper.base_url}/tim-kiem?q=a", '
        f'"{paper.base_url}/tim-kiem?q=b"]',
    )
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(entry, "utf-8")
    before = len(paper.requests)
    run = crawl(tmp_path / "out", "-a", f"sites_file={sites_file}", "-a", "site=demo")
    served = paper.requests[before:]
    assert not [path for path in served if path.startswith("/tim-kiem")]
    refused = {r["url"] for r in run.rejects_for("robots-disallowed")}
    assert {f"{paper.base_url}/tim-kiem?q=a", f"{paper.base_url}/tim-kiem?q=b"} <= refused
    assert run.items  # the other sources crawled as ever
