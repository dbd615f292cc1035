"""Benchmark the state store: fill it with N synthetic records, then time its queries.

    python benchmarks/state_store.py --urls 1000000 --backend sqlite
    python benchmarks/state_store.py --urls 100000 --backend redis   # starts its own redis-server

The URL store is filled without bodies (the lookup and fingerprint paths); near-duplicate
detection is measured on a separate store of ``--bodies`` synthetic ~300-word bodies.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the package, and the redis-server helper

from newscrawl.state import Emitted, StateStore, open_state_store  # noqa: E402
from newscrawl.state.minhash import shingles  # noqa: E402

A = TypeVar("A")
T = TypeVar("T")
BATCH = 10_000
BODY_WORDS = 300
_ONSETS = (
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "ph",
    "qu",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
)
_RHYMES = (
    "a",
    "ai",
    "am",
    "an",
    "ang",
    "anh",
    "ao",
    "au",
    "ay",
    "e",
    "em",
    "en",
    "eo",
    "i",
    "ia",
    "im",
    "in",
    "inh",
    "iu",
    "o",
    "oi",
    "om",
    "on",
    "ong",
    "u",
    "ui",
    "um",
    "un",
    "ung",
    "uy",
)
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]


def record(i: int) -> Emitted:
    """A realistic-length record; half the URLs carry a tracking query the canonical lacks."""
    canonical = f"https://bao{i % 97}.example.vn/thoi-su/chinh-quyen-dia-phuong-tin-{i:08d}.html"
    return Emitted(
        url=canonical + ("?utm_source=rss&utm_medium=feed" if i % 2 else ""),
        canonical_url=canonical,
        fingerprint=hashlib.md5(b"%d" % i).hexdigest(),
        emitted_at=f"2025-10-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
        modified=f"2025-10-{1 + i % 28:02d}T08:00:00+07:00" if i % 3 else None,
    )


def fill(store: StateStore, count: int, body: Callable[[int], str]) -> float:
    """Stage and commit ``count`` records in batches; returns records per second."""
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        for i in range(first, min(first + BATCH, count)):
            store.stage(record(i), store.sketch(body(i)))
        store.commit()
    return count / (time.perf_counter() - started)


def timed(operation: Callable[[A], T], arguments: Sequence[A]) -> tuple[list[T], float]:
    """The results of ``operation`` over ``arguments`` and the calls per second."""
    started = time.perf_counter()
    results = [operation(argument) for argument in arguments]
    return results, len(arguments) / (time.perf_counter() - started)


class Bodies:
    """Synthetic Vietnamese-looking bodies: Zipf-distributed syllables, deterministic per index."""

    def __init__(self, seed: int) -> None:
        syllables = sorted({onset + rhyme for onset in _ONSETS for rhyme in _RHYMES})
        self.vocabulary = [s + tone for s in syllables for tone in _TONES]
        random.Random(seed).shuffle(self.vocabulary)
        self.weights = [1 / rank for rank in range(1, len(self.vocabulary) + 1)]
        self.seed = seed

    def words(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.vocabulary, self.weights, k=count)

    def body(self, i: int) -> str:
        return " ".join(self.words(random.Random(f"{self.seed}-{i}"), BODY_WORDS))

    def edited_copy(self, i: int) -> str:
        """One 12-word sentence rewritten and a 12-word spam footer appended."""
        rng = random.Random(f"copy-{self.seed}-{i}")
        words = self.body(i).split()
        start = rng.randrange(len(words) - 12)
        words[start : start + 12] = self.words(rng, 12)
        return " ".join(words + self.words(rng, 12))


def near_duplicate_rates(store: StateStore, count: int, queries: int, seed: int) -> list[tuple]:
    bodies = Bodies(seed)
    stage_rate = fill(store, count, bodies.body)
    sample = random.Random(seed).sample(range(count), min(queries, count))
    copies = [bodies.edited_copy(i) for i in sample]
    fresh = [bodies.body(count + i) for i in range(len(sample))]

    def check(text: str) -> str | None:
        return store.near_duplicate_of(store.sketch(text))

    found, copy_rate = timed(check, copies)
    false_hits, fresh_rate = timed(check, fresh)
    sketches = [store.sketch(text) for text in copies]
    _, sketched_rate = timed(store.near_duplicate_of, sketches)
    recall = sum(url == record(i).url for url, i in zip(found, sample, strict=True)) / len(sample)
    jaccard = sum(_jaccard(bodies.body(i), copy) for i, copy in zip(sample, copies, strict=True))
    return [
        (f"near-dup store: stage+commit {count:,} bodies", f"{stage_rate:,.0f} /s"),
        ("sketch + near_duplicate_of, edited copies", f"{copy_rate:,.0f} /s"),
        ("sketch + near_duplicate_of, unrelated bodies", f"{fresh_rate:,.0f} /s"),
        ("  near_duplicate_of alone, edited copies", f"{sketched_rate:,.0f} /s"),
        (f"  copies found (mean true Jaccard {jaccard / len(copies):.2f})", f"{recall:.1%}"),
        (
            f"  false matches among {len(fresh):,} unrelated",
            str(sum(url is not None for url in false_hits)),
        ),
        ("near-dup store size", _megabytes(store.stats()["bytes"])),
    ]


def _jaccard(first: str, second: str) -> float:
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b)


def url_rates(store: StateStore, count: int, queries: int, seed: int) -> list[tuple]:
    fill_rate = fill(store, count, lambda i: "")
    rng = random.Random(seed)
    hits = [record(i) for i in rng.choices(range(count), k=queries)]
    misses = [record(count + i).url for i in range(queries)]
    return [
        (f"fill {count:,} records (commit every {BATCH:,})", f"{fill_rate:,.0f} /s"),
        ("lookup hit by url", _per_second(store.lookup, [r.url for r in hits])),
        (
            "lookup hit by canonical url",
            _per_second(store.lookup, [r.canonical_url or "" for r in hits]),
        ),
        ("lookup miss", _per_second(store.lookup, misses)),
        (
            "first_with_fingerprint hit",
            _per_second(store.first_with_fingerprint, [r.fingerprint for r in hits]),
        ),
        ("size (SQLite file + WAL, or Redis used_memory)", _megabytes(store.stats()["bytes"])),
        *staged_lookup_rates(store, count, queries, seed),
    ]


def staged_lookup_rates(store: StateStore, count: int, queries: int, seed: int) -> list[tuple]:
    """Lookups while a run has ``queries`` records staged (the overlay is queried first)."""
    started = time.perf_counter()
    for i in range(count, count + queries):
        store.stage(record(i), store.sketch(""))
    stage_rate = queries / (time.perf_counter() - started)
    rng = random.Random(seed)
    staged = [
        record(i).canonical_url or "" for i in rng.choices(range(count, count + queries), k=queries)
    ]
    stored = [record(i).url for i in rng.choices(range(count), k=queries)]
    misses = [record(count + queries + i).url for i in range(queries)]
    rows = [
        (f"stage {queries:,} more (no body)", f"{stage_rate:,.0f} /s"),
        ("  then lookup hit staged by canonical url", _per_second(store.lookup, staged)),
        ("  then lookup hit committed by url", _per_second(store.lookup, stored)),
        ("  then lookup miss", _per_second(store.lookup, misses)),
    ]
    store.rollback()
    return rows


def _per_second(operation: Callable[[str], object], arguments: Sequence[str]) -> str:
    per_second = timed(operation, arguments)[1]
    return f"{per_second:,.0f} /s ({1e6 / per_second:.1f} µs)"


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


@contextmanager
def store_uris(backend: str, redis_url: str | None, directory: str | None) -> Iterator[tuple]:
    """URIs of an empty URL store and near-duplicate store."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(dir=directory) as tmp:
            yield f"sqlite://{tmp}/urls.db", f"sqlite://{tmp}/bodies.db"
        return
    server: AbstractContextManager[str]
    if redis_url:
        server = nullcontext(redis_url)
    else:
        from redis_server import running_redis_server

        server = running_redis_server()
    with server as url:
        yield url, url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1_000_000, help="records in the URL store")
    parser.add_argument("--backend", choices=("sqlite", "redis"), default="sqlite")
    parser.add_argument("--bodies", type=int, default=20_000, help="bodies in the near-dup store")
    parser.add_argument("--queries", type=int, default=100_000, help="lookups per measurement")
    parser.add_argument("--redis-url", help="use this server instead of starting redis-server")
    parser.add_argument("--dir", help="where to put the SQLite files (default: temp dir)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rows: list[tuple] = []
    with store_uris(args.backend, args.redis_url, args.dir) as (urls_uri, bodies_uri):
        with open_state_store(urls_uri, prefix="bench-urls:") as store:
            store.reset()
            rows += url_rates(store, args.urls, args.queries, args.seed)
            store.reset()  # leave an external server as it was
        with open_state_store(bodies_uri, prefix="bench-bodies:") as store:
            store.reset()
            rows += near_duplicate_rates(store, args.bodies, args.queries // 10, args.seed)
            store.reset()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    rows.append(("peak RSS of this process", _megabytes(peak)))
    print(f"backend {args.backend}, {args.urls:,} URLs, {args.bodies:,} bodies")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
