"""Evaluate newscrawl's cleaning, and its extraction against trafilatura.

    python benchmarks/eval_cleaning.py [--labelled PATH] [--aeb DIR] [--show N]

Part 1, on a labelled JSONL set (default ``tests/data/labelled.jsonl``; one object a line with
``headline``, ``articleBody``, ``label`` = "spam-title" | "clean", ``sourceCredit`` = the expected
credit or null, optional ``source`` and ``inLanguage``): spam-title precision and recall, footer
residue (share of items whose cleaned body still holds a known footer marker line) and
source-credit accuracy. The default set reuses the unit tests' strings: a regression check, not
a measure of quality on unseen pages (for that: ``benchmarks/devset.py`` and part 2).

Part 2, on the article-extraction benchmark (default ``../shared/aeb`` beside the checkout; skipped
when absent), with the benchmark's own metric (``_eval_metric``): plain trafilatura, trafilatura
favouring precision, newscrawl's ``extract_article`` body, and that body after the cleaning chain
(``clean_article``, through the same call the crawl's extraction workers make). Items the chain
would drop count as empty predictions.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trafilatura
from _eval_metric import PageScore, Summary, score_page, shingles, summarize

from newscrawl.cleaning import CleaningOptions, SiteContext, clean_article
from newscrawl.cleaning.quality import detect_language
from newscrawl.encoding import decode_html
from newscrawl.extraction import NotExtractable, extract
from newscrawl.settings import NEWSCRAWL_MIN_BODY_CHARS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LABELLED = ROOT / "tests" / "data" / "labelled.jsonl"
DEFAULT_AEB = ROOT.parent / "shared" / "aeb"
SPAM = "spam-title"
OPTIONS = CleaningOptions(min_chars=NEWSCRAWL_MIN_BODY_CHARS)  # the default settings
EXCERPT = 200

# -- the cleaning chain, as the pipelines apply it ----------------------------------------------


@dataclass(frozen=True)
class Cleaned:
    headline: str
    body: str
    credit: str | None
    injection: str | None  # evidence of an injected headline (the item is dropped for it)
    drop: tuple[str, str] | None  # (reason, evidence) the pipelines drop the item for
    removed: tuple[tuple[str, str], ...]  # (rule, text) of each repair and stripped line


def clean(headline: str, body: str, *, expected_language: str) -> Cleaned:
    """``newscrawl.cleaning.clean_article`` with the default settings, for a site whose articles
    are in ``expected_language`` (the quality gate checks it)."""
    cleaned = clean_article(
        headline, body, site=SiteContext(language=expected_language), options=OPTIONS
    )
    return Cleaned(
        cleaned.headline,
        cleaned.body,
        cleaned.source_credit,
        cleaned.title_injection,
        cleaned.rejection,
        cleaned.removed,
    )


def excerpt(text: str, size: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


# -- part 1: labelled set ----------------------------------------------------------------------

# Footer marker lines, written independently of newscrawl.cleaning.footer so the check does not
# grade the rules by themselves. Matched against whole lowercased lines (credits case-sensitively).
_MARKER_LINE = re.compile(
    r"""
    (?P<editor>.*(?:责任编辑|责编|编辑[:\uff1a]|来源[:\uff1a]|上一篇|下一篇|相关文章).*)
    | (?P<player>\d{1,2}:\d{2}(?:\ */\ *\d{1,2}:\d{2})?|nghe\ (?:audio|bài\ viết)|đọc\ bài
        |(?:giọng\ (?:đọc\ )?(?:nam|nữ)(?:\ miền\ \w+)?[\ |/,-]*)+|tốc\ độ(?:\ đọc)?\ *:?
        |(?:[0-2](?:[.,]\d+)?x\ *)+)
    | (?P<related>(?:tin|bài)\ liên\ quan|tin\ cùng\ chuyên\ mục|tin\ mới\ nhất|tin\ nổi\ bật
        |tin\ khác|đọc\ nhiều(?:\ nhất)?|có\ thể\ bạn\ quan\ tâm|bạn\ có\ thể\ quan\ tâm
        |»?\ *cùng\ chủ\ đề|(?:xem|đọc)\ thêm(?:\ *[:\uff1a].*)?)\ *[:\uff1a]?
    | (?P<link_list>[-\u2013]?\ *[·•].*)
    | (?P<copyright>(?:©|copyright\b|\(c\)\ ).*|bản\ quyền\ thuộc\ về[^?]*|ghi\ rõ\ nguồn.*
        |cấm\ sao\ chép.*|giấy\ phép\ số.*|tổng\ biên\ tập\ *:.*)
    | (?P<promo>theo\ dõi\ .{0,80}\ trên\ google\ news.*|bạn\ đang\ đọc\ bài\ viết\ .*
        |mọi\ thông\ tin\ chia\ sẻ,?\ phản\ ánh.*)
    | (?P<ui>chia\ sẻ(?:\ bài\ viết)?|bình\ luận(?:\ \(\d+\))?|gửi\ bình\ luận|ý\ kiến\ bạn\ đọc
        |tin\ tài\ trợ|quảng\ cáo|trở\ lại\ đầu\ trang|(?:tags?|từ\ khóa|từ\ khoá)\ *:.*)
    | (?P<photo>(?:ảnh|nguồn\ ảnh|đồ\ họa)\ *:.{1,60}|\(?ảnh\ minh\ h(?:ọa|oạ)\)?\.?
        |chú\ thích\ ảnh)
    | (?P<source_line>\(?\ *nguồn(?:\ tin)?\ *:.{1,60})
    """,
    re.VERBOSE,
)
_OUTLET = r"[A-ZĐ][\w.+/-]*"
_CREDIT_LINE = re.compile(
    rf"""\(?\ *Theo\ *:?\ *{_OUTLET}(?:,?\ +[\w.+/-]+){{0,5}}\ *\)?\.?  # Theo Reuters, TheoVOV
    | .*\(\ *(?:Theo|Nguồn:?)\ +[A-ZĐ][^()]{{1,40}}\)\.?  # …đất. (Theo TTXVN), Như Tâm (Theo AFP)
    | \(\ *{_OUTLET}\ *\)\.?  # (TTXVN/Vietnam+)
    | [^\W\d_][\w.'-]*(?:\ +[\w.'-]+){{0,3}}  # Nguyễn Quỳnh/VOV.VN, M.K./VOV.VN (biên dịch)
      \ */\ *{_OUTLET}(?:\ +[\w.+-]+){{0,2}}(?:\ *\((?:biên|lược)\ dịch\))?""",
    re.VERBOSE,
)
# An outlet dateline opening the lead: "(Ngày Nay) - ", "HÀ NỘI (Reuters) - ", "TPO - ".
_DATELINE = re.compile(
    r"(?:[^\W\d_][\w ]{0,30} )?\([^()]{2,30}\) *[-\u2013\u2014] *"
    r"|(?:TPO|TTO|NDO|PLO|SGGPO|NLĐO|VOV\.VN|VTV\.vn) *[-\u2013\u2014] *"
)
_MAX_NAME_WORDS = 4


def _is_dateline(line: str) -> bool:
    match = _DATELINE.match(line)
    return (
        bool(match)
        and match.end() < len(line)
        and (line[match.end()].isupper() or line[match.end()] in '"“')
    )


def _is_capitals_byline(line: str) -> bool:
    """A reporter's name in capitals closing the body: 'LÂM NGUYÊN'."""
    words = line.split()
    return line.isupper() and 2 <= len(words) <= _MAX_NAME_WORDS and all(w.isalpha() for w in words)


