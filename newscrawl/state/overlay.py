"""The staged overlay: this run's uncommitted records, kept off the Python heap.

The records live in a private temporary SQLite database (``sqlite3.connect("")``): an unlinked
file that SQLite deletes on close, so a crash leaves nothing behind, with a page cache of a few
MiB. The process therefore stays the same size however many articles a run stages. The tables are
indexed like the SQLite backend's, so the run's own lookups, first fingerprints and near-duplicate
candidates see the staged records, and ``records()`` streams them to the backend on commit.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .api import Emitted
from .bandsql import BandIndex
from .minhash import BAND_KEY_BYTES, Signature
from .rejects import Rejection

# Nothing here needs to survive the process, or ever be rolled back (``clear`` starts a new
# file): no journal, no fsync, and one transaction for the file's whole life, so that a stage
# costs no commit. SQLite spills dirty pages to the file once its page cache is full.
_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    # KiB: the page cache, i.e. what each database adds to the RSS. Lookups of 8,000 staged
    # articles (fingerprint, band keys, staging) took as long with 1 MiB as with 4.
    "PRAGMA cache_size = -1024",
    "PRAGMA temp_store = FILE",  # sorts and temporary indexes on disk too
)

# URLs are indexed by Python's ``hash()``: stable within the process, which is all this database
# lives for, and cached on the str. ``band_keys`` repeats the bands' keys so that re-staging a URL
# can delete its previous band rows; ``first_of`` spares ``records()`` a query a record.
_SCHEMA = """
CREATE TABLE staged (
    id INTEGER PRIMARY KEY,  -- staging order; a re-staged URL moves to the end
    url_key INTEGER NOT NULL,
    canonical_key INTEGER,
    url TEXT NOT NULL,
    canonical_url TEXT,
    fingerprint TEXT NOT NULL,
    emitted_at TEXT NOT NULL,
    modified TEXT,
    signature BLOB,
    band_keys BLOB NOT NULL,
    first_of TEXT NOT NULL  -- StagedRecord.first_of, space-separated
);
CREATE INDEX staged_url_key ON staged (url_key);
CREATE INDEX staged_canonical_key ON staged (canonical_key);
CREATE TABLE staged_bands (
    band INTEGER NOT NULL,
    key BLOB NOT NULL,
    staged_id INTEGER NOT NULL,
    PRIMARY KEY (band, key, staged_id)
) WITHOUT ROWID;
CREATE TABLE first_urls (fingerprint TEXT PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE site_lines (
    site TEXT NOT NULL,
    key TEXT NOT NULL,
    pages INTEGER NOT NULL,
    PRIMARY KEY (site, key)
) WITHOUT ROWID;
CREATE TABLE site_pages (site TEXT PRIMARY KEY, pages INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE rejects (
    url TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    first_rejected_at TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    retry_after TEXT
) WITHOUT ROWID;
"""
# Per-site line counts add up: a page seen again in a later run counts again, as it would in
# that run alone (the furniture rule wants how common a line is, not an exact census).
SITE_LINES_UPSERT = """INSERT INTO site_lines (site, key, pages) VALUES (?, ?, ?)
    ON CONFLICT (site, key) DO UPDATE SET pages = pages + excluded.pages"""
SITE_PAGES_UPSERT = """INSERT INTO site_pages (site, pages) VALUES (?, ?)
    ON CONFLICT (site) DO UPDATE SET pages = pages + excluded.pages"""

_RECORD = "url, canonical_url, fingerprint, emitted_at, modified"
_BY_URL = f"SELECT {_RECORD} FROM staged WHERE url_key = ? AND url = ?"
_BY_CANONICAL = (
    f"SELECT {_RECORD} FROM staged WHERE canonical_key = ? AND canonical_url = ? "
    "ORDER BY id DESC LIMIT 1"
)
_INSERT = """INSERT INTO staged (url_key, canonical_key, url, canonical_url, fingerprint,
             emitted_at, modified, signature, band_keys, first_of)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_STREAM = f"SELECT {_RECORD}, signature, band_keys, first_of FROM staged ORDER BY id"
# the columns of a Rejection, in its order: a row is a Rejection's arguments
REJECT_FIELDS = ", ".join(field.name for field in dataclasses.fields(Rejection))


def private_database(schema: str) -> sqlite3.Connection:
    """A private temporary SQLite file with ``schema``, in one open transaction: SQLite deletes
    it on close (even when the process dies), and it costs the process a few MiB of cache."""
    db = sqlite3.connect("", isolation_level=None)  # "": a private temporary file
    for pragma in _PRAGMAS:
        db.execute(pragma)
    db.executescript(schema)
    db.execute("BEGIN")
    return db


@dataclass(frozen=True)
class StagedRecord:
    record: Emitted
    signature: Signature | None  # None when the body has no words
    band_keys: tuple[bytes, ...]
    # The fingerprints whose first URL in this run is this one: usually its own fingerprint,
    # none when another URL had the body first, an earlier one when the URL was re-staged.
    first_of: tuple[str, ...] = ()


class StagedOverlay:
    """This run's uncommitted records, indexed like storage so in-run duplicates are caught."""

    def __init__(self, bands: int) -> None:
        self._bands = BandIndex("staged", "staged_bands", "staged_id", bands)
        self._db = self._open()
        self._count = 0

    @staticmethod
    def _open() -> sqlite3.Connection:
        return private_database(_SCHEMA)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, url: str) -> bool:
        return (
            bool(self._count)
            and self._db.execute(
                "SELECT 1 FROM staged WHERE url_key = ? AND url = ?", (hash(url), url)
            ).fetchone()
            is not None
        )

    def add(self, staged: StagedRecord) -> None:
        """Stage a record, replacing the one staged before under its URL.

        Without a journal a failing statement is not undone: after an error (a full disk) the
        overlay may lack this record or the one it replaced, so the next run emits it again.
        """
        record = staged.record
        url_key = hash(record.url)
        canonical = record.canonical_url
        previous = self._db.execute(
            "SELECT id, band_keys, first_of FROM staged WHERE url_key = ? AND url = ?",
            (url_key, record.url),
        ).fetchone()
        first_of: list[str] = []
        if previous is not None:
            previous_id, previous_keys, previous_first_of = previous
            first_of += previous_first_of.split()
            self._bands.delete(self._db, _split_keys(previous_keys), previous_id)
            self._db.execute("DELETE FROM staged WHERE id = ?", (previous_id,))
        if self._db.execute(
            "INSERT OR IGNORE INTO first_urls (fingerprint, url) VALUES (?, ?)",
            (record.fingerprint, record.url),
        ).rowcount:
            first_of.append(record.fingerprint)
        staged_id = self._db.execute(
            _INSERT,
            (
                url_key,
                hash(canonical) if canonical is not None else None,
                record.url,
                canonical,
                record.fingerprint,
                record.emitted_at,
                record.modified,
                staged.signature,
                b"".join(staged.band_keys),
                " ".join(first_of),
            ),
        ).lastrowid
        assert staged_id is not None  # an INSERT's row id
        self._bands.insert(self._db, staged.band_keys, staged_id)
        if previous is None:
            self._count += 1

    def lookup(self, url: str) -> Emitted | None:
        if not self._count:
            return None
        key = (hash(url), url)
        row = (
            self._db.execute(_BY_URL, key).fetchone()
            or self._db.execute(_BY_CANONICAL, key).fetchone()
        )
        return Emitted(*row) if row else None

    def first_url(self, fingerprint: str) -> str | None:
        if not self._count:
            return None
        row = self._db.execute(
            "SELECT url FROM first_urls WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        return row[0] if row else None

    def candidates(self, band_keys: tuple[bytes, ...]) -> dict[str, Signature]:
        """Staged URLs sharing a band key, with their signatures (only those have band keys)."""
        if not self._count or not band_keys:
            return {}
        return self._bands.candidates(self._db, band_keys)

    def records(self) -> Iterator[StagedRecord]:
        """The staged records one at a time, in staging order (for ``_persist`` to stream)."""
        for *fields, signature, band_keys, first_of in self._db.execute(_STREAM):
            yield StagedRecord(
                Emitted(*fields),
                signature,
                _split_keys(band_keys),
                tuple(first_of.split()),
            )

    def add_site_lines(self, site: str, keys: Iterable[str]) -> None:
        """Count one published page of ``site`` with these line keys (``cleaning.furniture``)."""
        self._db.executemany(SITE_LINES_UPSERT, ((site, key, 1) for key in keys))
        self._db.execute(SITE_PAGES_UPSERT, (site, 1))

    def site_lines(self) -> Iterator[tuple[str, str, int]]:
        """(site, line key, pages) for every line key counted in this run."""
        yield from self._db.execute("SELECT site, key, pages FROM site_lines")

    def site_pages(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT site, pages FROM site_pages"))

    def add_rejection(self, rejection: Rejection) -> None:
        """Stage a URL's reject, replacing the one staged before under its URL."""
        self._db.execute(
            f"INSERT OR REPLACE INTO rejects ({REJECT_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rejection.row(),
        )

    def rejection(self, url: str) -> Rejection | None:
        row = self._db.execute(
            f"SELECT {REJECT_FIELDS} FROM rejects WHERE url = ?", (url,)
        ).fetchone()
        return Rejection(*row) if row else None

    def rejections(self) -> Iterator[Rejection]:
        """The staged rejects one at a time (for the backend to stream on commit)."""
        for row in self._db.execute(f"SELECT {REJECT_FIELDS} FROM rejects"):
            yield Rejection(*row)

    def clear(self) -> None:
        """Forget the staged records: a fresh temporary file, the old one's space returned."""
        self._db.close()
        self._db = self._open()
        self._count = 0

    def close(self) -> None:
        self._db.close()
        self._count = 0


def _split_keys(blob: bytes) -> tuple[bytes, ...]:
    return tuple(blob[i : i + BAND_KEY_BYTES] for i in range(0, len(blob), BAND_KEY_BYTES))
