"""Web archives (WARC, ARC; plain or gzipped) read and written with warcio.

Reading is in two steps, so that memory stays flat whatever an archive's size: ``scan`` streams
an archive's records and yields where each usable HTML capture is (file and offset), without
keeping its body; ``read_capture`` reads one capture back from there when it is needed. An
archive streamed over the network (``scan_stream(..., keep=True)``) cannot be gone back to: its
captures carry their response.
Writing: ``RotatingWarcWriter`` appends request and response records to gzipped WARC files
written as ``.part`` and started anew past a size.

warcio, not FastWARC: pure Python, so it installs everywhere Scrapy does, and it reads ARC as
well; the extraction (tens of milliseconds a page) costs far more than parsing the records.

No Scrapy here.
"""

from __future__ import annotations

import glob
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.client import responses
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator, ARCIterator, WARCIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.accounting import Reason
from newscrawl.encoding import HTML_TYPES

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
# What the sitemaps and feeds said of the page (publication date, lastmod, title: the spider's
# hints), JSON on the response record: re-extracted from the archive, the page gets the dates
# the live crawl gave it. Not a "WARC-" name: the WARC standard keeps those for its own fields.
HINTS_HEADER = "Newscrawl-Hints"
# Hop-by-hop: the body is archived as received, de-chunked; a reader must not de-chunk it again.
_NOT_ARCHIVED = frozenset({"transfer-encoding", "connection", "keep-alive"})


class ArchiveError(ValueError):
    """A capture that cannot be read back; ``reason`` is the reject reason."""

    def __init__(self, reason: str, evidence: str) -> None:
        super().__init__(evidence)
        self.reason = reason


@dataclass(frozen=True)
class Capture:
    """An archived HTML response: what it is of, when it was fetched, where it lies."""

    url: str
    fetched: str  # ISO 8601 UTC, to the second (the form of a live crawl's download time)
    path: str
    offset: int
    hints: dict[str, str]
    # the response itself, read from an archive streamed over HTTP (there is no going back to
    # its offset); None for a file, read back from its offset when needed
    response: Response | None = None


@dataclass(frozen=True)
class Unusable:
    """A record (or the rest of an archive) that gives no page, and why."""

    url: str  # the record's target URI, else ``<archive>@<offset>``
    reason: str
    evidence: str


@dataclass(frozen=True)
class Response:
    """A capture read back: the HTTP response as archived."""

    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes


def archive_files(spec: str) -> list[Path]:
    """The archives ``spec`` names (comma-separated files, globs or directories; a directory
    gives its archives, sorted); ``ValueError`` when it names none."""
    found: list[Path] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        matches = [Path(m) for m in sorted(glob.glob(os.path.expanduser(part)))]
        for match in matches:
            found.extend(
                sorted(p for p in match.iterdir() if _is_archive(p)) if match.is_dir() else [match]
            )
        if not matches:
            raise ValueError(f"warc: no file or directory matches {part!r}")
    if not found:
        raise ValueError(f"warc: no archive ({', '.join(ARCHIVE_SUFFIXES)}) in {spec!r}")
    return found


def _is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def scan(path: Path) -> Iterator[Capture | Unusable | str]:
    """The records of one archive: a ``Capture`` for each HTML response of status 2xx, an
    ``Unusable`` for each other response and for a damaged rest of the file (after which
    nothing more can be read from it), the record type (``request``, ``metadata``, ...) for the
    records that are not responses, ``redirect`` for a redirect."""
    try:
        with path.open("rb") as stream:
            yield from scan_stream(stream, str(path), os.fstat(stream.fileno()).st_size)
    except OSError as exc:
        yield Unusable(str(path), Reason.WARC_UNREADABLE, f"{type(exc).__name__}: {exc}")


def scan_stream(
    stream: IO[bytes], name: str, size: int | None, *, keep: bool = False
) -> Iterator[Capture | Unusable | str]:
    """``scan`` of an archive read from ``stream`` (which must tell its position), ``size``
    bytes long if known; ``keep``: the captures carry their response (a stream read once)."""
    records = _records(stream, name)
    try:
        for record in records:
            kept = _response(record) if keep and record.rec_type == "response" else None
            offset = records.get_record_offset()  # reads the record to its end
            found = _classify(record, name, offset)
            yield replace(found, response=kept) if isinstance(found, Capture) else found
        if size is not None and records.offset < size:  # warcio stops silently at a cut header
            yield Unusable(
                f"{name}@{records.offset}",
                Reason.WARC_TRUNCATED,
                f"{size - records.offset} byte(s) at the end are no record",
            )
    except OSError as exc:
        yield Unusable(
            f"{name}@{records.offset}",
            Reason.WARC_UNREADABLE,
            f"{type(exc).__name__}: {exc}; rest of file skipped",
        )
    except Exception as exc:  # warcio raises assorted errors (even AttributeError) on damage
        yield Unusable(
            f"{name}@{records.offset}",
            Reason.WARC_MALFORMED,
            f"{type(exc).__name__}: {exc}; rest of file skipped",
        )


def _response(record: ArcWarcRecord) -> Response | None:
    http = record.http_headers
    if http is None:
        return None
    return Response(
        int(http.get_statuscode() or 0),
        http.protocol or "HTTP/1.1",
        list(http.headers),
        record.raw_stream.read(),
    )


def _records(stream: IO[bytes], name: str) -> ArchiveIterator:
    """The records of ``stream``, read as the format its name says: warcio, left to guess,
    reads any text as ARC records, a garbage file as records of garbage URLs."""
    name = name.lower()
    if name.endswith((".warc", ".warc.gz")):
        return WARCIterator(stream)
    if name.endswith((".arc", ".arc.gz")):
        return ARCIterator(stream, arc2warc=True)
    return ArchiveIterator(stream, arc2warc=True)