def _marker_kind(line: str, *, first: bool, last: bool) -> str | None:
    if match := _MARKER_LINE.fullmatch(line.lower()):
        return match.lastgroup
    if _CREDIT_LINE.fullmatch(line):
        return "credit"
    if first and _is_dateline(line):
        return "dateline"
    if last and _is_capitals_byline(line):
        return "byline"
    return None


def footer_markers(body: str) -> list[tuple[str, str]]:
    """(kind, line) of every line of ``body`` that is a known footer marker."""
    lines = body.split("\n")
    kinds = [
        _marker_kind(line, first=i == 0, last=i == len(lines) - 1) for i, line in enumerate(lines)
    ]
    return [(kind, line) for kind, line in zip(kinds, lines, strict=True) if kind]


@dataclass(frozen=True)
class Labelled:
    headline: str
    body: str
    spam: bool
    credit: str | None
    source: str
    language: str


def load_labelled(path: Path) -> list[Labelled]:
    items = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in (SPAM, "clean"):
            raise ValueError(f"{path}:{number}: label must be {SPAM!r} or 'clean'")
        items.append(
            Labelled(
                row["headline"],
                row["articleBody"],
                row["label"] == SPAM,
                row.get("sourceCredit"),
                row.get("source") or f"line {number}",
                row.get("inLanguage") or "vi",
            )
        )
    return items


