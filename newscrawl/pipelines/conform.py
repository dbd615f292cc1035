"""``ConformPipeline``: an article whose dates are not real dates is rejected (``invalid-date``)
rather than emitted against its schema. Extraction parses every date it keeps, so this catches
what a pipeline of the project's own put there; it runs just before publication."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.accounting import Reason
from newscrawl.conformance import impossible_dates
from newscrawl.pipelines import Rejected


class ConformPipeline:
    def process_item(self, item: Any) -> Any:
        if found := list(impossible_dates(ItemAdapter(item))):
            evidence = "; ".join(f"{field} {value!r} is not a real date" for field, value in found)
            raise Rejected(Reason.INVALID_DATE, evidence, item)
        return item
