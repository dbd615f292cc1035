"""Feed exporters of the article output: Scrapy's JSON lines and JSON, without empty arrays.

An article with no author or breadcrumb leaves ``authors`` / ``breadcrumbs`` out rather than
writing ``[]`` (zyte-common-items' convention: a field is absent when the page has nothing for
it). Every other field is written as the item holds it.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exporters import JsonItemExporter, JsonLinesItemExporter

from newscrawl.conformance import without_empty_arrays


class ArticleJsonLinesExporter(JsonLinesItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(without_empty_arrays(ItemAdapter(item)))


class ArticleJsonExporter(JsonItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(without_empty_arrays(ItemAdapter(item)))
