"""Redis backend for distributed crawls: a commit is MULTI/EXEC pipelines of 1,000 articles.

Each batch is atomic: an article, its canonical and band keys and the fingerprints it was first
with are written together. A commit of more articles than one batch is not: should the process
die between two batches, the articles of the batches executed are committed and the rest are not,
so the next run emits those again. The output files may then hold an article twice, never lose
one (a commit only follows the rename of the run's output file). Batches bound the memory of a
commit, on the client and in the server's transaction buffer, however many articles a run staged.

Layout under the prefix (default ``newscrawl:``): ``a:<url>`` a hash per article, ``c:<canonical
url>`` -> url, ``f:<fingerprint>`` -> first url, ``b:<band>:<key hex>`` a set of urls, ``meta``
the LSH parameters, ``l:<site>`` a hash of line key -> pages and ``p`` a hash of site -> pages
(``cleaning.furniture``'s statistics), ``r:<url>`` a hash per remembered reject; the claims of
runs not committed yet (``claim:<fingerprint>`` -> url, ``cb:<band>:<key hex>`` a set of urls
and ``cs:<url>`` their signatures) expire after a day. With a TTL every
key written gets it, so unrefreshed state expires; readers verify what they follow (a canonical
key against the article, a band member against its signature), so a dangling or stale key costs
a lookup, never a wrong answer.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, fields
from itertools import islice

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.typing import EncodableT, FieldT

from .api import Emitted
from .base import BaseStateStore, StagedRecord
from .minhash import (
    NearDuplicateHasher,
    Signature,
    Sketch,
)
from .rejects import Rejection

logger = logging.getLogger(__name__)

_FIELDS = tuple(field.name for field in fields(Emitted))
_REJECT_FIELDS = tuple(field.name for field in fields(Rejection))
_SCAN_BATCH = 10_000
_CLAIM_SECONDS = 86_400
_CONNECT_SECONDS = 5  # a host that does not answer counts as down, and the retries go on
_REPLY_SECONDS = 30  # scrapy-redis's own socket timeout: a command never waits forever


def bounded_retry(seconds: float) -> Retry:
    """redis-py's retry of a failed connection (or timeout), the waits doubling from 0.5 s up
    to 5 s, as many times as fit in ``seconds``: an outage shorter than that is ridden out, a
    longer one raises the connection error to the caller."""
    backoff = ExponentialBackoff(cap=5.0, base=0.25)
    waited, retries = 0.0, 0
    while waited < seconds:
        retries += 1
        waited += backoff.compute(retries)
    return Retry(backoff, retries)


def connection_options(retry_seconds: float) -> dict[str, object]:
    """Options of a Redis client of a crawl: bounded retries, and no socket read without end."""
    return {
        "retry": bounded_retry(retry_seconds),
        "socket_connect_timeout": _CONNECT_SECONDS,
        "socket_timeout": _REPLY_SECONDS,
    }


class RedisStateStore(BaseStateStore):
    commit_batch = 1_000  # articles a MULTI/EXEC of a commit
    unreachable = (redis.ConnectionError, redis.TimeoutError)

    def __init__(
        self,
        url: str,
        hasher: NearDuplicateHasher,
        *,
        prefix: str,
        ttl_days: float | None,
        retry_seconds: float | None = None,
    ) -> None:
        if ttl_days is not None and ttl_days <= 0:
            raise ValueError(f"ttl_days must be positive, got {ttl_days}")
        options = connection_options(retry_seconds) if retry_seconds is not None else {}
        self._redis = redis.Redis.from_url(url, **options)
        self._prefix = prefix.encode()
        self._ttl = max(1, round(ttl_days * 86400)) if ttl_days else None
        super().__init__(hasher)

    # --- keys ----------------------------------------------------------------------------
    def _key(self, kind: str, name: str) -> bytes:
        return self._prefix + kind.encode() + b":" + name.encode()

    def _band_key(self, band: int, key: bytes) -> bytes:
        return self._prefix + b"b:%d:%s" % (band, key.hex().encode())

    def _band_keys(self, band_keys: tuple[bytes, ...]) -> list[bytes]:
        return [self._band_key(band, key) for band, key in enumerate(band_keys)]

    # --- claims between concurrent workers ------------------------------------------------
    def claim(self, fingerprint: str, url: str) -> str | None:
        if (owner := super().claim(fingerprint, url)) is not None:
            return owner
        # Two workers may hold the same body under two URLs before either commits: the first
        # to claim it emits it. Claims outlive any run (a day), then the committed key rules.
        key = self._key("claim", fingerprint)
        if self._redis.set(key, url, nx=True, ex=_CLAIM_SECONDS):
            return None
        holder = self._redis.get(key)
        return _text(holder) if holder is not None and _text(holder) != url else None

    def stage(self, record: Emitted, sketch: Sketch) -> None:
        """Stage, and claim the sketch at once: the runs of other workers publishing now see
        it as a near-duplicate candidate before this run commits (the one to publish second
        drops its copy). A claim outlives any run (a day), then the committed bands rule."""
        super().stage(record, sketch)
        if sketch.signature is None:
            return
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self._key("cs", record.url), sketch.signature, ex=_CLAIM_SECONDS)
        for key in self._claim_band_keys(sketch.band_keys):
            pipe.sadd(key, record.url)
            pipe.expire(key, _CLAIM_SECONDS)
        pipe.execute()

    def rollback(self) -> None:
        """Forget the staged records and withdraw their claims (left to expire if Redis is
        unreachable: they then hold back copies of those articles under other URLs a day)."""
        staged = self._staged.records()
        try:
            while batch := list(islice(staged, self.commit_batch)):
                pipe = self._redis.pipeline(transaction=False)
                for item in batch:
                    self._withdraw_claim(pipe, item)
                pipe.execute()
        except self.unreachable as exc:
            logger.warning("Claims of the run not withdrawn (%s); they expire in a day", exc)
        super().rollback()

    def _withdraw_claim(self, pipe: redis.client.Pipeline, item: StagedRecord) -> None:
        pipe.delete(self._key("cs", item.record.url))
        for key in self._claim_band_keys(item.band_keys):
            pipe.srem(key, item.record.url)

    def _claim_band_keys(self, band_keys: tuple[bytes, ...]) -> list[bytes]:
        return [
            self._prefix + b"cb:%d:%s" % (band, key.hex().encode())
            for band, key in enumerate(band_keys)
        ]

    # --- reads ---------------------------------------------------------------------------
    def _stored_lsh_params(self) -> str | None:
        value = self._redis.get(self._prefix + b"meta")
        return _text(value) if value is not None else None

    def _load(self, url: str) -> Emitted | None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.hmget(self._key("a", url), _FIELDS)
        pipe.get(self._key("c", url))
        values, owner = pipe.execute()
        record = _record(values)
        if record is not None or owner is None:
            return record
        record = _record(self._redis.hmget(self._key("a", _text(owner)), _FIELDS))
        # The canonical key may outlive a change of the article's canonical URL.
        return record if record and record.canonical_url == url else None

    def _load_first_url(self, fingerprint: str) -> str | None:
        url = self._redis.get(self._key("f", fingerprint))
        return _text(url) if url is not None else None

    def _load_candidates(self, band_keys: tuple[bytes, ...]) -> dict[str, Signature]:
        """Committed articles, and those claimed by runs in progress, sharing a band key."""
        claimed = self._members(self._claim_band_keys(band_keys))
        pipe = self._redis.pipeline(transaction=False)
        for url in claimed:
            pipe.get(self._key("cs", url.decode()))
        candidates = dict(zip(claimed, pipe.execute(), strict=True))
        committed = self._members(self._band_keys(band_keys))
        candidates.update(
            zip(committed, self._signatures(url.decode() for url in committed), strict=True)
        )
        # A member whose article or claim expired has no signature left.
        return {url.decode(): blob for url, blob in sorted(candidates.items()) if blob}

    def _members(self, keys: list[bytes]) -> list[bytes]:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.smembers(key)
        return sorted(set().union(*pipe.execute()))

    def _load_rejection(self, url: str) -> Rejection | None:
        return _rejection(self._redis.hmget(self._key("r", url), _REJECT_FIELDS))

    def _signatures(self, urls: Iterable[str]) -> list[bytes | None]:
        pipe = self._redis.pipeline(transaction=False)
        for url in urls:
            pipe.hget(self._key("a", url), "sig")
        return pipe.execute()

    # --- writes --------------------------------------------------------------------------
    def _persist(self, staged: Iterator[StagedRecord]) -> None:
        while batch := list(islice(staged, self.commit_batch)):
            self._persist_batch(batch)

    def _persist_batch(self, batch: list[StagedRecord]) -> None:
        # Read before MULTI: the replaced versions' band keys, to remove the URL from them.
        old_blobs = self._signatures(item.record.url for item in batch)
        pipe = self._redis.pipeline(transaction=True)
        for item, old_blob in zip(batch, old_blobs, strict=True):
            self._write_article(pipe, item, self._hasher.band_keys(old_blob or None))
            for fingerprint in item.first_of:
                pipe.set(self._key("f", fingerprint), item.record.url, nx=True, ex=self._ttl)
        pipe.set(self._prefix + b"meta", self._hasher.params, ex=self._ttl)
        pipe.execute()

    def _write_article(
        self, pipe: redis.client.Pipeline, item: StagedRecord, old_band_keys: tuple[bytes, ...]
    ) -> None:
        record = item.record
        article = self._key("a", record.url)
        mapping: dict[FieldT, EncodableT] = {
            name: value for name, value in asdict(record).items() if value is not None
        }
        if item.signature is not None:
            mapping["sig"] = item.signature
        pipe.delete(article)  # an update may drop fields (modified, sig)
        pipe.hset(article, mapping=mapping)
        self._expire(pipe, article)
        if record.canonical_url not in (None, record.url):  # lookup(url) finds a:<url> anyway
            pipe.set(self._key("c", record.canonical_url), record.url, ex=self._ttl)
        for key in self._band_keys(old_band_keys):
            pipe.srem(key, record.url)
        for key in self._band_keys(item.band_keys):
            pipe.sadd(key, record.url)
            self._expire(pipe, key)
        self._withdraw_claim(pipe, item)  # in the same MULTI: the committed bands take over
        pipe.delete(self._key("r", record.url))

    def _persist_rejections(self, rejections: Iterator[Rejection]) -> None:
        while batch := list(islice(rejections, self.commit_batch)):
            pipe = self._redis.pipeline(transaction=True)
            for rejection in batch:
                key = self._key("r", rejection.url)
                pipe.delete(key)  # a permanent reject has no retry_after
                pipe.hset(
                    key,
                    mapping={
                        name: str(value)
                        for name, value in asdict(rejection).items()
                        if value is not None
                    },
                )
                self._expire(pipe, key)
            pipe.execute()

    def _expire(self, pipe: redis.client.Pipeline, key: bytes) -> None:
        if self._ttl is not None:
            pipe.expire(key, self._ttl)

    # --- publication ----------------------------------------------------------------------
    def begin_publication(self) -> None:
        """Nothing to wait for: concurrent workers claim each body atomically (``claim``);
        a near-duplicate published by another worker's run in progress is not seen (README)."""

    def _end_publication(self) -> None:
        """Nothing held (see ``begin_publication``)."""

    # --- per-site line statistics ----------------------------------------------------------
    def _load_site_lines(self, site: str, keys: list[str]) -> tuple[int, dict[str, int]]:
        pages = self._redis.hget(self._prefix + b"p", site)
        if pages is None or not keys:
            return int(pages or 0), {}
        values = self._redis.hmget(self._key("l", site), keys)
        return int(pages), {
            key: int(v) for key, v in zip(keys, values, strict=True) if v is not None
        }

    def _persist_site_lines(
        self, lines: Iterator[tuple[str, str, int]], pages: dict[str, int]
    ) -> None:
        while batch := list(islice(lines, self.commit_batch * 10)):
            pipe = self._redis.pipeline(transaction=True)
            for site, key, count in batch:
                pipe.hincrby(self._key("l", site), key, count)
            pipe.execute()
        pipe = self._redis.pipeline(transaction=True)
        for site, count in pages.items():
            pipe.hincrby(self._prefix + b"p", site, count)
            self._expire(pipe, self._key("l", site))
        self._expire(pipe, self._prefix + b"p")
        pipe.execute()

    # --- maintenance ---------------------------------------------------------------------
    def _scan(self, kind: bytes = b"") -> Iterable[bytes]:
        """The keys under the prefix (of one ``kind``, e.g. ``b"r:"``)."""
        pattern = re.sub(rb"([*?\[\]\\])", rb"\\\1", self._prefix + kind) + b"*"
        return self._redis.scan_iter(match=pattern, count=_SCAN_BATCH)

    def _field_of_each(self, kind: str, field: str) -> Iterator[tuple[str, bytes]]:
        """(name, value of ``field``) of every hash of ``kind``, read a batch at a time."""
        start = len(self._key(kind, ""))
        keys = iter(self._scan(kind.encode() + b":"))
        while batch := list(islice(keys, _SCAN_BATCH)):
            pipe = self._redis.pipeline(transaction=False)
            for key in batch:
                pipe.hget(key, field)
            for key, value in zip(batch, pipe.execute(), strict=True):
                if value is not None:
                    yield key[start:].decode(), value

    def _delete(self, url: str) -> list[str]:
        article, reject = self._key("a", url), self._key("r", url)
        fingerprint, canonical, blob = self._redis.hmget(
            article, ("fingerprint", "canonical_url", "sig")
        )
        # Read before MULTI: the keys that point at this URL, to remove only those.
        pointers = [
            self._key(kind, _text(name))
            for kind, name in (("f", fingerprint), ("c", canonical))
            if name is not None
        ]
        owned = [key for key in pointers if self._redis.get(key) == url.encode()]
        band_keys = self._hasher.band_keys(blob if isinstance(blob, bytes) else None)
        pipe = self._redis.pipeline(transaction=True)
        for key in self._band_keys(band_keys):
            pipe.srem(key, url)
        pipe.delete(article, *owned)
        pipe.delete(reject)
        rejects = pipe.execute()[-1]
        return ["emitted"] * bool(fingerprint) + ["rejected"] * rejects

    def _prune(self, cutoff: str) -> dict[str, int]:
        """A SCAN of the articles and of the rejects (a key deleted during a SCAN does not
        disturb it): O(keys under the prefix)."""
        # ISO 8601 UTC timestamps, all written alike, compare in time order as text
        removed = {"articles": 0, "rejects": 0}
        for url, emitted_at in self._field_of_each("a", "emitted_at"):
            if emitted_at.decode() < cutoff:
                removed["articles"] += bool(self._delete(url))
        for url, rejected_at in self._field_of_each("r", "rejected_at"):
            if rejected_at.decode() < cutoff:
                removed["rejects"] += self._redis.delete(self._key("r", url))
        return removed

    def _stored_stats(self) -> dict[str, int]:
        """Counts by one SCAN over the prefix: O(keys in the database), for inspection only."""
        kinds = {
            b"a:": "articles",
            b"c:": "canonical_urls",
            b"f:": "fingerprints",
            b"b:": "band_sets",
            b"r:": "rejects",
        }
        counts = dict.fromkeys(kinds.values(), 0)
        start = len(self._prefix)
        for key in self._scan():
            kind = kinds.get(key[start : start + 2])
            if kind is not None:
                counts[kind] += 1
        reasons = Counter(reason.decode() for _, reason in self._field_of_each("r", "reason"))
        counts.update({f"rejects/{reason}": n for reason, n in sorted(reasons.items())})
        counts["bytes"] = int(self._redis.info("memory")["used_memory"])  # whole server
        return counts

    def _clear(self) -> None:
        batch: list[bytes] = []
        for key in self._scan():
            batch.append(key)
            if len(batch) == _SCAN_BATCH:
                self._redis.unlink(*batch)
                batch.clear()
        if batch:
            self._redis.unlink(*batch)

    def _close(self) -> None:
        self._redis.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _rejection(values: Sequence[bytes | str | None]) -> Rejection | None:
    """A reject hash read with ``HMGET _REJECT_FIELDS``; None when there is none."""
    text = {
        name: _text(value)
        for name, value in zip(_REJECT_FIELDS, values, strict=True)
        if value is not None
    }
    if "url" not in text:
        return None
    return Rejection(
        url=text["url"],
        reason=text["reason"],
        evidence=text["evidence"],
        first_rejected_at=text["first_rejected_at"],
        rejected_at=text["rejected_at"],
        attempts=int(text["attempts"]),
        retry_after=text.get("retry_after"),
    )


def _record(values: list[bytes | str | None]) -> Emitted | None:
    """An article hash read with ``HMGET _FIELDS``; None when there is none."""
    text = dict(
        zip(_FIELDS, (_text(value) if value is not None else None for value in values), strict=True)
    )
    if text["url"] is None:
        return None
    return Emitted(
        url=text["url"],
        canonical_url=text["canonical_url"],
        fingerprint=text["fingerprint"] or "",
        emitted_at=text["emitted_at"] or "",
        modified=text["modified"],
    )
