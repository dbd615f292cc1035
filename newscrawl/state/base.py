"""Logic shared by the backends: the staged overlay and the queries that merge it with storage."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from .api import Emitted
from .minhash import NearDuplicateHasher, Signature

_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


class StateConfigError(ValueError):
    """The store was built with other near-duplicate parameters than the ones configured."""


@dataclass(frozen=True)
class StagedRecord:
    record: Emitted
    signature: Signature | None  # None when the body has no words
    band_keys: tuple[bytes, ...]


class StagedOverlay:
    """This run's uncommitted records, indexed like storage so in-run duplicates are caught."""

    def __init__(self) -> None:
        self._records: dict[str, StagedRecord] = {}
        self._canonical: dict[str, str] = {}
        self._first_url: dict[str, str] = {}  # fingerprint -> first URL staged with it
        self._bands: defaultdict[tuple[int, bytes], set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, url: str) -> bool:
        return url in self._records

    def add(self, staged: StagedRecord) -> None:
        record = staged.record
        previous = self._records.get(record.url)
        if previous is not None:
            self._unindex(previous)
        self._records[record.url] = staged
        if record.canonical_url:
            self._canonical[record.canonical_url] = record.url
        self._first_url.setdefault(record.fingerprint, record.url)
        for band in enumerate(staged.band_keys):
            self._bands[band].add(record.url)

    def _unindex(self, staged: StagedRecord) -> None:
        url, canonical = staged.record.url, staged.record.canonical_url
        if canonical and self._canonical.get(canonical) == url:
            del self._canonical[canonical]
        for band in enumerate(staged.band_keys):
            self._bands[band].discard(url)

    def lookup(self, url: str) -> Emitted | None:
        staged = self._records.get(url) or self._records.get(self._canonical.get(url, ""))
        return staged.record if staged else None

    def first_url(self, fingerprint: str) -> str | None:
        return self._first_url.get(fingerprint)

    def candidates(self, band_keys: Iterable[bytes]) -> dict[str, Signature]:
        """Staged URLs sharing a band key, with their signatures."""
        urls = set().union(*(self._bands.get(band, ()) for band in enumerate(band_keys)))
        # Only records with a signature have band keys.
        return {url: signature for url in urls
                if (signature := self._records[url].signature) is not None}

    def records(self) -> list[StagedRecord]:
        return list(self._records.values())

    def first_urls(self) -> dict[str, str]:
        return dict(self._first_url)

    def clear(self) -> None:
        for index in (self._records, self._canonical, self._first_url, self._bands):
            index.clear()


class BaseStateStore(ABC):
    """A ``StateStore`` whose backend only reads and writes committed data."""

    def __init__(self, hasher: NearDuplicateHasher) -> None:
        self._hasher = hasher
        self._staged = StagedOverlay()
        self._stored_params = self._stored_lsh_params()

    # --- backend -------------------------------------------------------------------------
    @abstractmethod
    def _stored_lsh_params(self) -> str | None:
        """The ``NearDuplicateHasher.params`` of the last commit, if any."""

    @abstractmethod
    def _load(self, url: str) -> Emitted | None:
        """A committed record by URL, else by canonical URL."""

    @abstractmethod
    def _load_first_url(self, fingerprint: str) -> str | None: ...

    @abstractmethod
    def _load_candidates(self, band_keys: tuple[bytes, ...]) -> dict[str, Signature]:
        """Committed URLs sharing at least one band key, with their signatures."""

    @abstractmethod
    def _persist(self, staged: list[StagedRecord], first_urls: dict[str, str]) -> None:
        """Write all staged records and fingerprints atomically, replacing records by URL."""

    @abstractmethod
    def _stored_stats(self) -> dict[str, int]: ...

    @abstractmethod
    def _clear(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- StateStore ----------------------------------------------------------------------
    def lookup(self, url: str) -> Emitted | None:
        return self._staged.lookup(url) or self._load(url)

    def first_with_fingerprint(self, fingerprint: str) -> str | None:
        return self._load_first_url(fingerprint) or self._staged.first_url(fingerprint)

    def claim(self, fingerprint: str, url: str) -> str | None:
        """The URL that already has this exact body, or None when ``url`` may emit it.

        Backends shared by concurrent workers also see the claims of runs not yet committed.
        """
        first = self.first_with_fingerprint(fingerprint)
        return first if first not in (None, url) else None

    def near_duplicate_of(self, text: str, *, exclude_url: str | None = None) -> str | None:
        self._require_same_lsh_params()
        signature = self._hasher.signature(text)
        if signature is None:
            return None
        keys = self._hasher.band_keys(signature)
        # A staged URL will replace its committed version, bands included.
        candidates = {url: stored for url, stored in self._load_candidates(keys).items()
                      if url not in self._staged}
        candidates.update(self._staged.candidates(keys))
        if exclude_url:
            candidates.pop(exclude_url, None)
        return self._hasher.best_match(signature, candidates)

    def stage(self, record: Emitted, text: str) -> None:
        self._require_same_lsh_params()
        if not _FINGERPRINT.fullmatch(record.fingerprint):
            raise ValueError(f"fingerprint must be 32 lowercase hex chars: {record.fingerprint!r}")
        signature = self._hasher.signature(text)
        self._staged.add(StagedRecord(record, signature, self._hasher.band_keys(signature)))

    def commit(self) -> int:
        staged = self._staged.records()
        if staged:
            self._persist(staged, self._staged.first_urls())
            self._stored_params = self._hasher.params
        self._staged.clear()
        return len(staged)

    def rollback(self) -> None:
        self._staged.clear()

    def stats(self) -> dict[str, int]:
        return {**self._stored_stats(), "staged": len(self._staged)}

    def reset(self) -> None:
        self._clear()
        self._staged.clear()
        self._stored_params = None

    def _require_same_lsh_params(self) -> None:
        if self._stored_params not in (None, self._hasher.params):
            raise StateConfigError(
                f"state store was built with near-duplicate parameters [{self._stored_params}], "
                f"configured [{self._hasher.params}]: use those settings or reset the store")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
