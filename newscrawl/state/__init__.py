"""State for incremental runs and cross-run de-duplication (no Scrapy imports here).

Writes are staged during a run (in a private temporary file, not in process memory) and persisted
by ``commit()`` once the run's output is in place, so a killed run leaves no trace; staged records
already count for the run's own checks.
"""

from .api import Emitted, StateStore
from .base import StateConfigError
from .factory import open_state_store
from .minhash import Sketch
from .rejects import Rejection, next_rejection

__all__ = [
    "Emitted",
    "Rejection",
    "Sketch",
    "StateConfigError",
    "StateStore",
    "next_rejection",
    "open_state_store",
]
