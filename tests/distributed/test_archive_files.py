"""Archive files on the shared frontier: locations, and the claim of an article URL by the file
it was read from (the pure rule, and the Redis script that applies it in one step)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis_server import redis_server_url  # noqa: F401  (a fixture, requested by name)

from newscrawl.archivefiles import (
    claim_prefix,
    claim_value,
    file_location,
    file_request_url,
    is_remote,
    may_take_over,
    reading_prefix,
)

URL = "https://data.example/crawl-data/CC-NEWS/2024/06/CC-NEWS-00001.warc.gz"
OTHER = "https://data.example/crawl-data/CC-NEWS/2024/06/CC-NEWS-00002.warc.gz"


def test_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert file_location(URL) == URL and is_remote(URL)
    local = file_location("a.warc.gz")
    assert local == str(tmp_path / "a.warc.gz") and not is_remote(local)
    assert file_request_url(local) == (tmp_path / "a.warc.gz").as_uri()
    assert file_request_url(URL) == URL


MINE = claim_value(URL, "host-2", 7)  # the claim under test: host-2 reading URL


@pytest.mark.parametrize(
    ("held", "taken"),
    [
        (claim_value(URL, "host-1", 0), True),  # an earlier reading of the file, by a dead worker
        (claim_value(URL, "host-22", 0), True),  # by a worker whose name starts alike
        (claim_value(URL, "host-2", 0), False),  # this very reading: the URL twice in the file
        (MINE, False),  # this very claim
        (claim_value(OTHER, "host-1", 0), False),  # another file's
        (claim_value(URL + "x", "host-1", 0), False),  # a file whose name starts alike
        ("1", False),  # a live crawl's fetch (the dupefilter's own value)
    ],
)
def test_who_may_take_a_claim_over(held: str, taken: bool) -> None:
    assert may_take_over(held, URL, "host-2") is taken


@pytest.fixture
def client(redis_server_url: str) -> Iterator[redis.Redis]:
    server = redis.Redis.from_url(redis_server_url)
    server.flushall()
    yield server
    server.close()


@pytest.mark.parametrize(
    "held",
    [
        None,
        claim_value(URL, "host-1", 0),
        claim_value(URL, "host-2", 0),
        MINE,  # the same call again: its reply was lost, the client retried it
        claim_value(OTHER, "host-1", 0),
        claim_value(URL + "x", "host-1", 0),
        "1",
    ],
)
def test_the_claim_script_applies_the_rule(client: redis.Redis, held: str | None) -> None:
    from newscrawl.distributed.archivefiles import _CLAIM

    claim = client.register_script(_CLAIM)
    if held is not None:
        client.set("fp", held, ex=100)
    args = [60, MINE, claim_prefix(URL), reading_prefix(URL, "host-2")]
    outcome = int(claim(keys=["fp"], args=args))
    if held in (None, MINE):
        assert outcome == 1
    else:
        assert outcome == (2 if may_take_over(held, URL, "host-2") else 0)
    expected = MINE if outcome else held
    assert client.get("fp") == (expected.encode() if expected else None)
    set_now = held is None or outcome == 2  # a retried claim keeps the expiry it was set with
    assert 0 < client.ttl("fp") <= (60 if set_now else 100)
