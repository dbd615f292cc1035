"""The cleaning pipelines: thin glue over ``newscrawl.cleaning``."""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from newscrawl.cleaning import (
    check_quality,
    find_title_injection,
    load_lexicon,
    normalize_line,
    normalize_text,
    repair_body,
    strip_boilerplate,
)
from newscrawl.pipelines import Rejected


class NormalizePipeline:
    def __init__(self, unify_tone_marks: bool) -> None:
        self.unify_tone_marks = unify_tone_marks

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getbool("NEWSCRAWL_UNIFY_TONE_MARKS"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        vietnamese = (adapter.get("inLanguage") or "vi") == "vi"
        options = {"vietnamese": vietnamese, "unify_tone_marks": self.unify_tone_marks}
        for name in ("headline", "description"):
            if adapter.get(name):
                adapter[name] = normalize_line(adapter[name], **options)
        if adapter.get("articleBody"):
            adapter["articleBody"] = normalize_text(adapter["articleBody"], **options)
        return item


def _lexicon(settings: BaseSettings) -> Any:
    return load_lexicon(settings.getlist("NEWSCRAWL_SPAM_EXTRA_TERMS"),
                        settings.getlist("NEWSCRAWL_SPAM_ALLOW_TERMS"))


class SpamTitlePipeline:
    """Drops (or repairs, by setting) items whose headline carries injected SEO spam."""

    def __init__(self, lexicon: Any, action: str, stats: StatsCollector) -> None:
        if action not in ("drop", "repair"):
            raise NotConfigured(f"NEWSCRAWL_SPAM_TITLE_ACTION must be drop or repair: {action!r}")
        self.lexicon = lexicon
        self.action = action
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(_lexicon(crawler.settings), crawler.settings.get("NEWSCRAWL_SPAM_TITLE_ACTION"),
                   crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        found = find_title_injection(adapter.get("headline") or "",
                                     adapter.get("articleBody") or "", self.lexicon)
        if found is None:
            return item
        evidence = f"{found.phrase!r} ({found.where})"
        if self.action == "drop" or not found.cleaned:  # nothing left to repair
            raise Rejected("spam-title", evidence, item)
        self.stats.inc_value("newscrawl/repaired/spam-title")
        adapter["headline"] = found.cleaned
        adapter["metadata"] = {**adapter.get("metadata", {}), "titleInjection": evidence}
        return item


class BodyRepairPipeline:
    """Cuts spam fragments glued into the body, stray CJK runs and a duplicated lead."""

    def __init__(self, lexicon: Any, stats: StatsCollector) -> None:
        self.lexicon = lexicon
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(_lexicon(crawler.settings), crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        body, repairs = repair_body(adapter.get("articleBody") or "", adapter.get("headline") or "",
                                    self.lexicon, language=adapter.get("inLanguage") or "vi")
        if repairs:
            self.stats.inc_value("newscrawl/repaired/body", len(repairs))
            adapter["articleBody"] = body
            adapter["metadata"] = {**adapter.get("metadata", {}), "bodyRepairs": repairs}
        return item


class FooterPipeline:
    """Strips footers, player residue and teasers; keeps the source credit as a field."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.site_patterns: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        sites = getattr(self.crawler.spider, "sites", ())
        self.site_patterns = {site.key: site.footer_patterns for site in sites}

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        stripped = strip_boilerplate(
            adapter.get("articleBody") or "", adapter.get("headline") or "",
            extra_line_patterns=self.site_patterns.get(adapter.get("site"), ()),
        )
        adapter["articleBody"] = stripped.body
        if stripped.source_credit:
            adapter["sourceCredit"] = stripped.source_credit
        for kind, _line in stripped.removed:
            self.crawler.stats.inc_value(f"newscrawl/stripped/{kind}")
        return item


class QualityPipeline:
    def __init__(self, min_chars: int, check_language: bool) -> None:
        self.min_chars = min_chars
        self.check_language = check_language

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("NEWSCRAWL_MIN_BODY_CHARS"),
                   crawler.settings.getbool("NEWSCRAWL_CHECK_LANGUAGE"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        expected = adapter.get("metadata", {}).get("expectedLanguage")
        problem = check_quality(adapter.get("headline") or "", adapter.get("articleBody") or "",
                                expected_language=expected if self.check_language else None,
                                min_chars=self.min_chars)
        if problem:
            raise Rejected(*problem, item)
        return item


