"""The cleaning chain, once: ``clean_article`` takes an extracted article and returns it clean,
with every removal recorded by kind, or the reason it must not be published.

Order: the text is normalized once; the headline's injection is detected once (on the body the
farm pasted its copies into, which the detector discounts); the body is repaired (glued title
copies, stray CJK, a repeated lead), its boilerplate stripped (teasers, credits, related boxes,
player residue, the site's own line patterns); then the quality gate. The pipelines (in the
extraction workers) and the benchmarks call this one function.

Whether the Vietnamese rules apply is decided from the body, not assumed: a page from an ad-hoc
source without ``<html lang>`` may be Chinese, English or German.

Pure, no Scrapy; picklable inputs, so it runs in the extraction worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from newscrawl.accounting import Reason
from newscrawl.cleaning.footer import strip_boilerplate
from newscrawl.cleaning.lexicon import Lexicon, load_lexicon
from newscrawl.cleaning.normalize import normalize_line, normalize_text
from newscrawl.cleaning.quality import check_quality, is_vietnamese
from newscrawl.cleaning.spam import find_title_injection, repair_body

__all__ = ["Cleaned", "CleaningOptions", "SiteContext", "clean_article"]

SPAM_ACTIONS = ("drop", "repair")
REPAIR = "repair"  # the kind of a body repair among the removals


@dataclass(frozen=True)
class CleaningOptions:
    """The run's cleaning settings (``NEWSCRAWL_*``)."""

    spam_action: str = "drop"
    extra_terms: tuple[str, ...] = ()
    allow_terms: tuple[str, ...] = ()
    unify_tone_marks: bool = False
    min_chars: int = 200
    check_language: bool = True

    def __post_init__(self) -> None:
        if self.spam_action not in SPAM_ACTIONS:
            raise ValueError(
                f"NEWSCRAWL_SPAM_TITLE_ACTION must be drop or repair, not {self.spam_action!r}"
            )

    def lexicon(self) -> Lexicon:
        return load_lexicon(self.extra_terms, self.allow_terms)  # cached per (extra, allow)


@dataclass(frozen=True)
class SiteContext:
    """What the registry says of the article's site."""

    language: str | None = None  # the language its articles must be in (quality gate)
    footer_patterns: tuple[str, ...] = ()  # its own boilerplate line regexes


@dataclass(frozen=True)
class Cleaned:
    headline: str
    body: str
    description: str | None
    source_credit: str | None
    vietnamese: bool  # whether the Vietnamese rules applied
    removed: tuple[tuple[str, str], ...] = ()  # (kind, text): repairs and stripped lines
    title_injection: str | None = None  # evidence of a headline injection (dropped or repaired)
    rejection: tuple[str, str] | None = None  # (reason, evidence): not to be published

    @property
    def repairs(self) -> list[str]:
        """Notes of the body repairs (``metadata.bodyRepairs``)."""
        return [note for kind, note in self.removed if kind == REPAIR]


def clean_article(
    headline: str,
    body: str,
    *,
    description: str | None = None,
    site: SiteContext = SiteContext(),
    options: CleaningOptions = CleaningOptions(),
    credit_hints: tuple[str, ...] = (),
) -> Cleaned:
    """The article clean, with ``rejection`` set when it must not be published. The chain runs
    to the end for a rejected article too, so that its cleaned body can be inspected.
    ``credit_hints`` are texts of the page's elements named as sources or bylines
    (``newscrawl.extraction.article``)."""
    vietnamese = is_vietnamese(body)
    normal = {"vietnamese": vietnamese, "unify_tone_marks": options.unify_tone_marks}
    raw_headline = normalize_line(headline, **normal)
    body = normalize_text(body, **normal)
    description = normalize_line(description, **normal) if description else description
    lexicon = options.lexicon()
    injection = find_title_injection(raw_headline, body, lexicon)
    headline, evidence = raw_headline, None
    problem: tuple[str, str] | None = None
    if injection is not None:
        evidence = f"{injection.phrase!r} ({injection.where})"
        if options.spam_action == "drop" or not injection.cleaned:
            problem = (Reason.SPAM_TITLE, evidence)
        else:
            headline = injection.cleaned
    body, repairs = repair_body(body, raw_headline, lexicon, language="vi" if vietnamese else "")
    stripped = strip_boilerplate(
        body,
        headline,
        extra_line_patterns=site.footer_patterns,
        vietnamese=vietnamese,
        credit_hints=credit_hints,
    )
    removed = tuple((REPAIR, note) for note in repairs) + stripped.removed
    problem = problem or check_quality(
        headline,
        stripped.body,
        min_chars=options.min_chars,
        expected_language=site.language if options.check_language else None,
    )
    return Cleaned(
        headline,
        stripped.body,
        description,
        stripped.source_credit,
        vietnamese,
        removed=removed,
        title_injection=evidence,
        rejection=problem,
    )
