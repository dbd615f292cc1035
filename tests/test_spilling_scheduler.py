"""The one-machine scheduler: its queue on disk in a directory of the run's own, deleted when the
run closes (or by the next run, when the run died); JOBDIR's queue when there is a JOBDIR."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from newscrawl.distributed.addon import DistributedAddon
from newscrawl.scheduler import SpillingScheduler, queues_dir, remove_dead_queues


class _Spider(Spider):
    name = "news"

    def parse(self, response: Any) -> None:  # a spider method: the disk queue stores its name
        pass


def _scheduler(tmp_path: Path, **settings: Any) -> SpillingScheduler:
    crawler = get_crawler(
        _Spider,
        {
            "ADDONS": {DistributedAddon: 0},
            "NEWSCRAWL_DATA_DIR": str(tmp_path / "data"),
            "NEWSCRAWL_QUEUE_ON_DISK": True,
            # Scrapy's default, DownloaderAwarePriorityQueue, needs a running engine: every
            # end-to-end crawl runs with it
            "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
            **settings,
        },
    )
    crawler.spider = crawler._create_spider()
    scheduler = SpillingScheduler.from_crawler(crawler)
    assert crawler.settings["SCHEDULER"] == "newscrawl.scheduler.SpillingScheduler"  # the add-on's
    scheduler.open(crawler.spider)
    return scheduler


def test_the_queue_is_on_disk_in_a_directory_the_run_deletes(tmp_path: Path) -> None:
    scheduler = _scheduler(tmp_path)
    assert scheduler.spill is not None and scheduler.spill.parent == tmp_path / "data" / "queues"
    spider = scheduler.spider
    for n in range(3):
        assert scheduler.enqueue_request(Request(f"http://127.0.0.1:9/{n}", spider.parse))
    assert scheduler.stats is not None
    assert scheduler.stats.get_value("scheduler/enqueued/disk") == 3
    assert len(scheduler) == 3 and any((scheduler.spill / "requests.queue").iterdir())
    taken = scheduler.next_request()
    assert taken is not None and taken.callback == spider.parse
    scheduler.close("finished")
    assert not scheduler.spill.exists()


def test_without_the_setting_or_with_a_jobdir_nothing_is_spilled(tmp_path: Path) -> None:
    in_memory = _scheduler(tmp_path, NEWSCRAWL_QUEUE_ON_DISK=False)
    assert in_memory.spill is None and in_memory.dqs is None
    with_jobdir = _scheduler(tmp_path, JOBDIR=str(tmp_path / "job"))
    assert with_jobdir.spill is None
    assert with_jobdir.dqdir == str(tmp_path / "job" / "requests.queue")  # Scrapy's own
    for scheduler in (in_memory, with_jobdir):
        scheduler.close("finished")
    assert not (tmp_path / "data" / "queues").exists()


def test_the_queues_of_dead_runs_are_deleted_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()  # an exited process
    parent = tmp_path / "queues"
    (parent / f"queue-{dead}-abc" / "requests.queue").mkdir(parents=True)
    (parent / f"queue-{os.getpid()}-def").mkdir()
    (parent / "not-a-queue").mkdir()
    assert remove_dead_queues(parent) == 1
    assert sorted(p.name for p in parent.iterdir()) == sorted(
        [f"queue-{os.getpid()}-def", "not-a-queue"]
    )


def test_the_queues_live_in_the_data_directory(tmp_path: Path) -> None:
    crawler = get_crawler(_Spider, {"NEWSCRAWL_DATA_DIR": str(tmp_path)})
    assert queues_dir(crawler.settings) == tmp_path.resolve() / "queues"
