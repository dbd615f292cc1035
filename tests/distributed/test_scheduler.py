"""ReliableScheduler against a real Redis: a take whose reply is lost (Redis killed after the
step, before answering) and retried by the client hands over the request it took."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis_server import redis_server_url  # noqa: F401  (a fixture, requested by name)
from scrapy import Request, Spider
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from newscrawl import settings
from newscrawl.distributed.addon import DistributedAddon
from newscrawl.distributed.frontier import clear_run
from newscrawl.distributed.scheduler import ReliableScheduler

URLS = [f"http://127.0.0.1:9/article-{n}" for n in range(3)]


@pytest.fixture
def scheduler(redis_server_url: str) -> Iterator[ReliableScheduler]:
    redis.Redis.from_url(redis_server_url).flushall()
    redis_settings = {k: v for k, v in vars(settings).items() if k.startswith("NEWSCRAWL_REDIS_")}
    crawler = get_crawler(
        Spider,
        {
            **redis_settings,
            "ADDONS": {DistributedAddon: 0},
            "REDIS_URL": redis_server_url,
            "NEWSCRAWL_REDIS_RETRY_SECONDS": 5,
        },
    )
    crawler.spider = crawler._create_spider("news")
    opened = build_from_crawler(load_object(crawler.settings["SCHEDULER"]), crawler)
    assert isinstance(opened, ReliableScheduler)  # the distributed add-on's
    opened.open(crawler.spider)
    yield opened
    opened.close("finished")


def _lose_one_reply(scheduler: ReliableScheduler, command: str) -> list[str]:
    """The next ``command`` runs on the server, then its connection drops before the reply
    is read: what a Redis killed at that instant does. Returns the commands sent."""
    client, sent, lost = scheduler.server, [], []
    send = client._send_command_parse_response

    def sent_then_lost(conn: Any, command_name: str, *args: Any, **options: Any) -> Any:
        sent.append(command_name)
        reply = send(conn, command_name, *args, **options)  # NOSCRIPT raises here: not run
        if command_name == command and not lost:
            lost.append(reply)
            raise RedisConnectionError("connection lost before the reply")
        return reply

    client._send_command_parse_response = sent_then_lost  # type: ignore[method-assign]
    return sent


def test_a_take_retried_after_a_lost_reply_hands_over_what_it_took(
    scheduler: ReliableScheduler,
) -> None:
    for url in URLS:
        assert scheduler.enqueue_request(Request(url))
    sent = _lose_one_reply(scheduler, "EVALSHA")
    first = scheduler.next_request()
    assert sent.count("EVALSHA") >= 2  # the take, and its retry after the lost reply
    taken = [first, scheduler.next_request(), scheduler.next_request()]
    assert sorted(r.url for r in taken if r is not None) == URLS
    assert scheduler.next_request() is None
    inflight = scheduler.server.hkeys(scheduler._key("inflight", scheduler.worker))
    assert len(inflight) == len(URLS)  # each listed once, as fetched once


def test_the_commit_clears_the_last_take_with_the_in_flight_list(
    scheduler: ReliableScheduler,
) -> None:
    assert scheduler.enqueue_request(Request(URLS[0]))
    assert scheduler.next_request() is not None
    held = [scheduler._key(kind, scheduler.worker) for kind in ("inflight", "taken")]
    assert scheduler.server.exists(*held) == 2
    assert 0 < scheduler.server.ttl(held[1]) <= 5 + 60
    scheduler.state_committed()
    assert scheduler.server.exists(*held) == 0


def test_a_reset_clears_the_last_takes(scheduler: ReliableScheduler) -> None:
    assert scheduler.enqueue_request(Request(URLS[0]))
    assert scheduler.next_request() is not None
    cleared = clear_run(scheduler.server, scheduler.crawler.settings, "news")
    assert cleared["last takes"] == 1 and cleared["in-flight lists"] == 1
    assert scheduler.server.keys("news:*") == []