def _print_cases(title: str, cases: Sequence[str], show: int) -> None:
    if cases:
        print(f"  {title} ({len(cases)}):")
        for case in cases[:show]:
            print(f"    - {case}")
        if len(cases) > show:
            print(f"    … {len(cases) - show} more")


def report_spam(items: Sequence[Labelled], results: Sequence[Cleaned], show: int) -> None:
    flagged = [r.injection is not None for r in results]
    tp = sum(i.spam and f for i, f in zip(items, flagged, strict=True))
    predicted, actual = sum(flagged), sum(i.spam for i in items)
    print(
        f"spam-title   precision {ratio(tp, predicted):.3f} ({tp}/{predicted})   "
        f"recall {ratio(tp, actual):.3f} ({tp}/{actual})"
    )
    _print_cases(
        "missed: labelled spam-title, headline kept",
        [
            f"{i.headline!r}  [{i.source}]"
            for i, f in zip(items, flagged, strict=True)
            if i.spam and not f
        ],
        show,
    )
    _print_cases(
        "false alarms: labelled clean, flagged",
        [
            f"{i.headline!r} -> {r.injection}  [{i.source}]"
            for i, r in zip(items, results, strict=True)
            if r.injection and not i.spam
        ],
        show,
    )


def report_footers(items: Sequence[Labelled], results: Sequence[Cleaned], show: int) -> None:
    residue = [(i, footer_markers(r.body)) for i, r in zip(items, results, strict=True)]
    left = [(i, marks) for i, marks in residue if marks]
    print(
        f"footer residue  {ratio(len(left), len(items)):.3f} "
        f"({len(left)}/{len(items)} items keep a footer marker line after cleaning)"
    )
    _print_cases(
        "items with residue",
        [
            f"{kind}: {excerpt(line, 80)!r}  [{i.source}]"
            for i, marks in left
            for kind, line in marks
        ],
        show,
    )


def report_credits(items: Sequence[Labelled], results: Sequence[Cleaned], show: int) -> None:
    pairs = list(zip(items, results, strict=True))
    right = sum(i.credit == r.credit for i, r in pairs)
    labelled = [(i, r) for i, r in pairs if i.credit is not None]
    found = sum(i.credit == r.credit for i, r in labelled)
    spurious = sum(i.credit is None and r.credit is not None for i, r in pairs)
    print(
        f"source credit   accuracy {ratio(right, len(pairs)):.3f} ({right}/{len(pairs)} exact)"
        f"   labelled credits found {found}/{len(labelled)}   spurious credits {spurious}"
    )
    _print_cases(
        "credit mismatches",
        [
            f"expected {i.credit!r}, got {r.credit!r}  [{i.source}]"
            for i, r in pairs
            if i.credit != r.credit
        ],
        show,
    )


def run_labelled(path: Path, show: int) -> None:
    items = load_labelled(path)
    spam = sum(i.spam for i in items)
    print(
        f"== Part 1: labelled set {path} ({len(items)} items: {spam} {SPAM}, "
        f"{len(items) - spam} clean)"
    )
    results = [clean(i.headline, i.body, expected_language=i.language) for i in items]
    report_spam(items, results, show)
    report_footers(items, results, show)
    report_credits(items, results, show)


# -- part 2: article-extraction benchmark ---------------------------------------------------------


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    raw: bytes
    truth: str


@dataclass(frozen=True)
class Prediction:
    text: str
    note: str | None = None  # why the text is empty: not extractable, dropped by the chain
    removed: tuple[tuple[str, str], ...] = ()


SYSTEMS = {
    "a": "trafilatura.extract, default settings",
    "b": "trafilatura.extract, favor_precision=True",
    "c": "newscrawl extract_article body",
    "d": "newscrawl extraction + cleaning chain",
}


