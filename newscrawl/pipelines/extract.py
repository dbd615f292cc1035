"""``ExtractPipeline``: ``Page`` -> clean ``Article``, in a pool of worker processes
(``newscrawl.extraction.pool``): trafilatura (``newscrawl.extraction.article``), then the
cleaning chain (``newscrawl.cleaning.clean_article``)."""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from newscrawl.accounting import (
    EXTRACT_EVENT,
    JSON_DROPPED,
    REPAIRED_BODY,
    REPAIRED_TITLE,
    STRIPPED,
    Reason,
)
from newscrawl.bodysketch import attach
from newscrawl.cleaning.chain import REPAIR, Cleaned, CleaningOptions, SiteContext
from newscrawl.conformance import utc_seconds
from newscrawl.dates import to_moment
from newscrawl.extensions.workers import ExtractionWorkers
from newscrawl.extraction import Extracted, Extraction, NotExtractable, extract_and_sketch
from newscrawl.extraction.pool import ExtractorPool
from newscrawl.history import FOOTER_STRIPPED, KEPT, lost_layout_lines, residue_key
from newscrawl.items import Article, Page
from newscrawl.pipelines import Rejected
from newscrawl.state.minhash import NUM_PERM

logger = logging.getLogger(__name__)


def _extraction(page: Page, options: CleaningOptions) -> partial[Extracted]:
    """The extraction of ``page`` as a call that pickles by reference to ``newscrawl.extraction``:
    to run it, a worker process need not import this module (Scrapy, the state store). The
    page carries its site's context (language, timezone, patterns, selectors) from the spider."""
    site = SiteContext(language=page.language, footer_patterns=page.footer_patterns)
    return partial(
        extract_and_sketch,
        page.html,
        page.url,
        num_perm=NUM_PERM,
        timezone=page.timezone,
        hints=page.hints,
        prune_xpath=page.prune_xpath,
        site=site,
        options=options,
    )


def _metadata(page: Page, found: Extraction, cleaned: Cleaned) -> dict[str, Any]:
    return {
        "dateDownloaded": utc_seconds(page.downloaded),
        "encoding": page.encoding,
        "dateSource": found.date_source,
        "expectedLanguage": page.language,
        **({"update": True} if page.update else {}),
        **(
            {"titleInjection": cleaned.title_injection}
            if cleaned.title_injection and cleaned.rejection is None
            else {}
        ),
        **({"bodyRepairs": repairs} if (repairs := cleaned.repairs) else {}),
    }


def _article(page: Page, found: Extraction, cleaned: Cleaned) -> Article:
    return Article(
        url=page.url,
        site=page.site,
        headline=cleaned.headline,
        articleBody=cleaned.body,
        canonicalUrl=found.canonical_url,
        description=cleaned.description,
        datePublished=found.date_published,
        dateModified=found.date_modified,
        authors=[{"name": name} for name in found.authors],
        inLanguage=found.language or page.language,
        mainImage={"url": found.image} if found.image else None,
        breadcrumbs=found.breadcrumbs,
        sourceCredit=cleaned.source_credit,
        metadata=_metadata(page, found, cleaned),
    )


