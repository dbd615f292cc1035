"""Injected SEO spam: keywords pasted into headlines, and the damage the same farms do to bodies.

The rule is injection, not topic. A headline is flagged when spam vocabulary sits in an injection
shape (a keyword in 【…】 or 〖…〗, pasted before or after the real title, search queries glued
together, look-alike letters from other scripts), when it shows a strong spam keyword that the body
never discusses, or when it carries spam vocabulary over a body about something else (a farm's
title above a copied article). Gambling, lottery, casino and loan *news* keeps its headline: its
body discusses the same thing. The farm's own copies in the body (the headline pasted in, the
keyword glued to a de-spaced copy of the title) never count as the body discussing anything.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from newscrawl.cleaning.lexicon import (
    Folded,
    Lexicon,
    LexiconHit,
    fold_confusables,
    has_word,
    lower_same_length,
    word_spans,
)
from newscrawl.cleaning.normalize import normalize_line, normalize_text

__all__ = ["TitleInjection", "find_title_injection", "repair_body"]


@dataclass(frozen=True)
class TitleInjection:
    phrase: str  # the injected text as written in the headline, without brackets or separators
    # 'bracket-prefix'|'bracket-suffix'|'prefix'|'suffix'|'glued-queries'|'off-topic'
    # |'farm-title' (the whole headline is the farm's)|'homoglyph' (look-alike letters)
    where: str
    cleaned: str  # headline with the injection removed; '' when no real title is left


_BRACKETED = (
    r"(?:【[^】]{1,120}】|〖[^〗]{1,120}〗|\[[^\]]{1,120}\]|\([^)]{1,120}\)"
    r"|\uff08[^\uff09]{1,120}\uff09)"
)
_LEADING_BRACKET = re.compile(rf"\s*{_BRACKETED}")
_TRAILING_BRACKET = re.compile(rf"{_BRACKETED}\s*$")
_BRACKETS = "【】〖〗[]()\uff08\uff09"  # fullwidth ( ) too
# Lenticular brackets are never put around keywords by real Vietnamese papers: spam vocabulary in
# them is an injection whatever the body says (the farm pastes the keyword into the body too).
_FANCY_BRACKETS = "【〖"
# Title separators: pipes, spaced dashes, and a colon followed by a space.
_SEPARATOR = re.compile(r"\s*[|\uff5c]\s*|\s+[-\u2013\u2014]\s+|(?<=\S):\s+")
_EDGE_PUNCTUATION = " |\uff5c-\u2013\u2014:"
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\S+")
# Words that say nothing about a subject: the filler of spam queries ("soi kèo leipzig hôm nay",
# "soi cầu miền bắc 24 giờ") and Vietnamese function words and pronouns, which any long body
# contains. They are no evidence that a headline and a body share a subject.
_UNINFORMATIVE = frozenset(
    (
        "hôm",
        "nay",
        "qua",
        "tối",
        "đêm",
        "mai",
        "mới",
        "nhất",
        "chuẩn",
        "xác",
        "chính",
        "uy",
        "tín",
        "top",
        "vs",
        "và",
        "với",
        "của",
        "ngày",
        "online",
        "trực",
        "tiếp",
        "miễn",
        "phí",
        "link",
        "tại",
        "đây",
        "giờ",
        "tuần",
        "tháng",
        "năm",
        "là",
        "có",
        "được",
        "cho",
        "các",
        "những",
        "một",
        "người",
        "không",
        "này",
        "đã",
        "đang",
        "sẽ",
        "trong",
        "khi",
        "để",
        "từ",
        "theo",
        "về",
        "ra",
        "vào",
        "lên",
        "đến",
        "cũng",
        "như",
        "thì",
        "mà",
        "nhưng",
        "nên",
        "vì",
        "bị",
        "do",
        "hay",
        "hoặc",
        "rất",
        "nhiều",
        "sau",
        "trước",
        "trên",
        "dưới",
        "ông",
        "bà",
        "anh",
        "chị",
        "em",
        "họ",
        "chúng",
        "tôi",
        "ta",
        "mình",
        "gì",
        "nào",
        "đâu",
        "sao",
        "thế",
        "vậy",
        "đó",
        "kia",
        "lại",
        "còn",
        "chỉ",
        "đều",
        "hơn",
        "nhà",
        "cách",
        "làm",
    )
)
# A headline shares its subject with its body when at least this share of its content words is
# found there with a neighbour ("giá vàng", "man city") or, for a name ("Leipzig", "U23"),
# alone. Other single syllables ("cách", "chơi", "mới") are in most long bodies and prove
# nothing. On the dev site's legitimate pages the share is .33 or more (but for two whose bodies
# barely repeat the title, which carries no spam vocabulary); its farm titles over copied bodies
# score .22 or less (one glued-query title .44, caught by its shape).
_MIN_COHERENCE = 0.3
# A body on a spam topic shows it early; scanning a prefix bounds the cost on long bodies.
_TOPIC_SAMPLE_CHARS = 3000


class _BodyView:
    """What the headline checks need to know about the body, computed only when asked.

    The farm's own copies are masked first: copies of the headline (a page header or caption
    extracted with the article) and spam phrases glued to a word with the query words after them
    ('xây dựng,ộcgặpthượngđỉnhMỹsoi kèo leipzig hôm nay trong đó').
    """

    def __init__(self, body: str, headlines: tuple[str, ...], lexicon: Lexicon) -> None:
        self._body = body
        self._headlines = headlines  # as written and folded
        self._lexicon = lexicon

    @cached_property
    def _lowered(self) -> str:
        return lower_same_length(self._body)

    @cached_property
    def _scan(self) -> tuple[list[LexiconHit], list[LexiconHit]]:
        return self._lexicon.scan(self._body[:_TOPIC_SAMPLE_CHARS])

    @cached_property
    def _farm_copies(self) -> list[tuple[int, int]]:
        spans = [
            span
            for headline in self._headlines
            for span in _occurrences(self._lowered, headline.lower())
        ]
        return spans + [
            (hit.start, self._query_run_end(hit.end)) for hit in self._scan[1] if _pasted(hit)
        ]

    def _query_run_end(self, pos: int) -> int:
        """End of the pasted query that a glued phrase ending at ``pos`` starts: its query words
        and any spam phrases chained after them ('soi kèo nhà cái uy tín hôm nay')."""
        while True:
            pos = _query_end(self._body, pos)
            if self._body[pos : pos + 1] != " " or not (
                hit := self._lexicon.match_at(self._body, pos + 1)
            ):
                return pos
            pos = hit.end

    @cached_property
    def cased(self) -> str:
        """The body with the farm's copies cut out (a line break left in their place)."""
        pieces, pos = [], 0
        for start, end in sorted(self._farm_copies):
            pieces.append(self._body[pos : max(pos, start)])
            pos = max(pos, end)
        return "\n".join([*pieces, self._body[pos:]])

    @cached_property
    def _masked(self) -> str:
        return lower_same_length(self.cased)

    def text(self, echo: str | None) -> str:
        """The masked body, also without copies of ``echo`` (the injected text)."""
        return self._masked.replace(echo.lower(), "\n") if echo else self._masked

    def topic_hits(self, echo: str | None) -> list[LexiconHit]:
        """Spam vocabulary of the body (its first characters) outside the farm's copies."""
        masks = self._farm_copies + (_occurrences(self._lowered, echo.lower()) if echo else [])
        return [
            hit
            for hit in self._scan[0]
            if not any(start <= hit.start < end for start, end in masks)
        ]

    def mentions(self, hits: list[LexiconHit], echo: str | None) -> bool:
        """Whether the body uses the vocabulary of ``hits`` as words."""
        text = self.text(echo)
        return any(has_word(text, term) for hit in hits for term in {hit.entry, hit.text.lower()})

    def discusses(self, hits: list[LexiconHit], echo: str | None) -> bool:
        """Whether the body uses the vocabulary of ``hits``, or is itself on a spam topic: any
        spam vocabulary when ``hits`` are all ambiguous (words news uses: 'cờ bạc' above a story
        that says 'đánh bạc'), else a strong term, a shorter form of a headline term ('tài xỉu'
        for 'tài xỉu online') or two ambiguous terms. Copies of ``echo`` do not count."""
        if self.mentions(hits, echo):
            return True
        body_hits = self.topic_hits(echo)
        if not any(h.strong for h in hits):
            return bool(body_hits)
        return (
            any(h.strong or any(h.entry in hit.entry for hit in hits) for h in body_hits)
            or len({h.entry for h in body_hits}) >= 2
        )


