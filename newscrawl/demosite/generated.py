"""Synthetic Vietnamese articles for benchmarks: `/gen/<i>.html`, built on request.

Text comes from the word bank in data/wordbank.json, seeded by the page index, so every page is
different but the same on every run, and nothing is precomputed (N may be 100,000 or more).
"""

import json
import math
import random
import string
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from .content import DATA_DIR, Article

SITEMAP_LIMIT = 10_000  # URLs per generated sitemap file
ICT = timezone(timedelta(hours=7))
EPOCH = datetime(2021, 1, 1, 6, 0, tzinfo=ICT)
_FORMATTER = string.Formatter()


@cache
def _bank() -> dict[str, Any]:
    return json.loads((DATA_DIR / "wordbank.json").read_text(encoding="utf-8"))


def generated_path(index: int) -> str:
    return f"/gen/{index}.html"


def sitemap_count(total: int) -> int:
    return math.ceil(total / SITEMAP_LIMIT)


def sitemap_indices(number: int, total: int) -> range:
    """Page indices listed in /sitemap-gen-<number>.xml (number starts at 1)."""
    start = (number - 1) * SITEMAP_LIMIT
    return range(start, min(start + SITEMAP_LIMIT, total))


def generated_dates(index: int) -> tuple[datetime, datetime]:
    """(published, modified), cheap enough for sitemaps of 10,000 entries."""
    published = EPOCH + timedelta(minutes=37 * index)
    return published, published + timedelta(minutes=random.Random(index).randrange(180))


def generated_headline(index: int) -> str:
    return _start(index)[1]


def generated_article(index: int, image_host: str) -> Article:
    rng, headline = _start(index)
    bank = _bank()
    published, modified = generated_dates(index)
    return Article(
        slug=f"gen-{index}",
        url_path=generated_path(index),
        section=rng.choice(bank["sections"]),
        headline=headline,
        description=_fill(rng, rng.choice(bank["sentences"])),
        paragraphs=_paragraphs(rng, rng.randint(400, 800)),
        authors=tuple(rng.sample(bank["authors"], rng.randint(1, 2))),
        date_published=published.isoformat(),
        date_modified=modified.isoformat(),
        image_url=f"{image_host}/gen/{index}.jpg",
        image_caption=_fill(rng, "Một góc {place} trong {period}."),
        kind="generated",
    )


def _start(index: int) -> tuple[random.Random, str]:
    # The first draw is generated_dates' offset; the headline comes next so it is cheap alone.
    rng = random.Random(index)
    rng.randrange(180)
    return rng, _fill(rng, rng.choice(_bank()["headlines"]))


def _paragraphs(rng: random.Random, target_words: int) -> tuple[str, ...]:
    templates = _bank()["sentences"]
    paragraphs: list[str] = []
    words = 0
    while words < target_words:
        text = " ".join(_fill(rng, rng.choice(templates)) for _ in range(rng.randint(2, 4)))
        paragraphs.append(text)
        words += len(text.split())
    return tuple(paragraphs)


def _fill(rng: random.Random, template: str) -> str:
    """Fill each {slot} independently (a slot used twice gets two different values)."""
    slots = _bank()["slots"]
    parts: list[str] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(template):
        parts.append(literal)
        if name == "number":
            parts.append(f"{rng.randint(12, 98_000):,}".replace(",", "."))
        elif name == "percent":
            parts.append(str(rng.randint(3, 95)))
        elif name:
            parts.append(rng.choice(slots[name]))
    text = "".join(parts)
    return text[:1].upper() + text[1:]