class ExtractPipeline:
    """``Page`` → ``Article``: extraction and cleaning in the crawl's pool of worker processes
    (``newscrawl.extensions.workers.ExtractionWorkers``: NEWSCRAWL_EXTRACT_WORKERS processes, its
    time limit NEWSCRAWL_EXTRACTION_TIMEOUT). Without a pool (NEWSCRAWL_EXTRACT_WORKERS=0, or the
    extension left out of EXTENSIONS) it extracts in-process (debugging, profiling), without a
    time limit: a call running in the crawl's own thread cannot be stopped. Never is a page
    dropped unreported: a page the pool gives up on is rejected with the pool's reason
    (``extraction-timeout``, ``extraction-crashed``).
    """

    def __init__(
        self,
        pool: ExtractorPool | None,
        stats: StatsCollector,
        options: CleaningOptions,
        crawler: Crawler | None = None,
        queue: int = 0,
    ) -> None:
        self.pool = pool
        self.stats = stats
        self.options = options
        self.crawler = crawler
        self.since: date | None = None  # -a since: an article published before is not emitted
        self.queue = queue  # pages waiting for the pool that pause the engine; 0: never
        self.waiting = 0
        self.paused_downloads = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if crawler.get_extension(ExtractionWorkers) is None and settings.getint(
            "NEWSCRAWL_EXTRACT_WORKERS"
        ):
            logger.warning(
                "ExtractionWorkers is not in EXTENSIONS: pages are extracted in the crawl "
                "process, whatever NEWSCRAWL_EXTRACT_WORKERS says"
            )
        return cls(
            ExtractionWorkers.pool_of(crawler),
            crawler.stats,
            cleaning_options(settings),
            crawler,
            max(settings.getint("NEWSCRAWL_EXTRACT_QUEUE"), 0),
        )

    def open_spider(self) -> None:
        spider = self.crawler.spider if self.crawler else None
        self.since = getattr(spider, "since", None)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        extraction = _extraction(item, self.options)
        try:
            found, cleaned, digest = (
                await self._in_pool(self.pool, extraction)
                if self.pool is not None
                else extraction()
            )
        except NotExtractable as exc:
            raise Rejected(exc.reason, exc.evidence) from exc
        if found.dropped_json:
            self.stats.inc_value(JSON_DROPPED, len(found.dropped_json))
            logger.info(
                "JSON scripts of %s dropped unread: %s", item.url, "; ".join(found.dropped_json)
            )
        article = _article(item, found, cleaned)
        attach(article, digest)
        self._count(cleaned, item.site)
        if cleaned.rejection is not None:
            raise Rejected(*cleaned.rejection, article)
        if (
            self.since
            and (published := to_moment(article.datePublished, None))
            and (published.date() < self.since)
        ):  # sources that gave no date: the page's own
            raise Rejected(Reason.OLDER_THAN_SINCE, f"published {article.datePublished}", article)
        return article

    async def _in_pool(self, pool: ExtractorPool, extraction: partial[Extracted]) -> Extracted:
        engine = self.crawler.engine if self.crawler else None
        self.waiting += 1
        if engine and self.queue and self.waiting >= self.queue and not self.paused_downloads:
            engine.pause()
            self.paused_downloads = True
            self._count_pool_event("downloads-paused")
        try:
            return await pool.run(extraction)
        finally:
            self.waiting -= 1
            # a page finishing its way through Scrapy's scraper wakes the engine up
            if engine and self.paused_downloads and self.waiting <= self.queue // 2:
                engine.unpause()
                self.paused_downloads = False

    def _count(self, cleaned: Cleaned, site: str) -> None:
        for kind, _text in cleaned.removed:
            self.stats.inc_value(REPAIRED_BODY if kind == REPAIR else f"{STRIPPED}{kind}")
        if cleaned.rejection is None:  # per site, for the run history's residue signals
            self.stats.inc_value(residue_key(site, KEPT))
            if lost_layout_lines(k for k, _text in cleaned.removed if k != REPAIR):
                self.stats.inc_value(residue_key(site, FOOTER_STRIPPED))
        if cleaned.title_injection and cleaned.rejection is None:
            self.stats.inc_value(REPAIRED_TITLE)

    def _count_pool_event(self, event: str) -> None:
        self.stats.inc_value(f"{EXTRACT_EVENT}{event}")


def cleaning_options(settings: BaseSettings) -> CleaningOptions:
    """The cleaning chain's options from the ``NEWSCRAWL_*`` settings (its defaults for those
    not set, as in a crawler built without the project's settings)."""
    default = CleaningOptions()
    return CleaningOptions(
        spam_action=settings.get("NEWSCRAWL_SPAM_TITLE_ACTION", default.spam_action),
        extra_terms=tuple(settings.getlist("NEWSCRAWL_SPAM_EXTRA_TERMS")),
        allow_terms=tuple(settings.getlist("NEWSCRAWL_SPAM_ALLOW_TERMS")),
        unify_tone_marks=settings.getbool("NEWSCRAWL_UNIFY_TONE_MARKS"),
        min_chars=settings.getint("NEWSCRAWL_MIN_BODY_CHARS", default.min_chars),
        check_language=settings.getbool("NEWSCRAWL_CHECK_LANGUAGE", default.check_language),
    )
