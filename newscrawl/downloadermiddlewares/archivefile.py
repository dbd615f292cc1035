"""``ArchiveFileMiddleware``: a file request of the shared frontier answered at once, empty.

A file request (``newscrawl.archivefiles``) names a whole WARC file, up to a gigabyte: Scrapy's
downloader would hold it in memory. Its callback streams the file itself, record by record, so
this middleware, first of the chain with ``WarcReplayMiddleware``, returns an empty response in
its place: nothing is fetched here (no robots.txt, no DNS lookup, no offsite check).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response

from newscrawl.archivefiles import FILE_META


class ArchiveFileMiddleware:
    def process_request(self, request: Request) -> Response | None:
        if FILE_META not in request.meta:
            return None
        return Response(url=request.url, status=200, body=b"", request=request)
