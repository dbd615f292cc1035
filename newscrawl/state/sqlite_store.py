"""SQLite backend: one WAL-mode file, each commit one transaction."""

from __future__ import annotations

import fcntl
import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .api import Emitted
from .bandsql import BandIndex
from .base import BaseStateStore, StagedRecord
from .minhash import NearDuplicateHasher, Signature
from .overlay import REJECT_FIELDS, SITE_LINES_UPSERT, SITE_PAGES_UPSERT
from .rejects import Rejection

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",  # WAL + NORMAL: a commit survives a crash of the process
    "PRAGMA busy_timeout = 30000",  # wait for another crawler's commit instead of failing
    "PRAGMA journal_size_limit = 16777216",  # shrink the WAL back to 16 MiB after a big commit
)

# URLs are indexed by a 64-bit hash (``url_key``, ``canonical_key``; queries also compare the
# text): an index entry of ~16 bytes instead of ~100. Bands and fingerprints point at the stable
# ``articles.id`` rather than repeating the URL (9 band rows an article at 0.8/128).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url_key INTEGER NOT NULL,
    canonical_key INTEGER,
    url TEXT NOT NULL,
    canonical_url TEXT,
    fingerprint TEXT NOT NULL,
    emitted_at TEXT NOT NULL,
    modified TEXT,
    signature BLOB
);
CREATE INDEX IF NOT EXISTS articles_url_key ON articles (url_key);
CREATE INDEX IF NOT EXISTS articles_canonical_key ON articles (canonical_key);
CREATE TABLE IF NOT EXISTS fingerprints (
    fingerprint TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bands (
    band INTEGER NOT NULL,
    key BLOB NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (band, key, article_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_lines (
    site TEXT NOT NULL,
    key TEXT NOT NULL,
    pages INTEGER NOT NULL,
    PRIMARY KEY (site, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_pages (site TEXT PRIMARY KEY, pages INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejects (
    url_key INTEGER NOT NULL,
    url TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    first_rejected_at TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    retry_after TEXT,
    PRIMARY KEY (url_key, url)
) WITHOUT ROWID;
"""
_TABLES = ("articles", "fingerprints", "bands", "meta", "site_lines", "site_pages", "rejects")

_MAX_VARIABLES = 500  # bound parameters of one IN (...) query, well under SQLite's limit
_RECORD = "SELECT url, canonical_url, fingerprint, emitted_at, modified FROM articles"
_BY_URL = f"{_RECORD} WHERE url_key = ? AND url = ?"
_BY_CANONICAL = f"{_RECORD} WHERE canonical_key = ? AND canonical_url = ? ORDER BY id DESC LIMIT 1"
_FIRST_URL = """SELECT url FROM fingerprints AS f JOIN articles ON articles.id = f.article_id
                WHERE f.fingerprint = ?"""
_INSERT = """INSERT INTO articles (canonical_key, canonical_url, fingerprint, emitted_at, modified,
             signature, url_key, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
_REJECT = f"SELECT {REJECT_FIELDS} FROM rejects WHERE url_key = ? AND url = ?"
_UPSERT_REJECT = (
    f"INSERT OR REPLACE INTO rejects (url_key, {REJECT_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_DELETE_REJECT = "DELETE FROM rejects WHERE url_key = ? AND url = ?"
_UPDATE = """UPDATE articles SET canonical_key = ?, canonical_url = ?, fingerprint = ?,
             emitted_at = ?, modified = ?, signature = ? WHERE id = ?"""


class SQLiteStateStore(BaseStateStore):
    def __init__(self, path: Path, hasher: NearDuplicateHasher) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Autocommit mode: reads see the latest commit; writes use explicit transactions.
        self._db = sqlite3.connect(path, isolation_level=None)
        for pragma in _PRAGMAS:
            self._db.execute(pragma)
        self._db.executescript(_SCHEMA)
        self._bands = BandIndex("articles", "bands", "article_id", hasher.bands)
        self._publishing: IO[str] | None = None
        super().__init__(hasher)

    def _stored_lsh_params(self) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'lsh'").fetchone()
        return row[0] if row else None

    def _load(self, url: str) -> Emitted | None:
        key = (_url_key(url), url)
        row = (
            self._db.execute(_BY_URL, key).fetchone()
            or self._db.execute(_BY_CANONICAL, key).fetchone()
        )
        return Emitted(*row) if row else None

    def _load_first_url(self, fingerprint: str) -> str | None:
        row = self._db.execute(_FIRST_URL, (fingerprint,)).fetchone()
        return row[0] if row else None

    def _load_candidates(self, band_keys: tuple[bytes, ...]) -> dict[str, Signature]:
        return self._bands.candidates(self._db, band_keys)

    def _persist(self, staged: Iterator[StagedRecord]) -> None:
        # One transaction, however many records: SQLite spills its dirty pages to the WAL.
        with self._transaction():
            for item in staged:
                article_id = self._write_article(item)
                for fingerprint in item.first_of:
                    self._db.execute(
                        "INSERT OR IGNORE INTO fingerprints (fingerprint, article_id) "
                        "VALUES (?, ?)",
                        (fingerprint, article_id),
                    )
            self._db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('lsh', ?)",
                (self._hasher.params,),
            )

    def _write_article(self, item: StagedRecord) -> int:
        """Insert or update the article row and its band rows; returns its id."""
        record = item.record
        canonical = record.canonical_url
        values = (
            _url_key(canonical) if canonical is not None else None,
            canonical,
            record.fingerprint,
            record.emitted_at,
            record.modified,
            item.signature,
        )
        key = (_url_key(record.url), record.url)
        row = self._db.execute(
            "SELECT id, signature FROM articles WHERE url_key = ? AND url = ?", key
        ).fetchone()
        if row is None:
            inserted = self._db.execute(_INSERT, (*values, *key)).lastrowid
            assert inserted is not None  # an INSERT's row id
            article_id = inserted
        else:
            article_id, old_blob = row
            self._db.execute(_UPDATE, (*values, article_id))
            old_keys = self._hasher.band_keys(old_blob or None)
            self._bands.delete(self._db, old_keys, article_id)
        self._bands.insert(self._db, item.band_keys, article_id)
        self._db.execute(_DELETE_REJECT, key)
        return article_id

    def _load_rejection(self, url: str) -> Rejection | None:
        row = self._db.execute(_REJECT, (_url_key(url), url)).fetchone()
        return Rejection(*row) if row else None

    def _persist_rejections(self, rejections: Iterator[Rejection]) -> None:
        with self._transaction():
            self._db.executemany(
                _UPSERT_REJECT,
                ((_url_key(rejection.url), *rejection.row()) for rejection in rejections),
            )

    def _delete(self, url: str) -> list[str]:
        key = (_url_key(url), url)
        with self._transaction():
            articles = self._delete_articles("url_key = ? AND url = ?", key)
            rejects = self._db.execute(_DELETE_REJECT, key).rowcount
        return ["emitted"] * articles + ["rejected"] * rejects

    def _prune(self, cutoff: str) -> dict[str, int]:
        # ISO 8601 UTC timestamps, all written alike, compare in time order as text
        with self._transaction():
            articles = self._delete_articles("emitted_at < ?", (cutoff,))
            rejects = self._db.execute(
                "DELETE FROM rejects WHERE rejected_at < ?", (cutoff,)
            ).rowcount
        return {"articles": articles, "rejects": rejects}

    def _delete_articles(self, where: str, params: tuple[object, ...]) -> int:
        """Delete the articles matching ``where`` with their band and fingerprint rows (a scan
        of those tables: maintenance only); how many articles."""
        ids = f"SELECT id FROM articles WHERE {where}"
        self._db.execute(f"DELETE FROM bands WHERE article_id IN ({ids})", params)
        self._db.execute(f"DELETE FROM fingerprints WHERE article_id IN ({ids})", params)
        return self._db.execute(f"DELETE FROM articles WHERE {where}", params).rowcount

    def _load_site_lines(self, site: str, keys: list[str]) -> tuple[int, dict[str, int]]:
        row = self._db.execute("SELECT pages FROM site_pages WHERE site = ?", (site,)).fetchone()
        if row is None:
            return 0, {}
        counts: dict[str, int] = {}
        for start in range(0, len(keys), _MAX_VARIABLES):
            chunk = keys[start : start + _MAX_VARIABLES]
            counts.update(
                self._db.execute(
                    "SELECT key, pages FROM site_lines WHERE site = ? AND key IN "
                    f"({','.join('?' * len(chunk))})",
                    (site, *chunk),
                )
            )
        return row[0], counts

    def _persist_site_lines(
        self, lines: Iterator[tuple[str, str, int]], pages: dict[str, int]
    ) -> None:
        with self._transaction():
            self._db.executemany(SITE_LINES_UPSERT, lines)
            self._db.executemany(SITE_PAGES_UPSERT, pages.items())

    def begin_publication(self) -> None:
        # flock: released by the kernel if the process dies, so a killed run blocks nobody
        if self._publishing is None:
            self._publishing = self.path.with_name(self.path.name + ".publish.lock").open("a")
            fcntl.flock(self._publishing, fcntl.LOCK_EX)

    def _end_publication(self) -> None:
        if self._publishing is not None:
            fcntl.flock(self._publishing, fcntl.LOCK_UN)
            self._publishing.close()
            self._publishing = None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _stored_stats(self) -> dict[str, int]:
        def count(table: str) -> int:
            return int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        files = (self.path, self.path.with_name(self.path.name + "-wal"))
        return {
            "articles": count("articles"),
            "fingerprints": count("fingerprints"),
            "band_entries": count("bands"),
            "site_line_keys": count("site_lines"),
            "rejects": count("rejects"),
            **{
                f"rejects/{reason}": n
                for reason, n in self._db.execute(
                    "SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY reason"
                )
            },
            "bytes": sum(file.stat().st_size for file in files if file.exists()),
        }

    def _clear(self) -> None:
        with self._transaction():
            for table in _TABLES:
                self._db.execute(f"DELETE FROM {table}")
        self._db.execute("VACUUM")

    def _close(self) -> None:
        self._db.close()


def _url_key(url: str) -> int:
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), signed=True)
