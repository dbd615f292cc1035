"""The LSH band index in SQLite, as the backend and the staged overlay both keep it: a table of
(band, key, row id) beside a table of records with their signatures."""

from __future__ import annotations

import sqlite3

from .minhash import Signature


class BandIndex:
    """Queries of one band table (``band``, ``key``, ``id_column``) over one records table."""

    def __init__(self, records: str, bands_table: str, id_column: str, bands: int) -> None:
        band_query = f"SELECT {id_column} FROM {bands_table} WHERE band = ? AND key = ?"
        self._candidates_sql = (
            f"SELECT url, signature FROM {records} WHERE id IN ("
            + " UNION ".join([band_query] * bands)
            + ")"
        )
        self._insert_sql = f"INSERT INTO {bands_table} (band, key, {id_column}) VALUES (?, ?, ?)"
        self._delete_sql = (
            f"DELETE FROM {bands_table} WHERE band = ? AND key = ? AND {id_column} = ?"
        )

    def candidates(
        self, db: sqlite3.Connection, band_keys: tuple[bytes, ...]
    ) -> dict[str, Signature]:
        """URLs of records sharing at least one band key, with their signatures."""
        params = [value for band in enumerate(band_keys) for value in band]
        return dict(db.execute(self._candidates_sql, params).fetchall())

    def insert(self, db: sqlite3.Connection, band_keys: tuple[bytes, ...], row_id: int) -> None:
        db.executemany(self._insert_sql, _rows(band_keys, row_id))

    def delete(self, db: sqlite3.Connection, band_keys: tuple[bytes, ...], row_id: int) -> None:
        db.executemany(self._delete_sql, _rows(band_keys, row_id))


def _rows(band_keys: tuple[bytes, ...], row_id: int) -> list[tuple[int, bytes, int]]:
    return [(band, key, row_id) for band, key in enumerate(band_keys)]
