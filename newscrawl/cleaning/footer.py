"""Page furniture left in extracted Vietnamese news text, and the source credit.

Every rule is line-anchored: a whole line (or the dateline at the start of the lead) is matched,
never a phrase inside a sentence, so "Theo", "Nguồn" or "Chia sẻ" in ordinary prose stay.
Rules that could hit real text (credits, related-link headings, copyright wording) only apply in
the second half of the body, where footers live.

The source credit is the outlet: "Nguyễn Quỳnh/VOV.VN" gives "VOV.VN". The reporter's name in a
byline is dropped with the line: authors are metadata that the extractor reads from the page, and
mixing people into ``source_credit`` would make the field mean two things.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from newscrawl.cleaning.normalize import normalize_line, normalize_text

__all__ = ["Stripped", "strip_boilerplate"]


@dataclass(frozen=True)
class Stripped:
    body: str
    source_credit: str | None
    removed: tuple[tuple[str, str], ...]  # (kind, line) in body order


# Lines removed wherever they are. One alternation, so each line costs a single match; patterns
# are matched against the lowercased line (case-insensitive matching is several times slower).
# "» Link" is a related link, "»Zitat«" a German quotation: » needs a space after it.
_JUNK_LINE = re.compile(
    r"""
    (?P<player>
        (?:\d{1,2}:\d{2}(?::\d{2})?(?:\ */\ *\d{1,2}:\d{2}(?::\d{2})?)?
        | nghe\ (?:audio|bài\ viết|bài\ báo|đọc\ bài) | đọc\ bài
        | (?:giọng\ (?:đọc\ )?(?:nam|nữ)(?:\ miền\ (?:bắc|trung|nam))?[\ |/,-]*)+
        | (?:tốc\ độ(?:\ đọc)?:?\ *)?(?:[0-2](?:[.,]\d{1,2})?x\ *)+ | tốc\ độ(?:\ đọc)?
        )$)
    | (?P<editor>[(\uff08【\[]?\ *(?:责任编辑|责编|编辑|来源|原标题|上一篇|下一篇|相关文章|相关阅读
        |推荐阅读).{0,80}$)
    | (?P<related>-\ *·.*|(?:>>|»\ ).{0,200}$|(?:xem|đọc)\ thêm\ *[:\uff1a]\ *\S.{0,200}$)
    | (?P<share>(?:chia\ sẻ(?:\ bài\ viết)?|share)(?:\ (?:lên|qua)\ \w+)?\ *:?$)
    | (?P<tags>(?:tags?|từ\ khóa|từ\ khoá)\ *:.*)
    | (?P<copyright>(?:©|\(c\)\ |copyright\ ).*|ghi\ rõ\ nguồn.*(?:phát\ hành|đăng\ tải)\ lại.*
        |cấm\ sao\ chép.*)
    | (?P<follow>(?:bấm\ )?theo\ dõi\ .{0,80}\ trên\ google\ news.*)
    | (?P<promo>bạn\ đang\ đọc\ bài\ viết\ .*|mọi\ thông\ tin\ chia\ sẻ,?\ phản\ ánh.*)
    | (?P<photo>(?:(?:ảnh|đồ\ họa|đồ\ hoạ|nguồn\ ảnh)\ *:\ *.{1,80}|\(?ảnh\ minh\ (?:họa|hoạ)\)?\.?
        |chú\ thích\ ảnh)$)
    | (?P<ui>(?:bình\ luận(?:\ \(\d+\))?|gửi\ bình\ luận|ý\ kiến\ bạn\ đọc|quảng\ cáo|tin\ tài\ trợ
        |trở\ lại\ đầu\ trang|đọc\ báo\ in|tải\ ứng\ dụng|in\ bài(?:\ viết)?|lưu\ bài(?:\ viết)?)$)
    """,
    re.VERBOSE,
)
# Lines removed only in the second half: this wording also occurs in news about copyright.
_TAIL_JUNK_LINE = re.compile(
    r"(?P<copyright>bản quyền (?:thuộc về (?:báo|tạp chí|đài|trang|công ty|cơ quan)[^?]*|©.*"
    r"|\(c\).*)|giấy phép (?:số|hoạt động).*"
    r"|tổng biên tập *:.*|trang thông tin điện tử tổng hợp.*)"
)
# A standalone heading that opens a box of links to other articles.
_RELATED_HEADING = re.compile(
    r"(?:(?:tin|bài|tin bài) liên quan|tin cùng chuyên mục|tin mới nhất|tin nổi bật|tin khác"
    r"|các tin khác|đọc thêm|đọc nhiều(?: nhất)?|xem thêm|có thể bạn quan tâm"
    r"|bạn có thể quan tâm|»? *cùng chủ đề|video đang được quan tâm|video cùng chuyên mục)"
    r" *[:\uff1a»>]*"
)
_LINK_LIST_BULLETS = ("·", "•")
_MIN_LINK_LIST = 3
_MAX_TITLE_LIKE = 160  # characters of a link title after a mid-body related heading
_SENTENCE_END = tuple('.!?…"\u201d»)')

_THEO = r"(?i:theo)"
_CREDIT_LINE = re.compile(rf"\(? *{_THEO} *:? *(?P<source>[^()]{{2,60}}?) *\)?\.?")
_SOURCE_LINE = re.compile(r"\(? *(?i:nguồn(?: tin)?) *: *(?P<source>[^()]{2,60}?) *\)?\.?")
_NAME = r"[^\W\d_][\w.'\u2019-]*(?: +[^\W\d_][\w.'\u2019-]*){0,4}"
_BYLINE = re.compile(
    rf"(?:{_THEO} +)?(?P<person>{_NAME}) */ *(?P<source>[^\W\d_][\w.+-]*(?: +[\w.+-]+){{0,3}})"
    r" *(?:\((?i:biên dịch|lược dịch|tổng hợp)\))?\.?"
)
_PARENTHESIZED_CREDIT = rf"\( *(?:{_THEO}|(?i:nguồn) *:?) +(?P<source>[^()]{{2,60}})\)\.?"
_NAME_WITH_CREDIT = re.compile(rf"(?P<person>{_NAME}) *{_PARENTHESIZED_CREDIT}")
_TRAILING_CREDIT = re.compile(rf" *{_PARENTHESIZED_CREDIT}$")
_PARENTHESIZED_OUTLET = re.compile(r"\((?P<source>[^()]{2,40})\)\.?")
_OUTLET_MARK = re.compile(r"[A-ZĐ]{2,}|\+|\.\w")  # TTXVN, Vietnam+, VOV.VN
_OUTLET_SEPARATOR = re.compile(r" *[,;] *| và | and ")
_MAX_OUTLET_WORDS = 6
_NOT_A_NAME = re.compile(r"[!?…\"“”]|\. ")
_INITIALS = re.compile(r"(?:[A-ZĐ]\.)+")

_DATELINE = re.compile(
    r"(?:(?P<place>[^\W\d_]+(?:[ .,]+[^\W\d_]+){0,3}) *)?\((?P<source>[^()]{2,30})\) *"
    r"(?P<dash>[-\u2013\u2014])? *"
    r"|(?:TPO|TTO|NDO|PLO|SGGPO|NLĐO|VOVWORLD|[A-Za-z]+\.(?:vn|VN|Vn)) *[-\u2013\u2014] *"
)
# "compiled", "collected", "internet": a source line that credits no outlet
_COMPILED_SOURCES = frozenset({"tổng hợp", "th", "sưu tầm", "st", "internet",
                               "tổng hợp từ internet", "sưu tầm từ internet"})
_OPENING_QUOTES = "\"'\u201c\u2018"
_VOV_END_MARK = re.compile(r" *\./\.$")
_WORD = re.compile(r"\w+")


def _outlets(source: str) -> str | None:
    """``source`` when it reads as outlet names ('VnExpress, Reuters'), else None."""
    source = source.strip(" .")
    if not source or _NOT_A_NAME.search(source):
        return None
    names = _OUTLET_SEPARATOR.split(source)
    if all(n and (n[0].isupper() or n[0].isdigit()) and len(n.split()) <= _MAX_OUTLET_WORDS
           for n in names):
        return source
    return None


def _is_person(name: str) -> bool:
    """'Nguyễn Quỳnh', 'M.K.': capitalized words or initials, not an acronym such as 'TTXVN'."""
    return all(_INITIALS.fullmatch(word) or (word[0].isupper() and not word.isupper())
               for word in name.split())


def _credit_line(line: str) -> str | None:
    """'Theo Reuters', 'TheoVOV', '(Theo TTXVN)' -> the outlet; 'Theo Thái Sơn/Báo QĐND' -> the
    outlet of the byline."""
    if not (match := _CREDIT_LINE.fullmatch(line)):
        return None
    byline = _BYLINE.fullmatch(match["source"])
    if byline and _is_person(byline["person"]):
        return _outlets(byline["source"])
    return _outlets(match["source"])


def _final_credit(line: str) -> tuple[str, str | None, str] | None:
    """(kind, credit, line left over) for a credit or byline closing the body, else None."""
    if (match := _SOURCE_LINE.fullmatch(line)) and match["source"].strip(" .").casefold() in (
            _COMPILED_SOURCES):
        return "credit", None, ""  # "Nguồn: Tổng hợp" names no outlet
    for pattern in (_SOURCE_LINE, _PARENTHESIZED_OUTLET):
        if (match := pattern.fullmatch(line)) and (credit := _outlets(match["source"])) and (
            pattern is _SOURCE_LINE or _OUTLET_MARK.search(credit)
        ):
            return "credit", credit, ""
    for pattern in (_BYLINE, _NAME_WITH_CREDIT):
        if (match := pattern.fullmatch(line)) and _is_person(match["person"]) and (
            credit := _outlets(match["source"])
        ):
            return "byline", credit, ""
    if (match := _TRAILING_CREDIT.search(line)) and (credit := _outlets(match["source"])):
        return "credit", credit, line[:match.start()]
    words = line.split()
    if line.isupper() and 2 <= len(words) <= 4 and all(w.isalpha() for w in words):
        return "byline", None, ""  # reporter's name in capitals: "LÂM NGUYÊN"
    return None


def _dateline_length(line: str) -> int:
    """Length of an outlet dateline opening the lead ('(Ngày Nay) - Tổng thống…'), else 0."""
    match = _DATELINE.match(line)
    if not match or match.end() == len(line) or not (line[match.end()].isupper() or
                                                     line[match.end()] in _OPENING_QUOTES):
        return 0
    if match["source"] is not None and not (
        (match["place"] is None or match["place"].isupper())
        and match["source"][0].isupper()
        and (match["dash"] or match["source"].isupper())
    ):
        return 0
    return match.end()


@lru_cache(maxsize=64)
def _site_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


class _Lines:
    """The body's lines with the kind each removed line was removed as."""

    def __init__(self, text: str) -> None:
        self.text = text.split("\n") if text else []
        self.kind: list[str | None] = [None] * len(self.text)
        self.cuts: list[tuple[int, int, str, str]] = []  # (line, offset, kind, part cut from it)
        offsets, total = [], 0
        for line in self.text:
            offsets.append(total)
            total += len(line) + 1
        # Index of the first line of the second half of the body, where footers may start.
        self.tail = next((i for i, o in enumerate(offsets) if 2 * o >= total), len(self.text))

    def kept(self) -> list[int]:
        return [i for i, kind in enumerate(self.kind) if kind is None]

    def cut_part(self, i: int, kind: str, start: int, end: int) -> None:
        """Cuts ``text[i][start:end]``, a dateline or a credit, from a line that stays."""
        line = self.text[i]
        self.cuts.append((i, start, kind, line[start:end].strip()))
        self.text[i] = line[:start] + line[end:]

    def removed(self) -> tuple[tuple[str, str], ...]:
        whole = [(i, 0, kind, self.text[i]) for i, kind in enumerate(self.kind) if kind]
        return tuple((kind, text) for _i, _offset, kind, text in sorted(whole + self.cuts))

    def remove_from(self, start: int, kind: str) -> None:
        for i in range(start, len(self.text)):
            self.kind[i] = self.kind[i] or kind


def _mark_junk(lines: _Lines, headline_key: str, site: tuple[re.Pattern[str], ...]) -> None:
    for i, line in enumerate(lines.text):
        lowered = line.lower()
        match = _JUNK_LINE.match(lowered) or (i >= lines.tail and
                                               _TAIL_JUNK_LINE.fullmatch(lowered))
        if match:
            lines.kind[i] = match.lastgroup
        elif any(p.match(line) for p in site):
            lines.kind[i] = "site"
        elif headline_key and abs(len(line) - len(headline_key)) < 12 and \
                _key(line) == headline_key:
            lines.kind[i] = "headline"  # an image caption repeating the headline


def _cut_at_credit(lines: _Lines) -> str | None:
    """Removes the last credit line of the second half and the teasers after it."""
    for i in reversed(range(lines.tail, len(lines.text))):
        if lines.kind[i] is None and (credit := _credit_line(lines.text[i])):
            lines.kind[i] = "credit"
            lines.remove_from(i + 1, "teaser")
            return credit
    return None


def _cut_related(lines: _Lines) -> None:
    """A related-links heading ends the article in the second half; earlier, only its box goes."""
    for i in lines.kept():
        if not _RELATED_HEADING.fullmatch(lines.text[i].lower()):
            continue
        if i >= lines.tail:
            lines.remove_from(i, "related")
            return
        lines.kind[i] = "related"
        for j in range(i + 1, len(lines.text)):
            title = lines.text[j]
            if lines.kind[j] or len(title) > _MAX_TITLE_LIKE or title.endswith(_SENTENCE_END):
                break
            lines.kind[j] = "related"


def _cut_link_list(lines: _Lines) -> None:
    """A run of bulleted link titles ('· Title') closing the body."""
    run = []
    for i in reversed(lines.kept()):
        if not lines.text[i].startswith(_LINK_LIST_BULLETS):
            break
        run.append(i)
    if len(run) >= _MIN_LINK_LIST:
        for i in run:
            lines.kind[i] = "related"


def _take_final_credit(lines: _Lines) -> str | None:
    """Credit or byline lines closing the body ('Nguồn: Tuổi Trẻ', 'Hoàng Hùng/TTXVN')."""
    credit = None
    while credit is None and (kept := lines.kept()):
        last = kept[-1]
        found = _final_credit(lines.text[last])
        if found is None:
            break
        kind, credit, left = found
        if left:
            lines.cut_part(last, kind, len(left), len(lines.text[last]))
            return credit
        lines.kind[last] = kind
    return credit


def strip_boilerplate(body: str, headline: str = "", *,
                      extra_line_patterns: Sequence[str] = ()) -> Stripped:
    """``body`` without page furniture, and the source credit found at its end.

    ``extra_line_patterns`` are a site's own regexes, matched at the start of each line.
    """
    lines = _Lines(normalize_text(body, vietnamese=False))
    _mark_junk(lines, _key(normalize_line(headline)), _site_patterns(tuple(extra_line_patterns)))
    credit = _cut_at_credit(lines)
    _cut_related(lines)
    _cut_link_list(lines)
    credit = credit or _take_final_credit(lines)
    if kept := lines.kept():
        if dateline := _dateline_length(lines.text[kept[0]]):
            lines.cut_part(kept[0], "dateline", 0, dateline)
        lines.text[kept[-1]] = _VOV_END_MARK.sub(".", lines.text[kept[-1]])
    return Stripped("\n".join(lines.text[i] for i in kept), credit, lines.removed())
