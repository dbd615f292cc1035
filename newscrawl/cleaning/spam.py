"""Injected SEO spam: keywords pasted into headlines, and the damage the same farms do to bodies.

The rule is injection, not topic. A headline is flagged when spam vocabulary sits in an injection
shape (bracketed keyword, keyword pasted before or after the real title, search queries run
together) or when the headline shows a strong spam keyword that the body never discusses.
Gambling, lottery, casino and loan *news* keeps its headline: its body discusses the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from newscrawl.cleaning.lexicon import Lexicon, LexiconHit, lower_same_length, word_spans
from newscrawl.cleaning.normalize import normalize_line, normalize_text

__all__ = ["TitleInjection", "find_title_injection", "repair_body"]


@dataclass(frozen=True)
class TitleInjection:
    phrase: str  # the injected text as written in the headline, without brackets or separators
    where: str  # 'bracket-prefix'|'bracket-suffix'|'prefix'|'suffix'|'glued-queries'|'off-topic'
    cleaned: str  # headline with the injection removed; '' when no title is left (glued-queries)


_BRACKETED = (r"(?:【[^】]{1,120}】|〖[^〗]{1,120}〗|\[[^\]]{1,120}\]|\([^)]{1,120}\)"
              r"|\uff08[^\uff09]{1,120}\uff09)")
_LEADING_BRACKET = re.compile(rf"\s*{_BRACKETED}")
_TRAILING_BRACKET = re.compile(rf"{_BRACKETED}\s*$")
_BRACKETS = "【】〖〗[]()\uff08\uff09"  # fullwidth ( ) too
_FANCY_BRACKETS = "【〖"  # never put around keywords by real Vietnamese papers
# Title separators: pipes, spaced dashes, and a colon followed by a space.
_SEPARATOR = re.compile(r"\s*[|\uff5c]\s*|\s+[-\u2013\u2014]\s+|(?<=\S):\s+")
_EDGE_PUNCTUATION = " |\uff5c-\u2013\u2014:"
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\S+")
# Words of spam queries that say nothing about a subject ("soi kèo leipzig hôm nay").
_QUERY_FILLER = frozenset((
    "hôm", "nay", "qua", "tối", "đêm", "mai", "mới", "nhất", "chuẩn", "xác", "chính", "uy", "tín",
    "top", "vs", "và", "với", "của", "ngày", "online", "trực", "tiếp", "miễn", "phí", "link", "tại",
    "đây",
))


# A body on a spam topic shows it early; scanning a prefix bounds the cost on long bodies.
_TOPIC_SAMPLE_CHARS = 3000


class _BodyView:
    """What the headline checks need to know about the body, computed only when asked."""

    def __init__(self, body: str, lexicon: Lexicon) -> None:
        self._body = body
        self._lexicon = lexicon

    @cached_property
    def lowered(self) -> str:
        return self._body.lower()

    @cached_property
    def hits(self) -> list[LexiconHit]:
        return self._lexicon.find(self._body[:_TOPIC_SAMPLE_CHARS])

    def discusses(self, hits: list[LexiconHit], echo: str | None) -> bool:
        """Whether the body uses the vocabulary of ``hits`` as words, or is itself on a spam
        topic (a strong term, or two ambiguous ones). Copies of ``echo`` (the injected text,
        pasted into the body by the same farm) do not count."""
        echoes = word_spans(self.lowered, echo.lower()) if echo else []

        def counts(span: tuple[int, int]) -> bool:
            return not any(a <= span[0] < b for a, b in echoes)

        terms = {term for hit in hits for term in (hit.entry, hit.text.lower())}
        if any(counts(span) for term in terms for span in word_spans(self.lowered, term)):
            return True
        body_hits = [h for h in self.hits if counts((h.start, h.end))]  # the costly full scan
        return any(h.strong for h in body_hits) or len({h.entry for h in body_hits}) >= 2


@dataclass(frozen=True)
class _Title:
    text: str
    hits: list[LexiconHit]  # whole-word hits, in order
    glued: list[LexiconHit]  # hits glued to a preceding letter ('chelseasoi kèo')
    body: _BodyView | None  # None: parse the injection's shape only, as if no body discussed it

    def inside(self, start: int, end: int) -> list[LexiconHit]:
        return [h for h in self.hits if start <= h.start and h.end <= end]


def _echo(title: _Title, start: int, end: int, hits: list[LexiconHit], strict: bool) -> str | None:
    """The segment's text when its copies in the body must not count as discussing it.

    Farms paste the injected query into the body too; a real article may repeat its title, so
    only segments carrying strong vocabulary are treated this way.
    """
    if strict or any(hit.strong for hit in hits):
        return title.text[start:end].strip(_EDGE_PUNCTUATION + _BRACKETS)
    return None


def _discussed(title: _Title, start: int, end: int, hits: list[LexiconHit], *,
               strict: bool) -> bool:
    """Whether the body discusses what ``title.text[start:end]``, carrying ``hits``, says.

    Strong vocabulary (any vocabulary when ``strict``) must itself appear in the body, or the
    body must be on a spam topic. Ambiguous vocabulary also passes when the segment's other words
    appear in the body ("Nhận định bóng đá Leipzig vs Bayern" above a Leipzig match preview).
    """
    if title.body is None:
        return False
    echo = _echo(title, start, end, hits, strict)
    if title.body.discusses(hits, echo):
        return True
    return echo is None and _words_in_body(title, start, end, hits, echo=None)


def _words_in_body(title: _Title, start: int, end: int, hits: list[LexiconHit],
                   echo: str | None) -> bool:
    """Whether most content words of the segment, besides its hits, occur in the body."""
    if title.body is None:
        return False
    body = title.body.lowered.replace(echo.lower(), " ") if echo else title.body.lowered
    words = [w for w in _words_outside(title.text, start, end, hits)
             if len(w) > 2 and not w.isdigit() and w not in _QUERY_FILLER]
    return bool(words) and 2 * sum(w in body for w in words) >= len(words)


def _words_outside(text: str, start: int, end: int, hits: list[LexiconHit]) -> list[str]:
    pieces, pos = [], start
    for hit in hits:
        pieces.append(text[pos:hit.start])
        pos = hit.end
    pieces.append(text[pos:end])
    return _WORD.findall(" ".join(pieces).lower())


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(_EDGE_PUNCTUATION)


def _bracketed(title: _Title) -> TitleInjection | None:
    """'【soi kèo leipzig hôm nay】Cuộc gặp…', 'Cuộc gặp… [kuwin]'."""
    text = title.text
    for where, match in (("bracket-prefix", _LEADING_BRACKET.match(text)),
                         ("bracket-suffix", _TRAILING_BRACKET.search(text))):
        if not match:
            continue
        hits = title.inside(*match.span())
        bracket = match[0].strip()
        if hits and not _discussed(title, *match.span(), hits,
                                   strict=bracket[0] in _FANCY_BRACKETS):
            rest = text[match.end():] if where == "bracket-prefix" else text[:match.start()]
            return TitleInjection(bracket[1:-1].strip(), where, _tidy(rest))
    return None


def _split_off(title: _Title, where: str, spam: tuple[int, int],
               rest: tuple[int, int]) -> TitleInjection | None:
    """The injection when ``spam`` carries vocabulary the body ignores and ``rest`` is clean."""
    hits = title.inside(*spam)
    cleaned = _tidy(title.text[rest[0]:rest[1]])
    if not hits or not cleaned or any(h.strong for h in title.inside(*rest)):
        return None
    if _discussed(title, *spam, hits, strict=False):
        return None
    # A segment whose other words are the body's subject is the real title with a keyword
    # inserted ('Cuộc gặp thượng đỉnh soi kèo Mỹ - Nga'): that is left to the off-topic check.
    if _words_in_body(title, *spam, hits, _echo(title, *spam, hits, strict=False)):
        return None
    return TitleInjection(_tidy(title.text[spam[0]:spam[1]]), where, cleaned)


def _separated(title: _Title) -> TitleInjection | None:
    """'soi kèo leipzig hôm nay | Cuộc gặp…', 'Cuộc gặp… - kèo nhà cái uy tín'."""
    separators = list(_SEPARATOR.finditer(title.text))
    if not separators:
        return None
    first, last, size = separators[0], separators[-1], len(title.text)
    return (_split_off(title, "prefix", (0, first.start()), (first.end(), size))
            or _split_off(title, "suffix", (last.end(), size), (0, last.start())))


def _unseparated(title: _Title) -> TitleInjection | None:
    """A lowercase query pasted on without a separator: 'soi kèo leipzig hôm nay Cuộc gặp…'."""
    text, hits, size = title.text, title.hits, len(title.text)
    if hits and hits[0].start == 0 and text[0].islower():
        capital = next((m.start() for m in _TOKEN.finditer(text, hits[0].end)
                        if m[0][0].isupper()), None)
        if capital is not None and (
            found := _split_off(title, "prefix", (0, capital), (capital, size))
        ):
            return found
    for hit in hits:
        tail = text[hit.start:]
        if hit.strong and tail == tail.lower() and len(text[:hit.start].split()) >= 2:
            return _split_off(title, "suffix", (hit.start, size), (0, hit.start))
    return None


def _glued_queries(title: _Title) -> TitleInjection | None:
    """Search queries run together: 'kuwin lịch thi đấu chelseasoi kèo man city'.

    Several strong terms with words glued together, or with a brand in an all-lowercase headline
    (real headlines are sentence case) that the body does not discuss.
    """
    text = title.text
    strong = [h for h in title.hits + title.glued if h.strong]
    if len(strong) >= 2 and (title.glued or (
        any(h.brand for h in strong) and text == text.lower()
        and not _discussed(title, 0, len(text), strong, strict=True)
    )):
        return TitleInjection(text, "glued-queries", "")
    return None


def _off_topic(title: _Title) -> TitleInjection | None:
    """A strong keyword anywhere in the headline that the body never discusses."""
    for hit in title.hits + title.glued:
        if hit.strong and not _discussed(title, hit.start, hit.end, [hit], strict=True):
            cleaned = _tidy(title.text[:hit.start] + " " + title.text[hit.end:])
            if hit.start == 0 and title.text[0].isupper():
                cleaned = cleaned[:1].upper() + cleaned[1:]
            return TitleInjection(hit.text, "off-topic", cleaned)
    return None


_DETECTORS: tuple[Callable[[_Title], TitleInjection | None], ...] = (
    _bracketed, _separated, _unseparated, _glued_queries, _off_topic,
)


def _detect(headline: str, lexicon: Lexicon, body: _BodyView | None) -> TitleInjection | None:
    text = normalize_line(headline)
    hits, glued = lexicon.find(text), lexicon.find_glued(text)
    if not hits and not glued:
        return None
    title = _Title(text, hits, glued, body)
    return next((found for detect in _DETECTORS if (found := detect(title))), None)


def find_title_injection(headline: str, body: str, lexicon: Lexicon) -> TitleInjection | None:
    """The spam injected into ``headline``, or None when the headline is clean or legitimate."""
    return _detect(headline, lexicon, _BodyView(body, lexicon))


# -- body repairs --------------------------------------------------------------------------------

_MIN_GLUED_COPY = 8  # characters of de-spaced title; shorter copies are too likely by chance
_MATCH_BEFORE = 80  # characters searched for a spam query ending where a title copy starts
# After a spam keyword in a body, the rest of a pasted query: time fillers, numbers and
# lowercase non-Vietnamese words such as team names ("soi kèo leipzig hôm nay").
_QUERY_WORD = re.compile(r" (hôm nay|hôm qua|tối nay|đêm nay|mới nhất|chuẩn xác|uy tín|miễn phí"
                         r"|trực tiếp|\d[\d/.:h-]*|[a-z]+)(?!\w)")
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


def _spam_beside(text: str, start: int, end: int, injected: str | None,
                 lexicon: Lexicon) -> tuple[int, int] | None:
    """Span of the title copy ``text[start:end]`` plus the spam phrase glued to either side."""
    lowered = lower_same_length(text)
    if injected and lowered.startswith(injected.lower(), end):
        return start, end + len(injected)
    if injected and lowered.endswith(injected.lower(), 0, start):
        return start - len(injected), end
    if (hit := lexicon.match_at(text, end)) and hit.strong:
        return start, _query_end(text, hit.end)
    window = text[max(0, start - _MATCH_BEFORE):start]
    for hit in reversed(lexicon.find(window)):
        if hit.strong and _query_end(window, hit.end) == len(window):
            return start - len(window) + hit.start, end
    return None


def _cut_glued_title_copies(body: str, title: str, injected: str | None,
                            lexicon: Lexicon) -> tuple[str, list[str]]:
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
        span = _spam_beside(body, start, end, injected, lexicon) \
            if matched < last_word_start else None  # the copy must span a removed space
        if span is None:
            pos = lowered.find(key, end)
            continue
        notes.append(f"removed title copy glued to spam: {body[span[0]:span[1]]!r}")
        body = _splice(body, *span)
        lowered = lower_same_length(body)
        pos = lowered.find(key, span[0])
    return body, notes


def _splice(text: str, start: int, end: int) -> str:
    """``text`` without ``text[start:end]``, leaving one space where words would touch."""
    left, right = text[:start].rstrip(" "), text[end:].lstrip(" ")
    if left and right and not left.endswith("\n") and not right.startswith("\n") and (
        text[end:end + 1] == " " or (left[-1].isalnum() and right[0].isalnum())
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


def repair_body(body: str, headline: str, lexicon: Lexicon, *,
                language: str = "vi") -> tuple[str, list[str]]:
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
    text, notes = _cut_glued_title_copies(text, real_title, injection and injection.phrase,
                                          lexicon)
    if language.lower().startswith("vi"):
        text, cjk_notes = _drop_cjk(text)
        notes += cjk_notes
    text, lead_notes = _drop_repeated_lead(text)
    return text, notes + lead_notes
