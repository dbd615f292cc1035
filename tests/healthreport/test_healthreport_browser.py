"""The health page in a real headless Chromium: two real crawls of a test site (one healthy,
one with the site broken) appended to the history after a month of synthetic runs, the page
rendered by the command, opened from disk."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT, Server, crawl, urlset
from history_runs import daily_runs

from newscrawl.healthreport.svg import HEIGHT, WIDTH
from newscrawl.history import read_history

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# No traffic of Chromium's own (updates, sync, safe browsing): the page is opened from disk.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1400,1000",
)
SITE = "127.0.0.1"  # the site key of an ad-hoc -a sitemap= on 127.0.0.1
STEADY = ("dantri", "tuoitre", "vnexpress")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="needs Debian's chromium and chromium-driver "
        "(apt-get install -y chromium chromium-driver; CI installs them)",
    ),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium: the test extra")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _history_of_real_runs(tmp_path: Path) -> Path:
    """A month of synthetic daily runs, then two real crawls of a site on 127.0.0.1: all its
    articles emitted, then every page it lists answering 404."""
    data = tmp_path / "data"
    history = data / "newscrawl-history.jsonl"
    data.mkdir()
    synthetic = daily_runs(30, STEADY)
    history.write_text("".join(json.dumps(run) + "\n" for run in synthetic), "utf-8")
    with Server() as site:
        sitemap = site.serve("/sitemap.xml", urlset(*(site.article(i) for i in range(1, 7))))
        healthy = crawl(tmp_path / "healthy", "-a", f"sitemap={sitemap}", data_dir=data)
        assert (healthy.returncode, len(healthy.items)) == (0, 6), healthy.stderr[-2000:]
        site.serve(
            "/sitemap.xml",
            urlset(*(f"{site.base_url}/tin/mat-{i}-{20000 + i}.html" for i in range(1, 7))),
        )
        broken = crawl(tmp_path / "broken", "-a", f"sitemap={sitemap}", data_dir=data)
        assert (broken.returncode, len(broken.items)) == (3, 0), broken.stderr[-2000:]
    return history


def test_the_page_shows_the_broken_site_flagged_in_a_real_browser(
    tmp_path: Path, browser: Any
) -> None:
    history = _history_of_real_runs(tmp_path)
    runs = read_history(history).runs
    assert len(runs) == 32
    assert runs[-2]["sites"][SITE]["emitted"] == 6
    assert runs[-1]["sites"][SITE] | {"rejected": runs[-1]["sites"][SITE]["rejected"]} == {
        "emitted": 0,
        "rejected": {"fetch-failed": 6},
        "fetchErrors": 6,
        "footerStripped": None,
        "furnitureStripped": None,
        "noCredit": None,
    }
    page = tmp_path / "report.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "newscrawl.healthreport",
            "--history",
            str(history),
            "-o",
            str(page),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr

    browser.get(page.as_uri())
    assert browser.title == "newscrawl health"
    by = pytest.importorskip("selenium.webdriver.common.by").By
    sections = browser.find_elements(by.CSS_SELECTOR, "section.site")
    assert [s.get_attribute("data-site") for s in sections] == [SITE, *STEADY]  # troubled first
    for section in sections:
        charts = section.find_elements(by.CSS_SELECTOR, "svg.chart")
        assert [c.get_attribute("data-chart") for c in charts] == [
            "emitted",
            "rejected",
            "fetch-errors",
            "residue",
        ]
        assert all(c.size["width"] >= WIDTH and c.size["height"] >= HEIGHT for c in charts)
    flagged = browser.find_elements(by.CSS_SELECTOR, "#attention tr.anomaly")
    assert {row.get_attribute("data-site") for row in flagged} == {SITE}
    assert "all-rejected" in flagged[0].text and "fetch-failed 6" in flagged[0].text
    flag = flagged[0].find_element(by.CSS_SELECTOR, ".flag")
    assert flag.is_displayed() and flag.value_of_css_property("background-color") == (
        "rgba(204, 0, 0, 1)"
    )
    # the broken run is marked unhealthy on the site's charts, behind its last slot
    assert len(sections[0].find_elements(by.CSS_SELECTOR, "rect.unhealthy-run")) == 4
    assert (
        browser.execute_script(
            "return document.querySelectorAll('script, link, img, iframe').length"
        )
        == 0
    )
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    assert browser.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000