def _pasted(glued: LexiconHit) -> bool:
    """Whether a phrase glued to the word before it was pasted there: a strong or several-word
    one. A one-word ambiguous entry glued to letters is part of another word ('Essex')."""
    return glued.strong or " " in glued.entry


def _occurrences(text: str, part: str) -> list[tuple[int, int]]:
    """Every span of ``part`` in ``text``, glued to letters or not."""
    spans, start = [], text.find(part) if part else -1
    while start != -1:
        spans.append((start, start + len(part)))
        start = text.find(part, start + len(part))
    return spans


@dataclass(frozen=True)
class _Title:
    text: str
    hits: list[LexiconHit]  # whole-word hits, in order
    glued: list[LexiconHit]  # hits glued to a preceding letter ('chelseasoi kèo')
    body: _BodyView | None  # None: parse the injection's shape only, as if no body discussed it

    def inside(self, start: int, end: int) -> list[LexiconHit]:
        return [h for h in self.hits if start <= h.start and h.end <= end]

    @cached_property
    def lowered(self) -> str:
        return lower_same_length(self.text)


def _echo(title: _Title, start: int, end: int, hits: list[LexiconHit], strict: bool) -> str | None:
    """The segment's text when its copies in the body must not count as discussing it.

    Farms paste the injected query into the body too; a real article may repeat its title, so
    only segments carrying strong vocabulary are treated this way.
    """
    if strict or any(hit.strong for hit in hits):
        return title.text[start:end].strip(_EDGE_PUNCTUATION + _BRACKETS)
    return None


