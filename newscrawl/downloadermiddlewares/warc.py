"""``WarcReplayMiddleware``: the requests of archived captures answered from their archive.

The spider's ``-a warc=`` requests carry ``meta["warc"]`` (archive and offset, from
``newscrawl.warc.scan``); this middleware, first of the chain, returns the archived response
in their place, so no other middleware's ``process_request`` runs (no robots.txt fetch, no DNS
lookup of the address guard) and nothing goes to the network. The response then goes through
every middleware's ``process_response`` as a downloaded one does (decompression included), and
on to the same decoding, extraction, cleaning and de-duplication as a live crawl's.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from newscrawl.warc import ArchiveError, read_capture

# request meta: {"path": archive, "offset": record offset, "response": the response or None}
WARC_META = "warc"


class CaptureUnreadable(IgnoreRequest):
    """An archived capture that cannot be read back; the spider rejects it with ``reason``."""

    def __init__(self, reason: str, evidence: str) -> None:
        super().__init__(evidence)
        self.reason = reason
        self.evidence = evidence


class WarcReplayMiddleware:
    def process_request(self, request: Request) -> Response | None:
        if (where := request.meta.get(WARC_META)) is None:
            return None
        try:  # streamed archives (CC-NEWS) hand the response over, files their offset
            archived = where.get("response") or read_capture(where["path"], where["offset"])
        except ArchiveError as exc:
            raise CaptureUnreadable(exc.reason, str(exc)) from exc
        headers = Headers()
        for name, value in archived.headers:
            headers.appendlist(name, value)
        response_class = responsetypes.from_args(
            headers=headers, url=request.url, body=archived.body
        )
        return response_class(
            url=request.url,
            status=archived.status,
            headers=headers,
            body=archived.body,
            request=request,
            protocol=archived.protocol,
        )
