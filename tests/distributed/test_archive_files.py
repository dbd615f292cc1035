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


@pytest.mark.parametrize(
    ("held", "taken"),
    [
        (claim_value(URL, "host-1"), True),  # an earlier reading of the file, by a dead worker
        (claim_value(URL, "host-2"), False),  # this very reading: the URL twice in the file
        (claim_value(OTHER, "host-1"), False),  # another file's
        (claim_value(URL + "x", "host-1"), False),  # a file whose name starts alike
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
        claim_value(URL, "host-1"),
        claim_value(URL, "host-2"),
        claim_value(OTHER, "host-1"),
        claim_value(URL + "x", "host-1"),
        "1",
    ],
)
def test_the_claim_script_applies_the_rule(client: redis.Redis, held: str | None) -> None:
    from newscrawl.distributed.archivefiles import _CLAIM

    claim = client.register_script(_CLAIM)
    if held is not None:
        client.set("fp", held, ex=100)
    outcome = int(claim(keys=["fp"], args=[60, claim_value(URL, "host-2"), claim_prefix(URL)]))
    if held is None:
        assert outcome == 1
    else:
        assert outcome == (2 if may_take_over(held, URL, "host-2") else 0)
    expected = claim_value(URL, "host-2") if outcome else held
    assert client.get("fp") == (expected.encode() if expected else None)
    assert 0 < client.ttl("fp") <= (60 if outcome else 100)
