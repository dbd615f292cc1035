"""Archive files on the shared frontier (distributed mode): one request a WARC file.

``scrapy seed news -a ccnews=...`` (or ``-a warc=`` naming files every worker can read) queues
one *file request* per archive instead of one request per capture. A worker takes a whole file:
its callback streams the file's records and makes the captures' article requests, which stay
with that worker (they carry the record, or where it lies; they are never serialized to Redis).
The file request stays in the worker's in-flight list until the worker's output is committed,
so a worker killed mid-file hands the file back to the frontier and another worker reads it
again; the articles already emitted are skipped there by the shared state.

Across workers each article URL is claimed once in Redis (the dupefilter's key) by the file it
came from: a claim left by a dead worker's reading of the same file may be taken over by the
worker reading that file again; a claim of another file, or of a live crawl, may not.

No Scrapy here.
"""

from __future__ import annotations

from pathlib import Path

# request meta of a file request: the archive's location (an http(s) URL or an absolute path)
FILE_META = "archive_file"
# request meta of an article request made from an archive file: that file's location
FROM_FILE_META = "from_archive_file"

# Signal: a worker finished reading an archive file (kwargs: request, the file request; failed:
# whether the file could not be read, in part or whole, so that a later seed may queue it again)
archive_file_read = object()


def is_remote(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def file_location(path: Path | str) -> str:
    """Where every worker finds an archive: a URL as given, a local file's absolute path."""
    text = str(path)
    return text if is_remote(text) else str(Path(text).expanduser().resolve())


def file_request_url(location: str) -> str:
    """The URL of a file request: the archive's own URL, a ``file://`` URI for a path (it is
    answered by ``ArchiveFileMiddleware``, never downloaded by Scrapy)."""
    return location if is_remote(location) else Path(location).as_uri()


def claim_prefix(location: str) -> str:
    """What every claim made while reading ``location`` starts with, whoever reads it."""
    return f"file {location}\n"


def reading_prefix(location: str, worker: str) -> str:
    """What every claim made by ``worker`` reading ``location`` starts with."""
    return f"{claim_prefix(location)}{worker} "


def claim_value(location: str, worker: str, serial: int) -> str:
    """The claim of an article URL by ``worker`` reading ``location``; ``serial`` tells this
    claim from the same reading's claim of the same URL met twice in the file."""
    return f"{reading_prefix(location, worker)}{serial}"


def may_take_over(held: str, location: str, worker: str) -> bool:
    """Whether a URL claimed as ``held`` may be taken by ``worker`` reading ``location``: only
    a claim of an earlier reading of the same file by another worker (which died, since its file
    came back to the frontier). The Redis script ``newscrawl.distributed.archivefiles`` applies
    the same rule in one step."""
    return held.startswith(claim_prefix(location)) and not held.startswith(
        reading_prefix(location, worker)
    )
