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


# Lines removed wherever they are, in any language: a player's clock, a Chinese CMS's editor and
# navigation lines, a copyright notice. One alternation, so each line costs a single match;
# patterns are matched against the lowercased line (case-insensitive matching is slower).
_NEUTRAL_JUNK_LINE = re.compile(
    r"""
    (?P<player>\d{1,2}:\d{2}(?::\d{2})?(?:\ */\ *\d{1,2}:\d{2}(?::\d{2})?)?$)
    | (?P<editor>[(\uff08【\[]?\ *(?:责任编辑|责编|编辑|来源|原标题|上一篇|下一篇|相关文章|相关阅读
        |推荐阅读).{0,80}$)
    | (?P<copyright>(?:©|\(c\)\ |copyright\ ).*)
    """,
    re.VERBOSE,
)
# Lines removed wherever they are in Vietnamese text: Vietnamese wording, and shapes (">> Title",
# "- ·Title") that other languages use for quotes and lists ("» Link" is a related link,
# "»Zitat«" a German quotation: » needs a space after it).
_JUNK_LINE = re.compile(
    r"""
    (?P<player>
        (?:nghe\ (?:audio|bài\ viết|bài\ báo|đọc\ bài) | đọc\ bài
        | (?:giọng\ (?:đọc\ )?(?:nam|nữ)(?:\ miền\ (?:bắc|trung|nam))?[\ |/,-]*)+
        | (?:tốc\ độ(?:\ đọc)?:?\ *)?(?:[0-2](?:[.,]\d{1,2})?x\ *)+ | tốc\ độ(?:\ đọc)?
        )$)
    | (?P<related>-\ *·.*|(?:>>|»\ ).{0,200}$|(?:xem|đọc)\ thêm\ *[:\uff1a]\ *\S.{0,200}$)
    | (?P<share>(?:chia\ sẻ(?:\ bài\ viết)?|share)(?:\ (?:lên|qua)\ \w+)?\ *:?$)
    | (?P<tags>(?:tags?|từ\ khóa|từ\ khoá)\ *:.*)
    | (?P<copyright>ghi\ rõ\ nguồn.*(?:phát\ hành|đăng\ tải)\ lại.*
        |cấm\ sao\ chép.*)
    | (?P<follow>(?:bấm\ )?theo\ dõi\ .{0,80}\ trên\ google\ news.*)
    | (?P<promo>bạn\ đang\ đọc\ bài\ viết\ .*|mọi\ thông\ tin\ chia\ sẻ,?\ phản\ ánh.*
        |(?:mời\ )?(?:quý\ )?(?:bạn\ đọc|độc\ giả)\ (?:có\ thể\ )?(?:gửi|báo\ tin).{0,120}
        (?:email|e-mail|hotline|đường\ dây\ nóng|@).*)
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
_MAX_TEASER_TITLES = 2  # title lines above a teaser's lead (a caption, the title)
_SENTENCE_END = tuple('.!?…"\u201d»)')

_THEO = r"(?i:theo)"
_CREDIT_LINE = re.compile(rf"\(? *{_THEO} *:? *(?P<source>[^()]{{2,60}}?) *\)?\.?")
# "Nguồn: X", "Nguồn tin: X", and the bilingual "Source (Nguồn): X" of translated articles
_SOURCE_LINE = re.compile(
    r"\(? *(?i:nguồn(?: tin)?|source(?: *\(nguồn\))?) *: *"
    r"(?P<source>[^()]{2,60}?) *\)?\.?"
)
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
# Who signs for the paper when no name is given: phóng viên, cộng tác viên, nhóm phóng viên.
_STAFF = frozenset({"pv", "ctv", "btv", "nhóm pv", "nhóm phóng viên", "phóng viên"})

_DATELINE = re.compile(
    r"(?:(?P<place>[^\W\d_]+(?:[ .,]+[^\W\d_]+){0,3}) *)?\((?P<source>[^()]{2,30})\) *"
    r"(?P<dash>[-\u2013\u2014])? *"
    r"|(?:TPO|TTO|NDO|PLO|SGGPO|NLĐO|VOVWORLD|[A-Za-z]+\.(?:vn|VN|Vn)) *[-\u2013\u2014] *"
)
# "compiled", "collected", "internet": a source line that credits no outlet
_COMPILED_SOURCES = frozenset(
    {"tổng hợp", "th", "sưu tầm", "st", "internet", "tổng hợp từ internet", "sưu tầm từ internet"}
)
_OPENING_QUOTES = "\"'\u201c\u2018"
_VOV_END_MARK = re.compile(r" *\./\.$")
_WORD = re.compile(r"\w+")


def _outlets(source: str) -> str | None:
    """``source`` when it reads as outlet names ('VnExpress, Reuters'), else None."""
    source = source.strip(" .")
    if not source or _NOT_A_NAME.search(source):
        return None
    names = _OUTLET_SEPARATOR.split(source)
    if all(
        n and (n[0].isupper() or n[0].isdigit()) and len(n.split()) <= _MAX_OUTLET_WORDS
        for n in names
    ):
        return source
    return None


def _is_person(name: str) -> bool:
    """'Nguyễn Quỳnh', 'M.K.', 'PV': capitalized words, initials or a staff signature, not an
    acronym such as 'TTXVN'."""
    if name.casefold() in _STAFF:
        return True
    return all(
        _INITIALS.fullmatch(word) or (word[0].isupper() and not word.isupper())
        for word in name.split()
    )


def _theo_credit(line: str) -> str | None:
    """'Theo Reuters', 'TheoVOV', '(Theo TTXVN)' -> the outlet; 'Theo Thái Sơn/Báo QĐND' -> the
    outlet of the byline."""
    if not (match := _CREDIT_LINE.fullmatch(line)):
        return None
    byline = _BYLINE.fullmatch(match["source"])
    if byline and _is_person(byline["person"]):
        return _outlets(byline["source"])
    return _outlets(match["source"])


def _credit(line: str) -> tuple[str, str | None, str] | None:
    """(kind, outlet, what is left of the line) for a credit or byline line, else None.

    The outlet is None for a line that credits no outlet ("Nguồn: Tổng hợp"). Forms: "Theo X",
    "(Theo X)", "TheoX", "Nguồn: X", "(Nguồn: X)", "Source (Nguồn): X", "(X)" for an outlet
    that looks like one (TTXVN, Vietnam+, VOV.VN), "Name/X", "Theo Name/X", "PV/Báo X",
    "Name (Theo X, Y)", and a paragraph closed by "(Theo X)".
    """
    if (match := _SOURCE_LINE.fullmatch(line)) and match["source"].strip(" .").casefold() in (
        _COMPILED_SOURCES
    ):
        return "credit", None, ""
    if credit := _theo_credit(line):
        return "credit", credit, ""
    for pattern in (_SOURCE_LINE, _PARENTHESIZED_OUTLET):
        if (
            (match := pattern.fullmatch(line))
            and (credit := _outlets(match["source"]))
            and (pattern is _SOURCE_LINE or _OUTLET_MARK.search(credit))
        ):
            return "credit", credit, ""
    for pattern in (_BYLINE, _NAME_WITH_CREDIT):
        if (
            (match := pattern.fullmatch(line))
            and _is_person(match["person"])
            and (credit := _outlets(match["source"]))
        ):
            return "byline", credit, ""
    if (match := _TRAILING_CREDIT.search(line)) and (credit := _outlets(match["source"])):
        return "credit", credit, line[: match.start()]
    return None


def _reporter_in_capitals(line: str) -> bool:
    """'LÂM NGUYÊN': the reporter's name closing the article (a heading looks the same, so
    only the last line is taken for one)."""
    words = line.split()
    return line.isupper() and 2 <= len(words) <= 4 and all(w.isalpha() for w in words)


def _dateline_length(line: str) -> int:
    """Length of an outlet dateline opening the lead ('(Ngày Nay) - Tổng thống…'), else 0."""
    match = _DATELINE.match(line)
    if (
        not match
        or match.end() == len(line)
        or not (line[match.end()].isupper() or line[match.end()] in _OPENING_QUOTES)
    ):
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

    def credit_zone(self) -> int:
        """Index of the first line, among those kept, past the first third of the kept text (of
        its characters, or of its lines when one huge line of page residue outweighs the
        article): a credit may close the article from there, with teasers of other articles
        (as long as the article) after it."""
        kept = self.kept()
        if not kept:
            return len(self.text)
        total, seen = sum(len(self.text[i]) + 1 for i in kept), 0
        by_chars = kept[-1]
        for i in kept:
            if 3 * seen >= total:
                by_chars = i
                break
            seen += len(self.text[i]) + 1
        return min(by_chars, kept[len(kept) // 3])

    def cut_part(self, i: int, kind: str, start: int, end: int) -> None:
        """Cuts ``text[i][start:end]``, a dateline or a credit, from a line that stays."""
        line = self.text[i]
        self.cuts.append((i, start, kind, line[start:end].strip()))
        self.text[i] = (line[:start] + line[end:]).strip()

    def removed(self) -> tuple[tuple[str, str], ...]:
        whole = [(i, 0, kind, self.text[i]) for i, kind in enumerate(self.kind) if kind]
        return tuple((kind, text) for _i, _offset, kind, text in sorted(whole + self.cuts))

    def remove_from(self, start: int, kind: str) -> None:
        for i in range(start, len(self.text)):
            self.kind[i] = self.kind[i] or kind


def _mark_junk(
    lines: _Lines, headline_key: str, site: tuple[re.Pattern[str], ...], *, vietnamese: bool
) -> None:
    for i, line in enumerate(lines.text):
        lowered = line.lower()
        match = _NEUTRAL_JUNK_LINE.match(lowered) or (
            vietnamese
            and (
                _JUNK_LINE.match(lowered)
                or (i >= lines.tail and _TAIL_JUNK_LINE.fullmatch(lowered))
            )
        )
        if match:
            lines.kind[i] = match.lastgroup
        elif any(p.match(line) for p in site):
            lines.kind[i] = "site"
        elif (
            headline_key and abs(len(line) - len(headline_key)) < 12 and _key(line) == headline_key
        ):
            lines.kind[i] = "headline"  # an image caption repeating the headline


def _take_credit(lines: _Lines, i: int) -> str | None:
    """The outlet credited by line ``i``, removing the credit and what follows it (teasers,
    links, the site's footer: nothing of the article comes after its credit)."""
    found = _credit(lines.text[i])
    if found is None or found[1] is None:
        return None
    kind, credit, left = found
    if left:
        lines.cut_part(i, kind, len(left), len(lines.text[i]))
    else:
        lines.kind[i] = kind
    lines.remove_from(i + 1, "teaser")
    return credit


def _cut_at_credit(lines: _Lines) -> str | None:
    """The last line after the body's first third that credits an outlet ends the article."""
    zone = lines.credit_zone()
    for i in reversed(lines.kept()):
        if i < zone:
            break
        if credit := _take_credit(lines, i):
            return credit
    return None


def _cut_at_hint(lines: _Lines, hints: Sequence[str]) -> str | None:
    """A credit the page's markup marks as such (an element named source, author...), which
    the extractor left out or ran into a paragraph: the outlet, and if the hint's text closes
    a line after the first third, it is cut there with what follows."""
    for hint in hints:
        text = normalize_line(hint)
        found = _credit(text)
        if found is None or found[1] is None:
            continue
        zone = lines.credit_zone()
        for i in reversed(lines.kept()):
            if i < zone:
                break
            if (at := lines.text[i].find(text)) != -1:
                lines.cut_part(i, found[0], at, len(lines.text[i]))
                lines.remove_from(i + 1, "teaser")
                break
        return found[1]
    return None


def _cut_teasers(lines: _Lines) -> None:
    """Teasers of other articles: a lead opening with an outlet's dateline ("(Dân trí) - ...")
    after the article's own lead, with the title line(s) above it."""
    kept = lines.kept()
    for position, i in enumerate(kept[1:], start=1):
        if not _dateline_length(lines.text[i]):
            continue
        lines.kind[i] = "teaser"
        for j in reversed(kept[max(1, position - _MAX_TEASER_TITLES) : position]):
            title = lines.text[j]
            if (
                lines.kind[j]
                or len(title) > _MAX_TITLE_LIKE
                or title.endswith(_SENTENCE_END)
                or _credit(title)
            ):
                break
            lines.kind[j] = "teaser"


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
    """Credit-like lines closing the body that name no outlet ('Nguồn: Tổng hợp', a reporter
    in capitals), then a credit that names one."""
    while kept := lines.kept():
        last = kept[-1]
        found = _credit(lines.text[last])
        if found is not None and found[1] is not None:
            return _take_credit(lines, last)
        if found is None and not _reporter_in_capitals(lines.text[last]):
            return None
        lines.kind[last] = found[0] if found else "byline"
    return None


def strip_boilerplate(
    body: str,
    headline: str = "",
    *,
    extra_line_patterns: Sequence[str] = (),
    vietnamese: bool = True,
    credit_hints: Sequence[str] = (),
) -> Stripped:
    """``body`` without page furniture, and the source credit found at its end.

    ``extra_line_patterns`` are a site's own regexes, matched at the start of each line.
    ``vietnamese``: the Vietnamese rules (credits "Theo X", related boxes, ">>" links,
    Vietnamese wording) apply only to Vietnamese text; other languages get the neutral ones.
    ``credit_hints``: texts of the page's elements named as sources or bylines.
    """
    lines = _Lines(normalize_text(body, vietnamese=False))
    _mark_junk(
        lines,
        _key(normalize_line(headline)),
        _site_patterns(tuple(extra_line_patterns)),
        vietnamese=vietnamese,
    )
    credit = None
    if vietnamese:
        _cut_teasers(lines)
        _cut_related(lines)
        _cut_link_list(lines)
        credit = (
            _cut_at_credit(lines) or _take_final_credit(lines) or _cut_at_hint(lines, credit_hints)
        )
    if kept := lines.kept():
        if dateline := _dateline_length(lines.text[kept[0]]):
            lines.cut_part(kept[0], "dateline", 0, dateline)
        lines.text[kept[-1]] = _VOV_END_MARK.sub(".", lines.text[kept[-1]])
    return Stripped("\n".join(lines.text[i] for i in kept), credit, lines.removed())
