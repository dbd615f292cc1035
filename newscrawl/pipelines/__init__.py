"""Item pipelines: thin Scrapy glue over ``newscrawl.extraction`` and ``newscrawl.cleaning``.

One component a module, in the order they run: ``extract`` (page -> clean article in a process
pool: extraction, then the cleaning chain) and ``publish`` (the end-of-run decisions: site
furniture, duplicates, then the output).

Each pipeline reads and writes items through ``ItemAdapter``, so it serves any item class whose
fields carry the same names. A dropped item raises ``Rejected``, whose reason and evidence the
``RejectsLog`` extension writes to the rejects file and counts in the stats.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem


class Rejected(DropItem):
    """A drop with its reason and evidence; ``item`` is the item as the dropping stage saw it
    (Scrapy's item_dropped signal carries the item that entered the pipeline chain)."""

    def __init__(self, reason: str, evidence: str = "", item: Any = None) -> None:
        super().__init__(f"{reason}: {evidence}" if evidence else reason)
        self.reason = reason
        self.evidence = evidence
        self.item = item


class Staged(DropItem):
    """An article held by ``PublishPipeline`` until the end of the run: not a drop. Scrapy sees
    a drop; newscrawl's log formatter, core stats and rejects log leave it out."""
