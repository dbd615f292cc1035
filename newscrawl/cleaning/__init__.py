"""Text cleaning for extracted news articles: pure functions, no Scrapy."""

from newscrawl.cleaning.chain import Cleaned, CleaningOptions, SiteContext, clean_article
from newscrawl.cleaning.footer import Stripped, strip_boilerplate
from newscrawl.cleaning.lexicon import Lexicon, LexiconHit, load_lexicon
from newscrawl.cleaning.normalize import normalize_line, normalize_text
from newscrawl.cleaning.quality import check_quality
from newscrawl.cleaning.spam import TitleInjection, find_title_injection, repair_body

__all__ = [
    "Cleaned",
    "CleaningOptions",
    "Lexicon",
    "LexiconHit",
    "SiteContext",
    "Stripped",
    "TitleInjection",
    "check_quality",
    "clean_article",
    "find_title_injection",
    "load_lexicon",
    "normalize_line",
    "normalize_text",
    "repair_body",
    "strip_boilerplate",
]
