"""Imported by the extraction pool's forkserver before it forks a worker: extracts, cleans and
sketches one sample page, so that every worker forked afterwards starts warm.

A fresh process spends its first pages building what trafilatura, lxml, htmldate, the cleaning
chain and the MinHash compile or load on first use (regular expressions, XPath expressions,
MinHash permutations, htmldate's date parser): measured on the benchmark pages, its first ten
pages cost ~110 ms each against ~43 ms once warm, ~0.6 s in all. Done once in the forkserver,
the workers inherit it instead of each paying it at the start of the run.
"""

from __future__ import annotations

import logging

from newscrawl.cleaning.chain import CleaningOptions, SiteContext
from newscrawl.extraction import extract_and_sketch
from newscrawl.state.minhash import NUM_PERM

logger = logging.getLogger(__name__)

_PARAGRAPH = (
    "The city council approved the new budget on Tuesday after a long debate over "
    "transport, schools and the harbour, officials said in a statement. "
)
SAMPLE_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Council approves budget | Sample News</title>
<meta property="og:type" content="article"><meta property="og:title" content="Council approves
budget"><meta name="description" content="The council approved the budget.">
<meta property="article:published_time" content="2024-03-05T10:00:00+00:00">
<link rel="canonical" href="https://news.example/2024/03/budget.html">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Council approves budget", "datePublished": "2024-03-05T10:00:00+00:00",
"author": {{"@type": "Person", "name": "Jane Doe"}}}}</script></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<main><article><h1>Council approves budget</h1><p class="byline">By Jane Doe</p>
<time datetime="2024-03-05">5 March 2024</time>
{"".join(f"<p>{_PARAGRAPH * 3}({n})</p>" for n in range(8))}
<table><tr><td>Transport</td><td>12%</td></tr></table></article>
<aside class="related"><a href="/a">Related story</a></aside></main>
<footer>Copyright 2024 Sample News. All rights reserved.</footer></body></html>"""


def _load_date_parser() -> None:
    """What htmldate loads the first time a page's metadata has no date: dateparser, and the
    month names of all its ~200 locales (~0.2 s, and the locale modules' memory). The sample
    page has a date, so its extraction does not load them. htmldate's own (cached) loaders:
    should they move, the workers load them on first use as before."""
    try:
        from htmldate.extractors import get_external_parser, month_words
    except ImportError:
        return

    month_words()
    get_external_parser()


def warm_up() -> None:
    try:
        _load_date_parser()
        extract_and_sketch(
            SAMPLE_PAGE,
            "https://news.example/2024/03/budget.html",
            num_perm=NUM_PERM,
            timezone=None,
            site=SiteContext(language="en"),
            options=CleaningOptions(check_language=False),
        )
    # The forkserver imports this module: an exception here would break the pool, when all a
    # failed warm-up costs is slower first pages.
    except Exception as exc:
        logger.warning(
            "Extraction warm-up failed (%s: %s); workers start cold", type(exc).__name__, exc
        )


warm_up()
