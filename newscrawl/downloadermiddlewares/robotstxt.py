"""``RobotsTxtMiddleware``: Scrapy's, with every request that waits for a host's robots.txt
checked against it.

Scrapy 2.19's middleware makes the requests that arrive while a host's robots.txt is being
fetched await the same Deferred through ``maybe_deferred_to_future``, whose callback hands
``None`` on to the Deferred's next callbacks: the first of them gets the parser, every later one
gets ``None``, which means "allowed". A crawl's sources (a registry's sitemaps, feeds and
listings, all requested at start) and the probes of ``scrapy addsite``/``checksite`` (which
fetch a site's documents at once) then fetched pages robots.txt forbids. Here each waiting
request gets the parser through a callback that passes it on.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares import robotstxt
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(robotstxt.RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):  # parsed, failed, or this request fetches it
            return await super().robot_parser(request)
        mine: Deferred[RobotParser | None] = Deferred()

        def share(parser: RobotParser | None) -> RobotParser | None:
            mine.callback(parser)
            return parser  # for the requests waiting after this one

        pending.addCallback(share)
        return await maybe_deferred_to_future(mine)