def load_pages(aeb: Path) -> Iterator[Page]:
    truth = json.loads((aeb / "ground-truth.json").read_text("utf-8"))
    for page_id, item in sorted(truth.items()):
        raw = gzip.decompress((aeb / "html" / f"{page_id}.html.gz").read_bytes())
        yield Page(page_id, item["url"], raw, item["articleBody"])


def _trafilatura(html: str, url: str, **options: Any) -> Prediction:
    return Prediction(trafilatura.extract(html, url=url, **options) or "")


def _newscrawl(html: str, url: str, site_language: str) -> tuple[Prediction, Prediction]:
    """(extraction alone, extraction + cleaning) for one page of a site in ``site_language``:
    the call the crawl's extraction workers make."""
    try:
        found, cleaned = extract(
            html,
            url,
            timezone=None,  # an ad-hoc site
            site=SiteContext(language=site_language),
            options=OPTIONS,
        )
    except NotExtractable as exc:
        empty = Prediction("", f"not extractable: {exc}")
        return empty, empty
    drop = cleaned.rejection
    note = f"dropped {drop[0]}: {drop[1]}" if drop else None
    after = Prediction("" if drop else cleaned.body, note, cleaned.removed)
    return Prediction(found.body), after


def predict(page: Page) -> dict[str, Prediction]:
    # Decoded as the crawler decodes (BOM, declared charset checked against the bytes).
    html = decode_html(page.raw).text
    # The registry would give the site's language; here it is that of the ground-truth text.
    extracted, cleaned = _newscrawl(html, page.url, detect_language(page.truth))
    return {
        "a": _trafilatura(html, page.url),
        "b": _trafilatura(html, page.url, favor_precision=True),
        "c": extracted,
        "d": cleaned,
    }


@dataclass(frozen=True)
class Result:
    page: Page
    predictions: dict[str, Prediction]
    scores: dict[str, PageScore]


def evaluate(pages: Iterable[Page]) -> list[Result]:
    results = []
    for page in pages:
        predictions = predict(page)
        scores = {key: score_page(page.truth, p.text) for key, p in predictions.items()}
        results.append(Result(page, predictions, scores))
    return results


def _summary(results: Sequence[Result], key: str) -> Summary:
    return summarize(r.scores[key] for r in results)


def print_table(results: Sequence[Result]) -> dict[str, Summary]:
    summaries = {key: _summary(results, key) for key in SYSTEMS}
    print(f"{'':4}{'system':44}{'P':>7}{'R':>7}{'F1':>7}{'empty':>7}")
    for key, name in SYSTEMS.items():
        s = summaries[key]
        empty = sum(not r.predictions[key].text.strip() for r in results)
        print(f"({key}) {name:44}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{empty:7d}")
    return summaries


def print_accepted(results: Sequence[Result]) -> None:
    """The same table on the pages ``extract_article`` accepts: its not-article gate set apart."""
    accepted = [r for r in results if not r.predictions["c"].note]
    print(
        f"on the {len(accepted)} pages extract_article accepts "
        f"({len(results) - len(accepted)} rejected as not extractable):"
    )
    print_table(accepted)


def print_wins(results: Sequence[Result], new: str, old: str) -> None:
    wins = sum(r.scores[new].f1 > r.scores[old].f1 + 1e-9 for r in results)
    losses = sum(r.scores[new].f1 < r.scores[old].f1 - 1e-9 for r in results)
    print(
        f"per-page F1, ({new}) vs ({old}): {wins} wins, {losses} losses, "
        f"{len(results) - wins - losses} ties"
    )


def print_drops(results: Sequence[Result]) -> None:
    dropped = [r for r in results if r.predictions["d"].note]
    reasons = Counter((r.predictions["d"].note or "").split(":")[0] for r in dropped)
    print(
        f"(d) empty predictions: {len(dropped)} of {len(results)} "
        f"({', '.join(f'{n} {reason}' for reason, n in reasons.most_common()) or 'none'})"
    )
    for r in dropped:
        print(
            f"    {r.page.id[:12]}  (a) page F1 {r.scores['a'].f1:.3f}  {r.page.url}\n"
            f"        {r.predictions['d'].note}"
        )


def _is_article_text(text: str, truth: Counter[tuple[str, ...]]) -> bool:
    """Whether most shingles of a removed line occur in the ground-truth body."""
    own = shingles(text)
    return bool(own) and 2 * sum((own & truth).values()) >= sum(own.values())