def _classify(record: ArcWarcRecord, path: str, offset: int) -> Capture | Unusable | str:
    url = record.rec_headers.get_header("WARC-Target-URI") or f"{path}@{offset}"
    if record.raw_stream.limit:  # LimitReader: bytes its Content-Length promised, not there
        return Unusable(
            url,
            Reason.WARC_TRUNCATED,
            f"{path}@{offset}: {record.raw_stream.limit} byte(s) of the record missing",
        )
    if record.rec_type is None:  # a header cut short, or no WARC header at all
        return Unusable(url, Reason.WARC_MALFORMED, f"{path}@{offset}: a record without WARC-Type")
    if record.rec_type != "response":
        return str(record.rec_type)
    http = record.http_headers
    if not url.lower().startswith(("http://", "https://")) or http is None:
        return Unusable(
            url, Reason.WARC_NOT_HTTP, f"{path}@{offset}: a response of another protocol"
        )
    status = http.get_statuscode() or "?"
    if status.startswith("3"):  # the page it leads to is a capture of its own
        return "redirect"
    if not status.startswith("2"):
        return Unusable(url, Reason.WARC_HTTP_STATUS, f"{path}@{offset}: HTTP {status}")
    content_type = http.get_header("Content-Type") or ""
    if content_type and not content_type.lower().encode("latin-1", "replace").startswith(
        HTML_TYPES
    ):
        return Unusable(url, Reason.NOT_HTML, f"{path}@{offset}: {content_type}")
    return Capture(
        url,
        _fetched(record.rec_headers.get_header("WARC-Date")),
        path,
        offset,
        _hints(record.rec_headers.get_header(HINTS_HEADER)),
    )


def _hints(header: str | None) -> dict[str, str]:
    """The hints archived with a capture; none when absent or not a JSON object of strings."""
    try:
        hints = json.loads(header or "{}")
    except ValueError:
        return {}
    if not isinstance(hints, dict):
        return {}
    return {str(key): value for key, value in hints.items() if isinstance(value, str)}


def _fetched(warc_date: str | None) -> str:
    try:
        moment = datetime.fromisoformat(warc_date or "")
    except ValueError:
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")


def read_capture(path: str, offset: int) -> Response:
    """The response archived at ``offset`` of ``path``; ``ArchiveError`` if it is no longer
    there whole (the file changed since it was scanned)."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            record = next(iter(_records(stream, path)))
            response = _response(record)
            missing = record.raw_stream.limit
    except OSError as exc:
        raise ArchiveError(Reason.WARC_UNREADABLE, f"{path}@{offset}: {exc}") from exc
    except Exception as exc:  # as in scan: warcio's errors on damaged input are of any type
        raise ArchiveError(
            Reason.WARC_MALFORMED, f"{path}@{offset}: {type(exc).__name__}: {exc}"
        ) from exc
    if record.rec_type != "response" or response is None or missing:
        raise ArchiveError(
            "warc-truncated" if missing else Reason.WARC_MALFORMED,
            f"{path}@{offset}: not the HTTP response scanned there",
        )
    return response


class RotatingWarcWriter:
    """Gzipped WARC files ``<stem>-00000.warc.gz``, ``-00001``, ... in ``directory``, each
    written as ``.part``; a new file starts once one holds ``max_bytes``."""

    def __init__(self, directory: Path, stem: str, max_bytes: int) -> None:
        self.directory = directory
        self.stem = stem
        self.max_bytes = max_bytes
        self.files: list[Path] = []  # final names, the last one open
        self._file: IO[bytes] | None = None
        self._writer: WARCWriter | None = None

    @staticmethod
    def written(final: Path) -> Path:
        return final.with_name(final.name + ".part")

    def write(
        self,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        response: Response,
        hints: Mapping[str, str],
    ) -> None:
        """Archive one exchange: the request as sent, the response as received (its body not
        decoded: a reader decodes it as the live crawl did) and the page's ``hints``."""
        writer = self._current()
        parts = urlsplit(url)
        target = parts._replace(fragment="").geturl()
        path = parts._replace(scheme="", netloc="", fragment="").geturl() or "/"
        request_record = writer.create_warc_record(
            target,
            "request",
            http_headers=StatusAndHeaders(
                f"{method} {path} HTTP/1.1",
                [("Host", parts.netloc), *request_headers],
                is_http_request=True,
            ),
        )
        status = f"{response.status} {responses.get(response.status, '')}".strip()
        response_record = writer.create_warc_record(
            target,
            "response",
            payload=io.BytesIO(response.body),
            warc_headers_dict={HINTS_HEADER: json.dumps(dict(hints))} if hints else None,
            http_headers=StatusAndHeaders(
                status, _archived(response.headers), protocol=response.protocol
            ),
        )
        writer.write_request_response_pair(request_record, response_record)
        if self._file is not None and self._file.tell() >= self.max_bytes:
            self.close()

    def _current(self) -> WARCWriter:
        if self._writer is None:
            final = self.directory / f"{self.stem}-{len(self.files):05d}.warc.gz"
            self.directory.mkdir(parents=True, exist_ok=True)
            self._file = self.written(final).open("wb")
            self._writer = WARCWriter(self._file, gzip=True)
            self.files.append(final)
        return self._writer

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = self._writer = None


def _archived(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name.lower() not in _NOT_ARCHIVED]
