"""What each extraction worker process runs first (``ExtractorPool``'s initializer).

A module of its own, importing the standard library only: the forkserver preloads it and the
workers import it by name, so neither imports Scrapy, the state store or the pipelines (0.6 s
and 50 MB a worker), as they would through a function defined in the pipeline's module.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading


def set_up_worker() -> None:
    # Ctrl-C signals the whole process group. The crawl process shuts down gracefully and
    # closes the pool; a worker must not die of it, nor hand KeyboardInterrupt back as a
    # page's result.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crawl process that is killed (SIGKILL, the OOM killer) cannot close its pool, and a
    # worker waiting for work would wait forever.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with, args=(parent.sentinel,), name="exit-with-crawl", daemon=True
        ).start()


def _exit_with(crawl_sentinel: int) -> None:
    multiprocessing.connection.wait([crawl_sentinel])
    os._exit(1)


def started() -> int:
    """A call that does nothing: submitted once a worker, it makes the pool fork them."""
    return os.getpid()
