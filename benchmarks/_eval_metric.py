"""The article-extraction-benchmark metric (ScrapingHub, MIT), as ../shared/README.md describes it.

Per page: both texts become ``\\w+`` tokens (Unicode) and multisets of 4-token shingles;
TP = shared shingles (the smaller count of each), FP = predicted extra, FN = missing; the three are
normalised to sum to 1, so long pages weigh no more than short ones. Over pages: precision is the
mean of TP/(TP+FP), recall the mean of TP/(TP+FN), F1 the harmonic mean of the two means.

Edge cases, as the benchmark's own ``evaluate.py`` settles them where the README is silent:
a text of 1-3 tokens is one shorter shingle; a page with no predicted shingles has no precision
(left out of the precision mean; its recall is 0) and a page with no true shingles no recall.
A page with no predicted and no true shingles scores 1 for both (README).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean

__all__ = ["PageScore", "Summary", "score_page", "shingles", "summarize"]

_TOKEN = re.compile(r"\w+")
SHINGLE_SIZE = 4


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of the ``size``-token shingles of ``text`` (one shorter shingle for a short
    text, none for a text without tokens)."""
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1)))


@dataclass(frozen=True)
class PageScore:
    tp: float  # normalised: tp + fp + fn == 1, or all three 0 when both texts are empty
    fp: float
    fn: float

    @property
    def both_empty(self) -> bool:
        return self.tp == self.fp == self.fn == 0

    @property
    def precision(self) -> float | None:
        if self.both_empty:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        if self.both_empty:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float:
        """The page's own F1, 2TP/(2TP+FP+FN), for comparing two systems page by page."""
        if self.both_empty:
            return 1.0
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)


def score_page(true: str, predicted: str) -> PageScore:
    expected, found = shingles(true), shingles(predicted)
    tp = sum((expected & found).values())
    fp = sum((found - expected).values())
    fn = sum((expected - found).values())
    total = tp + fp + fn
    if not total:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True)
class Summary:
    precision: float
    recall: float
    f1: float
    pages: int


def _mean(values: Iterable[float | None]) -> float:
    defined = [v for v in values if v is not None]
    return fmean(defined) if defined else 0.0


def summarize(scores: Iterable[PageScore]) -> Summary:
    pages = list(scores)
    precision = _mean(s.precision for s in pages)
    recall = _mean(s.recall for s in pages)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Summary(precision, recall, f1, len(pages))
