"""``newscrawl.extraction``'s layout: the package imports no trafilatura, and ``ExtractorPool``
works without Scrapy (a time limit, a crash blamed on its page, the workers' set-up)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from newscrawl.extraction import NotExtractable
from newscrawl.extraction.pool import ExtractorPool


def _imported_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after ``statement``."""
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(out.split())


def test_importing_the_extraction_package_imports_no_trafilatura() -> None:
    """The crawl process only sends pages to the pool: trafilatura is ~35 MB and ~1 s."""
    loaded = _imported_after("import newscrawl.extraction")
    assert "newscrawl.extraction" in loaded
    assert "trafilatura" not in loaded and "lxml.html" not in loaded


def test_the_pool_and_its_worker_set_up_import_neither_trafilatura_nor_scrapy() -> None:
    loaded = _imported_after("import newscrawl.extraction.pool, newscrawl.extraction.worker")
    assert "newscrawl.extraction.pool" in loaded
    assert not {name for name in loaded if name.split(".")[0] in {"trafilatura", "scrapy"}}


def _worker_state() -> tuple[int, Any]:
    """Run in a worker: its pid and what it does with SIGINT."""
    return os.getpid(), signal.getsignal(signal.SIGINT)


def _run(pool: ExtractorPool, *calls: Any) -> list[Any]:
    async def run_all() -> list[Any]:
        try:
            return await asyncio.gather(*(pool.run(call) for call in calls), return_exceptions=True)
        finally:
            await pool.close()

    return asyncio.run(run_all())


def test_workers_ignore_ctrl_c_and_are_not_this_process() -> None:
    """Ctrl-C reaches the whole process group; the crawl process closes the pool itself."""
    pool = ExtractorPool(2)
    assert not pool.started
    results = _run(pool, _worker_state, _worker_state)
    assert pool.started
    assert all(pid != os.getpid() and handler == signal.SIG_IGN for pid, handler in results)


def test_a_call_over_the_time_limit_is_stopped_and_reported() -> None:
    events: Counter[str] = Counter()
    pool = ExtractorPool(1, timeout=1, count=lambda event: events.update([event]))
    started = time.monotonic()
    stuck, after = _run(pool, partial(time.sleep, 60), partial(divmod, 7, 2))
    assert isinstance(stuck, NotExtractable) and stuck.reason == "extraction-timeout"
    assert after == (3, 1)  # the next call runs in the new pool
    assert time.monotonic() - started < 30
    assert events == Counter({"pool-killed": 1})


def test_a_call_that_kills_its_worker_is_blamed_alone() -> None:
    events: Counter[str] = Counter()
    pool = ExtractorPool(2, count=lambda event: events.update([event]))
    results = _run(pool, partial(divmod, 9, 4), partial(os._exit, 1), partial(divmod, 9, 4))
    assert results[0] == results[2] == (2, 1)
    assert isinstance(results[1], NotExtractable) and results[1].reason == "extraction-crashed"
    assert events["pool-broken"] >= 2 and events["retried"] >= 1


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_the_callers_order(workers: int) -> None:
    pool = ExtractorPool(workers)
    assert _run(pool, *(partial(pow, n, 2) for n in range(8))) == [n * n for n in range(8)]


def test_a_queued_call_is_timed_from_its_turn_not_from_when_it_was_sent() -> None:
    """One worker, one call queued behind it: the second runs 1.5 s after a 1.5 s wait, over
    the 2 s limit since it was sent but not since its turn came."""
    events: Counter[str] = Counter()
    pool = ExtractorPool(1, timeout=2, queued=1, count=lambda event: events.update([event]))
    assert _run(pool, partial(time.sleep, 1.5), partial(time.sleep, 1.5)) == [None, None]
    assert events == Counter()


def test_the_forkserver_warm_up_extracts_its_sample_page() -> None:
    """The warm-up runs the whole extraction on its page; one that fails only logs a line, so a
    broken sample would silently leave the workers cold: it must extract."""
    from newscrawl.cleaning.chain import CleaningOptions, SiteContext
    from newscrawl.extraction import extract_and_sketch
    from newscrawl.extraction.warmup import SAMPLE_PAGE

    found, cleaned, digest = extract_and_sketch(
        SAMPLE_PAGE,
        "https://news.example/2024/03/budget.html",
        num_perm=128,
        timezone=None,
        site=SiteContext(language="en"),
        options=CleaningOptions(check_language=False),
    )
    assert found.headline == "Council approves budget" and found.authors == ["Jane Doe"]
    assert "city council approved" in cleaned.body and cleaned.rejection is None
    assert len(digest.signature) == 128 * 4


def test_the_forkserver_warm_up_loads_the_date_parser() -> None:
    """htmldate loads dateparser and every locale's month names on the first page without a
    date: done in the forkserver, the workers inherit them."""
    from htmldate.extractors import get_external_parser, month_words

    from newscrawl.extraction.warmup import warm_up

    get_external_parser.cache_clear()
    month_words.cache_clear()
    warm_up()
    assert get_external_parser.cache_info().currsize == 1
    assert month_words.cache_info().currsize == 1


def _language_model_loaded() -> bool:
    """Run in a worker before it classifies any text: whether py3langid's model is there."""
    import py3langid.langid

    return py3langid.langid.IDENTIFIER is not None


def _models_in_workers(preload: str) -> str:
    """In a fresh process (the forkserver outlives a pool: its preload is set once a process),
    whether the workers of a pool with ``preload`` start with the language model."""
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
        "from newscrawl.extraction.pool import ExtractorPool, LANGUAGE_MODEL, PRELOAD;"
        "from test_extractor_pool import _language_model_loaded, _run;"
        f"print(_run(ExtractorPool(2, preload={preload}), *[_language_model_loaded] * 2))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or done.stderr


@pytest.mark.parametrize(
    ("preload", "loaded"), [("(*PRELOAD, LANGUAGE_MODEL)", "True"), ("PRELOAD", "False")]
)
def test_the_language_model_is_loaded_once_in_the_forkserver_when_used(
    preload: str, loaded: str
) -> None:
    assert _models_in_workers(preload) == f"[{loaded}, {loaded}]"