def _discussed(
    title: _Title, start: int, end: int, hits: list[LexiconHit], *, strict: bool
) -> bool:
    """Whether the body discusses what ``title.text[start:end]``, carrying ``hits``, says.

    Strong vocabulary (any vocabulary when ``strict``) must itself appear in the body, or the
    body must be on a spam topic. Ambiguous vocabulary also passes when the segment's other words
    are the body's subject ("Nhận định bóng đá Leipzig vs Bayern" above a Leipzig match preview).
    """
    if title.body is None:
        return False
    echo = _echo(title, start, end, hits, strict)
    if title.body.discusses(hits, echo):
        return True
    return echo is None and _coherent(title, start, end)


def _coherent(title: _Title, start: int, end: int, echo: str | None = None) -> bool:
    """Whether the content words of ``title.text[start:end]``, besides its spam hits, are what
    the body is about (see ``_MIN_COHERENCE``). True when there is no body to compare with."""
    if title.body is None:
        return True
    spam = title.hits + title.glued
    tokens = [
        m
        for m in _WORD.finditer(title.lowered, start, end)
        if not any(h.start <= m.start() < h.end for h in spam)
    ]
    content = [
        m for m in tokens if len(m[0]) > 1 and not m[0].isdigit() and m[0] not in _UNINFORMATIVE
    ]
    if not content:
        return False  # nothing but spam vocabulary and query words
    body = title.body.text(echo)
    found: set[int] = set()
    for left, right in itertools.pairwise(tokens):
        if (
            title.text[left.end() : right.start()].isspace()
            and not {left[0], right[0]} <= _UNINFORMATIVE
            and f"{left[0]} {right[0]}" in body
        ):
            found |= {left.start(), right.start()}
    found |= {
        m.start() for m in content if _named_in(title.body.cased, title.text[m.start() : m.end()])
    }
    return sum(m.start() in found for m in content) >= _MIN_COHERENCE * len(content)


def _named_in(body: str, word: str) -> bool:
    """Whether ``body`` has ``word`` as a name: capitalised after another word ('Tammy Abraham
    san bằng') or, for a word with digits ('U23'), anywhere. A capital at the start of a sentence
    proves nothing, and the lowercase forms of many names are common words ('Anh', 'Nam')."""
    if word.isalpha() and not word[0].isupper():
        return False
    return any(
        not word.isalpha() or body[max(0, start - 4) : start].rstrip()[-1:].isalnum()
        for start, _ in word_spans(body, word)
    )


