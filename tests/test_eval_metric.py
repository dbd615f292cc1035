"""The article-extraction-benchmark metric of benchmarks/_eval_metric.py, on hand-computed cases.

Needs nothing outside the checkout (no ../shared).
"""

from __future__ import annotations

import sys

import pytest
from conftest import PROJECT

sys.path.append(str(PROJECT / "benchmarks"))

from _eval_metric import PageScore, score_page, shingles, summarize

TEXT = "Giá vàng SJC tăng 500.000 đồng mỗi lượng trong phiên sáng nay."


def test_identical_texts_score_one() -> None:
    page = score_page(TEXT, TEXT)
    assert (page.precision, page.recall, page.f1) == (1.0, 1.0, 1.0)
    assert summarize([page]).f1 == 1.0


def test_disjoint_texts_score_zero() -> None:
    page = score_page("một hai ba bốn năm", "sáu bảy tám chín mười")
    assert (page.precision, page.recall, page.f1) == (0.0, 0.0, 0.0)
    assert summarize([page]).f1 == 0.0


def test_both_empty_scores_one() -> None:
    page = score_page("", " ,.; ")  # no \w+ token, hence no shingle, on either side
    assert (page.tp, page.fp, page.fn) == (0.0, 0.0, 0.0)
    assert (page.precision, page.recall, page.f1) == (1.0, 1.0, 1.0)


def test_partial_overlap() -> None:
    # true shingles: (a b c d) (b c d e); predicted: (a b c d) (b c d x)
    # TP 1, FP 1, FN 1 -> normalised to 1/3 each; P = R = 1/2
    page = score_page("a b c d e", "a b c d x")
    assert page.tp == page.fp == page.fn == pytest.approx(1 / 3)
    assert page.precision == pytest.approx(0.5)
    assert page.recall == pytest.approx(0.5)


def test_prediction_missing_the_end() -> None:
    # true: (one two three four) (two three four five) (three four five six); predicted: the first
    # TP 1, FP 0, FN 2 -> P 1, R 1/3
    page = score_page("one two three four five six", "one two three four")
    assert page.precision == 1.0
    assert page.recall == pytest.approx(1 / 3)


def test_shingles_are_a_multiset() -> None:
    # "a b c d a b c d": (a b c d) twice, (b c d a), (c d a b), (d a b c) -> 5 shingles
    assert shingles("a b c d a b c d")[("a", "b", "c", "d")] == 2
    page = score_page("a b c d a b c d", "a b c d")  # TP 1, FP 0, FN 4
    assert page.precision == 1.0
    assert page.recall == pytest.approx(1 / 5)


def test_tokens_are_unicode_words_punctuation_ignored_case_kept() -> None:
    assert score_page("Giá vàng, hôm nay!", "Giá vàng hôm nay").f1 == 1.0
    assert score_page("Giá vàng hôm nay", "giá vàng hôm nay").f1 == 0.0
    assert list(shingles("Hà Nội, 16/6")) == [("Hà", "Nội", "16", "6")]


def test_short_text_is_one_shorter_shingle() -> None:
    assert list(shingles("Theo Reuters")) == [("Theo", "Reuters")]
    assert score_page("Theo Reuters", "Theo Reuters").f1 == 1.0


def test_means_over_pages_and_harmonic_f1() -> None:
    pages = [
        score_page("one two three four five six", "one two three four"),  # P 1, R 1/3
        score_page("a b c d e", "a b c d x"),
    ]  # P 1/2, R 1/2
    summary = summarize(pages)
    assert summary.precision == pytest.approx(3 / 4)
    assert summary.recall == pytest.approx(5 / 12)
    assert summary.f1 == pytest.approx(15 / 28)  # 2 * 3/4 * 5/12 / (3/4 + 5/12)
    assert summary.pages == 2


def test_empty_prediction_has_no_precision_and_zero_recall() -> None:
    empty = score_page(TEXT, "")
    assert (empty.precision, empty.recall, empty.f1) == (None, 0.0, 0.0)
    summary = summarize([score_page(TEXT, TEXT), empty])
    assert (summary.precision, summary.recall) == (1.0, 0.5)  # precision over one page only
    assert summary.f1 == pytest.approx(2 / 3)


def test_page_f1_is_two_tp_over_two_tp_fp_fn() -> None:
    assert PageScore(0.5, 0.25, 0.25).f1 == pytest.approx(2 * 0.5 / (2 * 0.5 + 0.5))
