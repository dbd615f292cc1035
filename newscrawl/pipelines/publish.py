"""``PublishPipeline``: the last pipeline. Holds the run's articles and publishes them when the
spider closes, after the end-of-run decisions (``newscrawl.publication``): site furniture
stripped, and among duplicates the original kept, whatever the order pages arrived in.

While the crawl runs, each article is held (``Staged``, a silent drop: not logged, not counted as
a drop, not a reject). When the spider closes, the held articles go out in order of preference:
each is emitted (Scrapy's ``item_scraped``: the feed exports write it) or rejected (``Rejected``
through ``item_dropped``, as any drop) exactly as if it had left the last pipeline. Pipelines that
must see the published articles therefore go before this one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Generator
from contextlib import closing, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.log import logformatter_adapter
from twisted.python.failure import Failure

from newscrawl.accounting import HELD, STATE_UNREACHABLE, STRIPPED, Reason
from newscrawl.bodysketch import BodyDigest, attached, body_digest, detach
from newscrawl.cleaning.furniture import FurnitureRule, strip_furniture
from newscrawl.extensions.state import IncrementalState
from newscrawl.extensions.workers import ExtractionWorkers
from newscrawl.extraction import NotExtractable
from newscrawl.extraction.pool import ExtractorPool
from newscrawl.items import Article
from newscrawl.journal import articles_in, emitted_record
from newscrawl.output import carried_over_dir
from newscrawl.pipelines import Rejected, Staged
from newscrawl.publication import Held, HeldArticles, is_alias, preference
from newscrawl.state import StateStore

logger = logging.getLogger(__name__)

# Articles whose furniture is stripped ahead of the one being decided: enough to keep every
# worker of the pool busy with the digests of changed bodies (the pool queues two a worker).
_AHEAD = 16


@dataclass(frozen=True)
class _Stripped:
    """A held article's body without its site's furniture; the lines removed; the new body's
    digest, unless nothing was removed or too little is left."""

    body: str
    removed: list[str]
    digest: BodyDigest | None = None


class PublishPipeline:
    def __init__(
        self,
        crawler: Crawler,
        store: StateStore,
        rule: FurnitureRule,
        min_chars: int,
        pool: ExtractorPool | None = None,
    ) -> None:
        self.crawler = crawler
        self.store = store
        self.rule = rule
        self.min_chars = min_chars
        self.pool = pool  # computes the digests of bodies that lose furniture lines
        self.held = HeldArticles()
        self.ad_hoc: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        state = crawler.get_extension(IncrementalState)
        if state is None:
            raise NotConfigured("PublishPipeline needs the IncrementalState extension")
        settings = crawler.settings
        rule = FurnitureRule(
            settings.getint("NEWSCRAWL_FURNITURE_MIN_PAGES"),
            settings.getfloat("NEWSCRAWL_FURNITURE_MIN_SHARE"),
        )
        return cls(
            crawler,
            state.store,
            rule,
            settings.getint("NEWSCRAWL_MIN_BODY_CHARS"),
            ExtractionWorkers.pool_of(crawler),
        )

    def open_spider(self) -> None:
        sites = getattr(self.crawler.spider, "sites", ())
        self.ad_hoc = {site.key for site in sites if site.ad_hoc}
        self._hold_carried_over()

    def _hold_carried_over(self) -> None:
        """A resumed JOBDIR run publishes what the paused run had fetched but not published."""
        directory = carried_over_dir(self.crawler.settings)
        if directory is None or not directory.is_dir():
            return
        fields = {f.name for f in dataclasses.fields(Article)}
        count = 0
        for path in sorted(directory.iterdir()):
            for article in articles_in(path):
                with suppress(Staged):
                    self.process_item(Article(**{k: v for k, v in article.items() if k in fields}))
                count += 1
        logger.info("Holding %d article(s) fetched by the paused run (%s)", count, directory)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        body = adapter.get("articleBody") or ""
        rank = preference(
            repaired_injection="titleInjection" in (adapter.get("metadata") or {}),
            date_published=adapter.get("datePublished"),
            ad_hoc=adapter.get("site") in self.ad_hoc,
            alias=is_alias(adapter.get("url") or "", adapter.get("canonicalUrl")),
        )
        digest = attached(item, body, self.store.num_perm)
        detach(item)
        held = Held(
            item, self.store.sketch(body, digest.signature), digest.line_keys, digest.fingerprint
        )
        self.held.add(adapter.get("site") or "", rank, held)
        self.crawler.stats.inc_value(HELD)
        raise Staged("held for publication at the end of the run")

    async def close_spider(self) -> None:
        try:
            await self._publish()
        except self.store.unreachable as exc:
            # An article decided without the state would be published unrecorded, or lost as
            # a reject: the run publishes nothing (IncrementalState) and is fetched again.
            self.crawler.stats.set_value(STATE_UNREACHABLE, 1)
            logger.error(
                "State store unreachable while publishing (%s: %s): nothing of this "
                "run is published or recorded",
                type(exc).__name__,
                exc,
            )
        finally:
            self.held.close()

    async def _publish(self) -> None:
        """Publish: furniture per site, then every held article in order of preference."""
        self.store.begin_publication()  # held until the run's commit or rollback
        furniture = self.held.furniture(self.store, self.rule)
        with closing(self._stripped_ahead(furniture)) as articles:
            for site, held, stripped in articles:
                try:
                    item = self._publishable(site, held, await stripped)
                except Rejected as rejected:
                    await self._drop(rejected.item or held.item, rejected)
                except self.store.unreachable:
                    raise
                except Exception as exc:  # one article's failure is reported; the rest go out
                    await self._fail(held.item, exc)
                else:
                    await self._emit(item)

    def _stripped_ahead(
        self, furniture: dict[str, set[str]]
    ) -> Generator[tuple[str, Held, asyncio.Future[_Stripped]]]:
        """The held articles in order of preference, each with its body stripped of its site's
        furniture: a task started some articles ahead, so that the pool computes the digests of
        the bodies that changed in parallel while the decisions go on one article at a time."""
        ahead: deque[tuple[str, Held, asyncio.Future[_Stripped]]] = deque()
        try:
            for site, held in self.held.in_preference_order():
                stripping = asyncio.ensure_future(self._strip(held, furniture.get(site, set())))
                ahead.append((site, held, stripping))
                if len(ahead) > _AHEAD:
                    yield ahead.popleft()
            while ahead:
                yield ahead.popleft()
        finally:  # the publication stopped (the store unreachable): nothing left running
            for *_, unfinished in ahead:
                unfinished.cancel()

    async def _strip(self, held: Held, furniture: set[str]) -> _Stripped:
        body, removed = strip_furniture(
            ItemAdapter(held.item).get("articleBody") or "", furniture, held.keys_by_line
        )
        if not removed or len(body) < self.min_chars:
            return _Stripped(body, removed)
        return _Stripped(body, removed, await self._digest(body))

    async def _digest(self, body: str) -> BodyDigest:
        """``body``'s digest, computed in the pool if there is one (then in parallel and
        without loading the MinHash code, numpy, in the crawl process)."""
        if self.pool is not None:
            with suppress(NotExtractable):  # the pool gave up on it: computed here then
                return await self.pool.run(partial(body_digest, body, self.store.num_perm))
        return body_digest(body, self.store.num_perm)

    def _publishable(self, site: str, held: Held, stripped: _Stripped) -> Any:
        item = held.item
        adapter = ItemAdapter(item)
        sketch, fingerprint = held.sketch, held.fingerprint
        if removed := stripped.removed:
            self.crawler.stats.inc_value(f"{STRIPPED}furniture", len(removed))
            adapter["articleBody"] = stripped.body
            adapter["metadata"] = {**adapter.get("metadata", {}), "furnitureLines": len(removed)}
            if stripped.digest is None:
                raise Rejected(
                    Reason.TOO_SHORT,
                    f"{len(stripped.body)} chars < {self.min_chars} once the "
                    f"site's furniture ({len(removed)} lines) is removed",
                    item,
                )
            sketch = self.store.sketch(stripped.body, stripped.digest.signature)
            fingerprint = stripped.digest.fingerprint
        self._check_duplicates(adapter, sketch, fingerprint, item)
        self.store.stage_site_lines(site, held.line_keys)
        return item

    def _check_duplicates(
        self, adapter: ItemAdapter, sketch: Any, fingerprint: str, item: Any
    ) -> None:
        """Drops exact and near-duplicates of articles emitted before, by an earlier run or by a
        more preferred article of this one, and stages the article for the run's commit."""
        url = adapter["url"]
        adapter["fingerprint"] = fingerprint
        if self.store.first_with_fingerprint(fingerprint) == url:
            if adapter.get("metadata", {}).get("update"):
                raise Rejected(Reason.UNCHANGED, "fetched again as an update, text unchanged", item)
            # reached again under another address, e.g. an old URL redirecting to it
            raise Rejected(Reason.DUPLICATE, f"already emitted as {url}", item)
        if (first := self.store.claim(fingerprint, url)) is not None:
            raise Rejected(Reason.DUPLICATE, f"same body as {first}", item)
        if near := self.store.near_duplicate_of(sketch, exclude_url=url):
            raise Rejected(Reason.DUPLICATE, f"near-duplicate of {near}", item)
        self.store.stage(emitted_record(adapter), sketch)

    # Scrapy's scraper does this for an item that leaves the last pipeline; these articles
    # leave it only now, after the spider stopped producing pages.
    async def _emit(self, item: Any) -> None:
        spider = self.crawler.spider
        assert spider is not None  # the pipeline closes with its spider
        self._log(self.crawler.logformatter.scraped(item, None, spider))
        await self.crawler.signals.send_catch_log_async(
            signal=signals.item_scraped, item=item, response=None, spider=spider
        )

    async def _drop(self, item: Any, exception: Rejected) -> None:
        spider = self.crawler.spider
        assert spider is not None
        self._log(self.crawler.logformatter.dropped(item, exception, None, spider))
        await self.crawler.signals.send_catch_log_async(
            signal=signals.item_dropped,
            item=item,
            response=None,
            spider=spider,
            exception=exception,
        )

    async def _fail(self, item: Any, exception: Exception) -> None:
        spider = self.crawler.spider
        assert spider is not None
        self._log(
            self.crawler.logformatter.item_error(item, exception, None, spider), exc_info=True
        )
        await self.crawler.signals.send_catch_log_async(
            signal=signals.item_error,
            item=item,
            response=None,
            spider=spider,
            failure=Failure(exception),
        )

    def _log(self, logkws: Any, exc_info: bool = False) -> None:
        if logkws is not None:
            logger.log(
                *logformatter_adapter(logkws),
                extra={"spider": self.crawler.spider},
                exc_info=exc_info,
            )