def print_rules(results: Sequence[Result]) -> None:
    """For each cleaning rule: lines removed on the benchmark, and how many were article text."""
    removed: Counter[str] = Counter()
    harmful: Counter[str] = Counter()
    for r in results:
        truth = shingles(r.page.truth)
        for rule, text in r.predictions["d"].removed:
            removed[rule] += 1
            harmful[rule] += _is_article_text(text, truth)
    print(
        "cleaning rules on the benchmark (removed: lines/fragments; article text: of those, "
        "mostly ground-truth text):"
    )
    for rule, count in removed.most_common():
        print(f"    {rule:34}removed {count:4d}   article text {harmful[rule]:4d}")


def print_losers(results: Sequence[Result], show: int) -> None:
    """Pages where cleaning lowers the page F1 most, with what the cleaning removed."""
    losers = sorted(
        (r for r in results if r.scores["d"].f1 < r.scores["c"].f1 - 1e-9),
        key=lambda r: r.scores["d"].f1 - r.scores["c"].f1,
    )
    print(f"pages where the cleaning lowers F1 ((d) below (c)): {len(losers)}; worst {show}:")
    for r in losers[:show]:
        d = r.predictions["d"]
        print(
            f"    {r.page.id[:12]}  F1 {r.scores['c'].f1:.3f} -> {r.scores['d'].f1:.3f}  "
            f"{r.page.url}"
        )
        if d.note:
            print(f"        {d.note}")
        truth = shingles(r.page.truth)
        for (rule, text), times in Counter(d.removed).items():
            flag = "ARTICLE TEXT " if _is_article_text(text, truth) else ""
            repeat = f" (x{times})" if times > 1 else ""
            print(f"        {flag}[{rule}]{repeat} {excerpt(text)!r}")


def print_verdict(summaries: dict[str, Summary]) -> None:
    a, c, d = summaries["a"], summaries["c"], summaries["d"]
    print(
        f"cleaning vs extraction alone ((d) - (c)): P {d.precision - c.precision:+.3f}  "
        f"R {d.recall - c.recall:+.3f}  F1 {d.f1 - c.f1:+.3f}"
    )
    print(
        f"newscrawl vs plain trafilatura ((d) - (a)): P {d.precision - a.precision:+.3f}  "
        f"R {d.recall - a.recall:+.3f}  F1 {d.f1 - a.f1:+.3f}"
    )
    keeps_f1 = d.f1 >= c.f1 - 1e-9
    print(
        f"requirement 'cleaning must not lower F1': {'met' if keeps_f1 else 'NOT met'}; "
        f"'should raise precision': {'met' if d.precision > c.precision else 'NOT met'}"
    )


def run_benchmark(aeb: Path, show: int) -> None:
    print(f"== Part 2: article-extraction benchmark {aeb}")
    results = evaluate(load_pages(aeb))
    print(f"{len(results)} pages; metric: 4-token shingles of \\w+ tokens, per-page normalised")
    summaries = print_table(results)
    print(
        "    (an empty prediction scores recall 0 and, as in the benchmark's evaluate.py, is left"
        " out of the precision mean)"
    )
    print_accepted(results)
    for new, old in (("d", "a"), ("d", "c"), ("c", "a")):
        print_wins(results, new, old)
    print_verdict(summaries)
    print_drops(results)
    print_rules(results)
    d = summaries["d"]
    if d.f1 < summaries["c"].f1 or d.f1 < summaries["a"].f1:
        print_losers(results, show)


# -- command line --------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--labelled",
        type=Path,
        default=DEFAULT_LABELLED,
        help="labelled JSONL set (default: %(default)s)",
    )
    parser.add_argument(
        "--aeb",
        type=Path,
        default=DEFAULT_AEB,
        help="article-extraction benchmark directory (default: %(default)s)",
    )
    parser.add_argument("--show", type=int, default=15, help="cases listed per finding")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run_labelled(args.labelled, args.show)
    print()
    if (args.aeb / "ground-truth.json").is_file():
        run_benchmark(args.aeb, args.show)
    else:
        print(
            f"== Part 2 skipped: no article-extraction benchmark at {args.aeb} "
            "(pass --aeb DIR; it lives in ../shared/aeb beside the checkout)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
