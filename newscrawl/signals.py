"""Signals of newscrawl's own, beside Scrapy's."""

# A page or request given up before it became an item: kwargs url, reason, evidence, site.
page_rejected = object()
