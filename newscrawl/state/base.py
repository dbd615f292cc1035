"""Logic shared by the backends: the queries that merge the staged overlay with storage."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Container, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from .api import Emitted
from .minhash import NearDuplicateHasher, Signature, Sketch
from .overlay import StagedOverlay, StagedRecord
from .rejects import Rejection

__all__ = ["BaseStateStore", "StagedRecord", "StateConfigError"]

_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


class StateConfigError(ValueError):
    """The store was built with other near-duplicate parameters than the ones configured."""


class BaseStateStore(ABC):
    """A ``StateStore`` whose backend only reads and writes committed data."""

    unreachable: tuple[type[Exception], ...] = ()

    def __init__(self, hasher: NearDuplicateHasher) -> None:
        self._hasher = hasher
        self._staged = StagedOverlay(hasher.bands)
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
    def _persist(self, staged: Iterator[StagedRecord]) -> None:
        """Write the staged records and their ``first_of`` fingerprints, replacing records by
        URL (a fingerprint already stored keeps its URL). ``staged`` is a stream: a backend
        must not hold all of it in memory. A URL's reject goes with its record."""

    @abstractmethod
    def _load_rejection(self, url: str) -> Rejection | None: ...

    @abstractmethod
    def _persist_rejections(self, rejections: Iterator[Rejection]) -> None:
        """Write the staged rejects, replacing those of the same URLs (a stream, as above)."""

    @abstractmethod
    def _delete(self, url: str) -> list[str]:
        """Remove the committed record and reject of ``url``; what was there of them."""

    @abstractmethod
    def _prune(self, cutoff: str) -> dict[str, int]:
        """Remove the records emitted and the rejects last rejected before ``cutoff`` (ISO
        8601 UTC); how many of each."""

    @abstractmethod
    def _load_site_lines(self, site: str, keys: list[str]) -> tuple[int, dict[str, int]]:
        """Committed (pages counted for ``site``, pages counted per line key of ``keys``)."""

    @abstractmethod
    def _persist_site_lines(
        self, lines: Iterator[tuple[str, str, int]], pages: dict[str, int]
    ) -> None:
        """Add this run's per-site line and page counts to the committed ones."""

    @abstractmethod
    def _stored_stats(self) -> dict[str, int]: ...

    @abstractmethod
    def _clear(self) -> None: ...

    @abstractmethod
    def _close(self) -> None:
        """Release the backend's connection."""

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

    @property
    def num_perm(self) -> int:
        return self._hasher.num_perm

    def sketch(self, text: str, signature: bytes | None = None) -> Sketch:
        return self._hasher.sketch(text, signature)

    def near_duplicate_of(self, sketch: Sketch, *, exclude_url: str | None = None) -> str | None:
        self._require_same_lsh_params(sketch)
        if sketch.signature is None:
            return None
        # A staged URL will replace its committed version, bands included.
        candidates = {
            url: stored
            for url, stored in self._load_candidates(sketch.band_keys).items()
            if url not in self._staged
        }
        candidates.update(self._staged.candidates(sketch.band_keys))
        if exclude_url:
            candidates.pop(exclude_url, None)
        return self._hasher.best_match(sketch.signature, candidates)

    def stage(self, record: Emitted, sketch: Sketch) -> None:
        self._require_same_lsh_params(sketch)
        if not _FINGERPRINT.fullmatch(record.fingerprint):
            raise ValueError(f"fingerprint must be 32 lowercase hex chars: {record.fingerprint!r}")
        self._staged.add(StagedRecord(record, sketch.signature, sketch.band_keys))

    def rejection(self, url: str) -> Rejection | None:
        """The last reject of ``url``, staged or committed."""
        return self._staged.rejection(url) or self._load_rejection(url)

    def stage_rejection(self, rejection: Rejection) -> bool:
        """Remember a reject at commit; ignored (False) for a URL with an emitted record, which
        decides alone when the URL is fetched again."""
        if self.lookup(rejection.url) is not None:
            return False
        self._staged.add_rejection(rejection)
        return True

    def forget(self, url: str) -> list[str]:
        """Remove the committed record and reject of ``url`` (so that the next run fetches it);
        what was removed: ``emitted``, ``rejected``."""
        return self._delete(url)

    def prune(self, older_than: timedelta) -> dict[str, int]:
        """Remove the committed records emitted, and rejects last rejected, ``older_than`` ago;
        how many ``articles`` and ``rejects``."""
        cutoff = (datetime.now(UTC) - older_than).isoformat(timespec="seconds")
        return self._prune(cutoff)

    def site_line_counts(self, site: str, keys: Iterable[str]) -> tuple[int, dict[str, int]]:
        """What earlier runs counted for ``site``: its pages, and the pages holding each of
        ``keys`` (keys never counted are left out). This run's staged counts are not included."""
        return self._load_site_lines(site, list(keys))

    def stage_site_lines(self, site: str, keys: Iterable[str]) -> None:
        """Count one published page of ``site`` with these line keys, at commit."""
        self._staged.add_site_lines(site, keys)

    @abstractmethod
    def begin_publication(self) -> None:
        """Called before a run decides what it publishes: from here to its commit or rollback,
        no other run on this store publishes, so that two runs sharing it (two cron entries
        with different arguments) each see what the other recorded."""

    @abstractmethod
    def _end_publication(self) -> None:
        """Let the next run publish (see ``begin_publication``)."""

    def commit(self, only: Container[str] | None = None) -> int:
        committed = 0

        def published() -> Iterator[StagedRecord]:
            nonlocal committed
            for staged in self._staged.records():
                if only is None or staged.record.url in only:
                    committed += 1
                    yield staged

        # rejects first: an article committed after them clears its URL's
        self._persist_rejections(self._staged.rejections())
        if len(self._staged):
            self._persist(published())
            self._stored_params = self._hasher.params
        if pages := self._staged.site_pages():
            self._persist_site_lines(self._staged.site_lines(), pages)
        self._staged.clear()
        self._end_publication()
        return committed

    def rollback(self) -> None:
        self._staged.clear()
        self._end_publication()

    def stats(self) -> dict[str, int]:
        return {**self._stored_stats(), "staged": len(self._staged)}

    def reset(self) -> None:
        self._clear()
        self._staged.clear()
        self._stored_params = None

    def close(self) -> None:
        self._end_publication()
        self._staged.close()
        self._close()

    def _require_same_lsh_params(self, sketch: Sketch) -> None:
        if sketch.params != self._hasher.params:
            raise ValueError(
                f"sketch made with near-duplicate parameters [{sketch.params}], "
                f"this store uses [{self._hasher.params}]: use its sketch()"
            )
        if self._stored_params not in (None, self._hasher.params):
            raise StateConfigError(
                f"state store was built with near-duplicate parameters [{self._stored_params}], "
                f"configured [{self._hasher.params}]: use those settings or reset the store"
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
