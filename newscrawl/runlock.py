"""One run at a time per spider and argument set: an advisory lock the kernel drops on exit."""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO


class RunLock:
    """``fcntl.flock`` on ``<dir>/<spider>-<hash of arguments>.lock``.

    The lock dies with the process (even on SIGKILL), so a crashed run never blocks cron.
    """

    def __init__(self, directory: Path, spider: str, arguments: Mapping[str, str]) -> None:
        # Scrapyd's _job (and its other "_" arguments) differ on every run: not part of the key
        key = "&".join(f"{k}={arguments[k]}" for k in sorted(arguments) if not k.startswith("_"))
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
        self.path = directory / f"{spider}-{digest}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text("utf-8").strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
