"""The record and the interface the crawler codes against."""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from .minhash import Sketch
from .rejects import Rejection


@dataclass(frozen=True)
class Emitted:
    """One article as written to an output file."""

    url: str
    canonical_url: str | None
    fingerprint: str  # 32 hex chars of the body
    emitted_at: str  # ISO 8601 UTC
    modified: str | None  # the article's dateModified / sitemap lastmod when emitted


class StateStore(Protocol):
    """What earlier runs emitted and rejected; writes are staged and become visible to others
    on ``commit``."""

    def lookup(self, url: str) -> Emitted | None:
        """The record whose URL or canonical URL is ``url`` (staged ones first)."""
        ...

    # The errors of a store that cannot be reached (a network backend down, after its
    # retries): a run meeting one publishes nothing, rather than what it could not record.
    unreachable: tuple[type[Exception], ...]

    def first_with_fingerprint(self, fingerprint: str) -> str | None:
        """The URL that first emitted this exact body."""
        ...

    def claim(self, fingerprint: str, url: str) -> str | None:
        """The URL that already has this exact body (committed, staged, or claimed by a
        concurrent worker), or None when ``url`` may emit it."""
        ...

    @property
    def num_perm(self) -> int:
        """The number of permutations of the store's MinHash signatures."""
        ...

    def sketch(self, text: str, signature: bytes | None = None) -> Sketch:
        """The MinHash signature and band keys of a normalized body, for the two calls below;
        ``signature``: the body's, computed already (``minhash.body_signature``)."""
        ...

    def near_duplicate_of(self, sketch: Sketch, *, exclude_url: str | None = None) -> str | None:
        """The URL of an emitted body whose estimated Jaccard with the sketched body is >= the
        threshold."""
        ...

    def stage(self, record: Emitted, sketch: Sketch) -> None:
        """Remember an emitted article for this run; ``sketch`` is its body's."""
        ...

    def rejection(self, url: str) -> Rejection | None:
        """The last reject of ``url`` (staged first)."""
        ...

    def stage_rejection(self, rejection: Rejection) -> bool:
        """Remember a reject at commit, unless the URL has an emitted record (False)."""
        ...

    def forget(self, url: str) -> list[str]:
        """Remove the committed record and reject of ``url``; what was removed."""
        ...

    def prune(self, older_than: timedelta) -> dict[str, int]:
        """Remove committed records and rejects older than ``older_than``; how many of each."""
        ...

    def site_line_counts(self, site: str, keys: Iterable[str]) -> tuple[int, dict[str, int]]:
        """Committed per-site line statistics: (pages of ``site``, pages holding each key)."""
        ...

    def stage_site_lines(self, site: str, keys: Iterable[str]) -> None:
        """Count one published page of ``site`` and its line keys, at commit."""
        ...

    def begin_publication(self) -> None:
        """No other run on this store publishes until this one commits or rolls back."""
        ...

    def commit(self, only: Container[str] | None = None) -> int:
        """Persist the staged records (re-staged URLs replace theirs), or those of them whose
        URL is in ``only`` (the URLs the run's files really hold); returns how many."""
        ...

    def rollback(self) -> None:
        """Forget the staged records."""
        ...

    def stats(self) -> dict[str, int]: ...

    def reset(self) -> None:
        """Forget everything, stored and staged."""
        ...

    def close(self) -> None:
        """Release the connection; records still staged are discarded."""
        ...