def _coherent_title(title: _Title) -> bool:
    """``_coherent`` for the whole headline or any part of it between separators: 'Nhận định
    bóng đá Leipzig vs Bayern: Chủ nhà sáng cửa' is about a body on Leipzig and Bayern."""
    bounds = [
        0,
        *(pos for m in _SEPARATOR.finditer(title.text) for pos in m.span()),
        len(title.text),
    ]
    parts = [(0, len(title.text)), *zip(bounds[::2], bounds[1::2], strict=True)]
    return any(_coherent(title, start, end) for start, end in parts)


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(_EDGE_PUNCTUATION)


def _bracketed(title: _Title) -> TitleInjection | None:
    """'【soi kèo leipzig hôm nay】Cuộc gặp…', 'Cuộc gặp… [kuwin]'."""
    text = title.text
    for where, match in (
        ("bracket-prefix", _LEADING_BRACKET.match(text)),
        ("bracket-suffix", _TRAILING_BRACKET.search(text)),
    ):
        if not match:
            continue
        hits = title.inside(*match.span())
        bracket = match[0].strip()
        if hits and (
            bracket[0] in _FANCY_BRACKETS
            or not _discussed(title, *match.span(), hits, strict=False)
        ):
            rest = text[match.end() :] if where == "bracket-prefix" else text[: match.start()]
            return TitleInjection(bracket[1:-1].strip(), where, _tidy(rest))
    return None


def _split_off(
    title: _Title, where: str, spam: tuple[int, int], rest: tuple[int, int]
) -> TitleInjection | None:
    """The injection when ``spam`` carries vocabulary the body ignores and ``rest`` is clean."""
    hits = title.inside(*spam)
    cleaned = _tidy(title.text[rest[0] : rest[1]])
    if not hits or not cleaned or any(h.strong for h in title.inside(*rest)):
        return None
    if _discussed(title, *spam, hits, strict=False):
        return None
    # A segment whose other words are the body's subject is the real title with a keyword
    # inserted ('Cuộc gặp thượng đỉnh soi kèo Mỹ - Nga'): that is left to the off-topic check.
    if title.body is not None and _coherent(title, *spam, _echo(title, *spam, hits, strict=False)):
        return None
    return TitleInjection(
        _tidy(title.text[spam[0] : spam[1]]), where, cleaned if _coherent(title, *rest) else ""
    )


def _separated(title: _Title) -> TitleInjection | None:
    """'soi kèo leipzig hôm nay | Cuộc gặp…', 'Cuộc gặp… - kèo nhà cái uy tín'."""
    separators = list(_SEPARATOR.finditer(title.text))
    if not separators:
        return None
    first, last, size = separators[0], separators[-1], len(title.text)
    return _split_off(title, "prefix", (0, first.start()), (first.end(), size)) or _split_off(
        title, "suffix", (last.end(), size), (0, last.start())
    )


def _unseparated(title: _Title) -> TitleInjection | None:
    """A lowercase query pasted on without a separator: 'soi kèo leipzig hôm nay Cuộc gặp…'."""
    text, hits, size = title.text, title.hits, len(title.text)
    if hits and hits[0].start == 0 and text[0].islower():
        capital = next(
            (m.start() for m in _TOKEN.finditer(text, hits[0].end) if m[0][0].isupper()), None
        )
        if capital is not None and (
            found := _split_off(title, "prefix", (0, capital), (capital, size))
        ):
            return found
    for hit in hits:
        tail = text[hit.start :]
        if hit.strong and tail == tail.lower() and len(text[: hit.start].split()) >= 2:
            return _split_off(title, "suffix", (hit.start, size), (0, hit.start))
    return None


