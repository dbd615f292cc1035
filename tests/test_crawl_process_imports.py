"""What the crawl process imports: not the extraction workers' libraries (trafilatura, numpy by
way of py3langid or the MinHash), nor aiohttp (Scrapy's remote control, taken out), nor
jsonschema (only the tests validate against the output's schemas): each costs every run MiB of
memory and hundredths to tenths of a second of start-up."""

from __future__ import annotations

import subprocess
import sys

# As Scrapy's component managers do: every component listed (the overrides are imported
# even when disabled, to normalise their keys), then those enabled; then the spider's module.
CRAWL_PROCESS_IMPORTS = """
import sys
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

settings = Settings()
settings.setmodule("newscrawl.settings")
for name in ("ADDONS", "EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES",
             "ITEM_PIPELINES"):
    for component in build_component_list(settings.get_component_priority_dict_with_base(name)):
        load_object(component)
import newscrawl.spiders.news, newscrawl.state
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_the_crawl_process_leaves_the_workers_libraries_and_aiohttp_alone() -> None:
    imported = subprocess.run(
        [sys.executable, "-c", CRAWL_PROCESS_IMPORTS], check=True, capture_output=True, text=True
    ).stdout.split()
    assert {"scrapy", "newscrawl", "twisted"} <= set(imported)  # the crawl's own
    assert {"numpy", "py3langid", "trafilatura", "aiohttp", "jsonschema"}.isdisjoint(imported)
