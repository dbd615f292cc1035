"""Last checks before an article is kept: a headline, enough text, the expected language."""

from __future__ import annotations

import re

from newscrawl.accounting import Reason

__all__ = ["check_quality", "detect_language", "is_vietnamese", "load_language_model"]

_MIN_CHARS_FOR_LANGUAGE = 200  # shorter texts are classified unreliably
# py3langid walks the text byte by byte in Python (~0.5 us a byte): a sample this long is
# plenty for a news paragraph's language and keeps the check near 0.3 ms.
_LANGUAGE_SAMPLE_CHARS = 600
# Letters only Vietnamese writes: ă đ ơ ư and the tone-marked vowels of U+1EA0-U+1EF9. They make
# up 15-20% of the characters of Vietnamese prose and ~3% of English text naming Vietnamese
# people ('Nguyễn Văn Thành in Hà Nội'); above this share the model need not be asked.
_VIETNAMESE_ONLY = re.compile("[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
_CERTAINLY_VIETNAMESE = 0.08
_VIETNAMESE_TEXT = 0.05


def _vietnamese_share(text: str) -> float:
    sample = text[:_LANGUAGE_SAMPLE_CHARS]
    return len(_VIETNAMESE_ONLY.findall(sample)) / len(sample) if sample else 0.0


def is_vietnamese(text: str) -> bool:
    """Whether ``text`` is Vietnamese prose, by its share of Vietnamese-only letters: a sports
    report full of foreign names still has 7-8 %, English naming Vietnamese people about 3 %."""
    return _vietnamese_share(text) >= _VIETNAMESE_TEXT


def _classify(text: str) -> str:
    """py3langid's language of ``text``. py3langid is imported here, when first needed: it
    brings numpy (~11 MiB, 0.14 s), which the crawl process, where the cleaning chain is
    imported but does not run, can do without."""
    import py3langid

    language, _score = py3langid.classify(text)
    return str(language)


def load_language_model() -> None:
    """Load py3langid's model now rather than on the first text it classifies."""
    _classify("")


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``, from py3langid (loaded once) unless plainly Vietnamese."""
    if _vietnamese_share(text) >= _CERTAINLY_VIETNAMESE:
        return "vi"
    return _classify(text[:_LANGUAGE_SAMPLE_CHARS])


def check_quality(
    headline: str, body: str, *, expected_language: str | None, min_chars: int
) -> tuple[str, str] | None:
    """``(reason, evidence)`` for an article not worth keeping, else None.

    Reasons: ``no-headline``, ``too-short`` (fewer than ``min_chars`` characters of body) and
    ``wrong-language`` (only judged on bodies of 200+ characters).
    """
    if not headline.strip():
        return Reason.NO_HEADLINE, "headline is empty"
    size = len(body.strip())
    if size < min_chars:
        return Reason.TOO_SHORT, f"{size} chars < {min_chars}"
    if expected_language and size >= _MIN_CHARS_FOR_LANGUAGE:
        detected = detect_language(body.strip())
        if detected != expected_language.lower().split("-")[0]:
            return Reason.WRONG_LANGUAGE, f"detected {detected} (expected {expected_language})"
    return None
