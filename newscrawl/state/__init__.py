"""State for incremental runs and cross-run de-duplication (no Scrapy imports here).

Writes are staged in memory during a run and persisted by ``commit()`` once the run's output is in
place, so a killed run leaves no trace; staged records already count for the run's own checks.
"""

from .api import Emitted, StateStore
from .base import StateConfigError
from .factory import open_state_store

__all__ = ["Emitted", "StateConfigError", "StateStore", "open_state_store"]