def _glued_queries(title: _Title) -> TitleInjection | None:
    """Search queries run together: 'kuwin lịch thi đấu chelseasoi kèo man city'.

    Strong vocabulary with words glued together, when there are several strong terms or the
    headline is all lowercase (real headlines are sentence case); or several strong terms with a
    brand in an all-lowercase headline that the body does not discuss.
    """
    text = title.text
    strong = [h for h in title.hits + title.glued if h.strong]
    lowercase = text == text.lower()
    glued = bool(strong and title.glued) and (len(strong) >= 2 or lowercase)
    if glued or (
        len(strong) >= 2
        and any(h.brand for h in strong)
        and lowercase
        and not _discussed(title, 0, len(text), strong, strict=True)
    ):
        return TitleInjection(text, "glued-queries", "")
    return None


def _glued_phrase(title: _Title, hit: LexiconHit) -> bool:
    """A strong phrase of several words glued to the word before it ('Quảng Bìnhsoi kèo'): an
    injection, as no editor types one. Single-word entries can end a compound ('kqxsmb')."""
    return hit in title.glued and hit.strong and " " in hit.entry


def _off_topic(title: _Title) -> TitleInjection | None:
    """A strong keyword anywhere in the headline that the body never discusses. When the body
    discusses none of the headline's spam and is not about the rest of it either, the whole
    headline is the farm's."""
    spam = title.hits + title.glued
    for hit in spam:
        if hit.strong and (
            _glued_phrase(title, hit)
            or not _discussed(title, hit.start, hit.end, [hit], strict=True)
        ):
            if title.body is not None and not (
                title.body.discusses(spam, None) or _coherent_title(title)
            ):
                return TitleInjection(title.text, "farm-title", "")
            cleaned = _tidy(title.text[: hit.start] + " " + title.text[hit.end :])
            if hit.start == 0 and title.text[0].isupper():
                cleaned = cleaned[:1].upper() + cleaned[1:]
            return TitleInjection(hit.text, "off-topic", cleaned)
    return None


def _farm_title(title: _Title) -> TitleInjection | None:
    """Ambiguous spam vocabulary over a body that neither uses it, nor any other spam
    vocabulary, nor shares the headline's subject: 'Cách chơi tài xỉu' above a copied story on
    a business forum. News about gambling always discusses it in the body."""
    spam = title.hits + title.glued
    if title.body is None or title.body.mentions(spam, None) or title.body.topic_hits(None):
        return None
    if _coherent_title(title):
        return None
    return TitleInjection(title.text, "farm-title", "")


_DETECTORS: tuple[Callable[[_Title], TitleInjection | None], ...] = (
    _bracketed,
    _separated,
    _unseparated,
    _glued_queries,
    _off_topic,
    _farm_title,
)


def _detect(text: str, lexicon: Lexicon, body: _BodyView | None) -> TitleInjection | None:
    hits, glued = lexicon.find(text), [g for g in lexicon.find_glued(text) if _pasted(g)]
    if not hits and not glued:
        return None
    title = _Title(text, hits, glued, body)
    return next((found for detect in _DETECTORS if (found := detect(title))), None)


def _homoglyph(
    text: str, folded: Folded, lexicon: Lexicon, body: _BodyView
) -> TitleInjection | None:
    """A headline spelled with look-alike letters (Cyrillic, Greek, small capitals,
    mathematical bold): spam evading filters. Flagged when two words mix scripts or use styled
    letters, when obfuscation meets spam vocabulary, or when spam vocabulary appears only once
    the letters are folded. The other checks, on the folded headline, give the real title."""
    if folded.text == text:
        return None
    entries = {hit.entry for hit in lexicon.find(folded.text)}
    revealed = entries - {hit.entry for hit in lexicon.find(text)}
    if not (revealed or folded.obfuscated >= 2 or (folded.obfuscated and entries)):
        return None
    found = _detect(folded.text, lexicon, body)
    cleaned = found.cleaned if found else "" if entries else folded.text
    return TitleInjection(text, "homoglyph", cleaned)


def find_title_injection(headline: str, body: str, lexicon: Lexicon) -> TitleInjection | None:
    """The spam injected into ``headline``, or None when the headline is clean or legitimate.

    Look-alike letters are folded before matching; ``body`` may be the extracted body as it
    is, with the farm's glued copies of the keyword still in it.
    """
    text = normalize_line(headline)
    folded = fold_confusables(text)
    view = _BodyView(body, tuple(dict.fromkeys((text, folded.text))), lexicon)
    return _homoglyph(text, folded, lexicon, view) or _detect(folded.text, lexicon, view)


