"""A Spidermon action for the tests: writes each monitor's result of the run to the JSON file
named by the MONITOR_RESULTS_FILE setting (the crawl subprocess imports it from tests/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spidermon.core.actions import Action


class RecordResults(Action):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = Path(path)

    @classmethod
    def from_crawler_kwargs(cls, crawler: Any) -> dict[str, Any]:
        return {"path": crawler.settings.get("MONITOR_RESULTS_FILE")}

    def run_action(self) -> None:
        results = {
            result.monitor.monitor_name: {"status": result.status, "error": result.error}
            for result in self.result.monitor_results
        }
        self.path.write_text(json.dumps(results, indent=1), "utf-8")
