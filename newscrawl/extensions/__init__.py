"""newscrawl's Scrapy extensions, one a module, as in ``scrapy.extensions``:

- ``state``: ``IncrementalState``, the state store's owner and the run's publication;
- ``rejects``: ``RejectsLog``, the rejects file;
- ``report``: ``RunReport``, the run's health, report file and summary;
- ``progress``: ``ProgressLog``, the periodic progress line;
- ``corestats``, ``closespider``: Scrapy's own, aware of articles held for publication;
- ``warcarchive``: ``WarcArchive``, the WARC files of what a live crawl fetched;
- ``history``: ``RunHistory``, each run appended to the run history;
- ``watchdog``: ``Watchdog``, which ends a run that stopped making progress.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object


def is_enabled(settings: BaseSettings, component: type) -> bool:
    """Whether ``component`` is among the run's EXTENSIONS (listed, by path or class, and not
    switched off with None)."""
    return any(
        load_object(path) is component
        for path in build_component_list(settings.getwithbase("EXTENSIONS"))
    )