# -- body repairs --------------------------------------------------------------------------------

_MIN_GLUED_COPY = 8  # characters of de-spaced title; shorter copies are too likely by chance
_MATCH_BEFORE = 80  # characters searched for a spam query ending where a title copy starts
# After a spam keyword in a body, the rest of a pasted query: time fillers, numbers and
# lowercase non-Vietnamese words such as team names ("soi kèo leipzig hôm nay").
_QUERY_WORD = re.compile(
    r" (hôm nay|hôm qua|tối nay|đêm nay|mới nhất|chuẩn xác|uy tín|miễn phí"
    r"|trực tiếp|\d[\d/.:h-]*|[a-z]+)(?!\w)"
)
_VIETNAMESE_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?"
)
_CJK_LETTER = (
    "[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3040-\u30ff\u3131-\u318e\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_CJK = re.compile(_CJK_LETTER)  # a bare class scans several times faster than the run pattern
# Han/Kana/Hangul letters with the CJK punctuation and label colon that follow them.
_CJK_RUN = re.compile(f"(?:{_CJK_LETTER}[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20:]*)+")
_EMPTY_BRACKETS = re.compile(r" ?(?:\( *\)|\[ *\]|【 *】|\uff08 *\uff09)")
_OPENING_BRACKETS = _BRACKETS[::2]
_MAX_BRACKETED_RESIDUE = 60
_NON_WORD_RUN = re.compile(r"\W+")
_PUNCTUATION_RUN = re.compile(r"[^\w ]+")
_MIN_REPEATED_LEAD = 40  # characters; short leads ("Ảnh minh họa") repeat by chance


def _query_end(text: str, pos: int) -> int:
    """End of the pasted search query whose keyword ends at ``pos``."""
    while (match := _QUERY_WORD.match(text, pos)) and not (
        match[1].isalpha() and match[1].isascii() and _VIETNAMESE_SYLLABLE.fullmatch(match[1])
    ):
        pos = match.end()
    return pos


def _spam_beside(
    text: str, start: int, end: int, injected: str | None, lexicon: Lexicon
) -> tuple[int, int] | None:
    """Span of the title copy ``text[start:end]`` plus the spam phrase glued to either side."""
    lowered = lower_same_length(text)
    if injected and lowered.startswith(injected.lower(), end):
        return start, end + len(injected)
    if injected and lowered.endswith(injected.lower(), 0, start):
        return start - len(injected), end
    if (hit := lexicon.match_at(text, end)) and hit.strong:
        return start, _query_end(text, hit.end)
    window = text[max(0, start - _MATCH_BEFORE) : start]
    for hit in reversed(lexicon.find(window)):
        if hit.strong and _query_end(window, hit.end) == len(window):
            return start - len(window) + hit.start, end
    return None


def _cut_glued_title_copies(
    body: str, title: str, injected: str | None, lexicon: Lexicon
) -> tuple[str, list[str]]:
    """'mang tính xây dựng,ộcgặpthượngđỉnhMỹsoi kèo leipzig hôm nay trong đó'
    -> 'mang tính xây dựng, trong đó': a de-spaced copy of (the tail of) the title glued to spam.
    """
    words = title.lower().split()
    despaced = "".join(words)
    if len(words) < 2 or len(despaced) < _MIN_GLUED_COPY:
        return body, []
    last_word_start = len(despaced) - len(words[-1])
    key = despaced[-_MIN_GLUED_COPY:]  # every long enough copy of a tail ends with these
    notes: list[str] = []
    lowered = lower_same_length(body)
    pos = lowered.find(key)
    while pos != -1:
        start, matched = pos, len(despaced) - _MIN_GLUED_COPY
        while start > 0 and matched > 0 and lowered[start - 1] == despaced[matched - 1]:
            start, matched = start - 1, matched - 1
        end = pos + _MIN_GLUED_COPY
        span = (
            _spam_beside(body, start, end, injected, lexicon) if matched < last_word_start else None
        )  # the copy must span a removed space
        if span is None:
            pos = lowered.find(key, end)
            continue
        notes.append(f"removed title copy glued to spam: {body[span[0] : span[1]]!r}")
        body = _splice(body, *span)
        lowered = lower_same_length(body)
        pos = lowered.find(key, span[0])
    return body, notes


def _splice(text: str, start: int, end: int) -> str:
    """``text`` without ``text[start:end]``, leaving one space where words would touch."""
    left, right = text[:start].rstrip(" "), text[end:].lstrip(" ")
    if (
        left
        and right
        and not left.endswith("\n")
        and not right.startswith("\n")
        and (text[end : end + 1] == " " or (left[-1].isalnum() and right[0].isalnum()))
    ):
        return f"{left} {right}"
    return (left + right).replace("\n\n", "\n").strip("\n")  # a line left empty goes


def _drop_cjk(body: str) -> tuple[str, list[str]]:
    """Han/Kana/Hangul runs in a Vietnamese body; a line left with only a bracketed rest
    (a Chinese CMS label such as '(责任编辑:La liga)') goes entirely."""
    if not _CJK.search(body):
        return body, []
    notes: list[str] = []
    kept = []
    for line in body.split("\n"):
        if not _CJK.search(line):
            kept.append(line)
            continue
        rest = " ".join(_EMPTY_BRACKETS.sub("", _CJK_RUN.sub("", line)).split())
        if not any(c.isalpha() for c in rest) or (
            rest[0] in _OPENING_BRACKETS and len(rest) <= _MAX_BRACKETED_RESIDUE
        ):
            notes.append(f"dropped CJK line: {line!r}")
        else:
            notes.append(f"removed CJK text: {', '.join(_CJK_RUN.findall(line))}")
            kept.append(rest)
    return "\n".join(kept), notes


def _drop_repeated_lead(body: str) -> tuple[str, list[str]]:
    """A lead paragraph that a later paragraph repeats (farms paste a later sentence on top)."""
    lead, _, rest = body.partition("\n")
    if len(lead) < _MIN_REPEATED_LEAD or not rest:
        return body, []
    lead_key = f" {_comparison_key(lead)} "
    # Only paragraphs holding the lead's longest stretch without punctuation are compared.
    probe = max(_PUNCTUATION_RUN.split(lead.lower()), key=len).strip()
    lowered = rest.lower()
    pos = lowered.find(probe)
    while pos != -1:
        start, end = lowered.rfind("\n", 0, pos) + 1, lowered.find("\n", pos)
        end = len(lowered) if end == -1 else end
        if lead_key in f" {_comparison_key(lowered[start:end])} ":
            return rest, [f"dropped lead repeated later: {lead[:80]!r}"]
        pos = lowered.find(probe, end)
    return body, []


def _comparison_key(text: str) -> str:
    """Lowercase words separated by single spaces: punctuation and case do not matter."""
    return _NON_WORD_RUN.sub(" ", text.lower()).strip()


def repair_body(
    body: str, headline: str, lexicon: Lexicon, *, language: str = "vi"
) -> tuple[str, list[str]]:
    """``body`` without farm damage, and short notes on each repair made.

    Removes (a) a de-spaced copy of the title glued to a spam phrase inside a sentence, (b) CJK
    runs when ``language`` is Vietnamese, and (c) a lead paragraph repeated by a later one.
    ``headline`` may still carry its injection: the injected phrase is then cut from the body
    exactly; with an already cleaned headline the keyword and the query words after it are cut.
    """
    text = normalize_text(body, vietnamese=False)
    title = normalize_line(headline)
    # The injection's shape is enough here: the title text and the phrase to look for.
    injection = _detect(title, lexicon, body=None)
    real_title = injection.cleaned if injection and injection.cleaned else title
    text, notes = _cut_glued_title_copies(
        text, real_title, injection.phrase if injection else None, lexicon
    )
    if language.lower().startswith("vi"):
        text, cjk_notes = _drop_cjk(text)
        notes += cjk_notes
    text, lead_notes = _drop_repeated_lead(text)
    return text, notes + lead_notes
