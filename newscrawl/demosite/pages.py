"""HTML templates of the demo sites (plain string templates + html.escape).

The paper's markup imitates real Vietnamese papers: VnExpress (`h1.title-detail`,
`p.description`, `article.fck_detail`), Dân Trí (`h1.title-page`, `h2.singular-sapo`,
`div.singular-content`), VOV (`div.article__sapo`, `div.article__body`) and, for seed 000, a
Ngày Nay page whose container also holds an audio player and teasers. The farm imitates a
Chinese-CMS content farm. Boilerplate (menus, share bar, comments, related boxes, licence footer)
is there on purpose: it is what the crawler must learn to ignore.
"""

import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote

from .content import Article, SiteInfo, Teaser, slugify

WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
UTF8_META = '<meta charset="utf-8">'


def vne_date(dt: datetime) -> str:
    """VnExpress style: 'Thứ năm, 17/6/2021, 08:15 (GMT+7)'."""
    return f"{WEEKDAYS[dt.weekday()]}, {dt.day}/{dt.month}/{dt.year}, {dt:%H:%M} (GMT+7)"


def dantri_date(dt: datetime) -> str:
    """Dân Trí style: 'Thứ năm, 17/06/2021 - 08:15'."""
    return f"{WEEKDAYS[dt.weekday()]}, {dt:%d/%m/%Y - %H:%M}"


def vov_date(dt: datetime) -> str:
    """VOV style: 'Thứ 5, 08:15, 17/06/2021'."""
    day = "Chủ nhật" if dt.weekday() == 6 else f"Thứ {dt.weekday() + 2}"
    return f"{day}, {dt:%H:%M, %d/%m/%Y}"


@dataclass(frozen=True)
class Layout:
    """Class names and date format of one paper's article template."""

    h1: str
    sapo_tag: str
    sapo_class: str
    body_tag: str
    body_class: str
    para_class: str
    author_class: str
    date: Callable[[datetime], str]


LAYOUTS = {
    "vne": Layout(
        h1="title-detail",
        sapo_tag="p",
        sapo_class="description",
        body_tag="article",
        body_class="fck_detail",
        para_class="Normal",
        author_class="author_mail",
        date=vne_date,
    ),
    "dantri": Layout(
        h1="title-page detail",
        sapo_tag="h2",
        sapo_class="singular-sapo",
        body_tag="div",
        body_class="singular-content",
        para_class="",
        author_class="author-name",
        date=dantri_date,
    ),
    "vov": Layout(
        h1="article__title cms-title",
        sapo_tag="div",
        sapo_class="article__sapo cms-desc",
        body_tag="div",
        body_class="article__body cms-body",
        para_class="",
        author_class="article__author",
        date=vov_date,
    ),
}


@dataclass(frozen=True)
class Link:
    """A teaser link on listing pages and in related boxes."""

    href: str
    title: str
    lead: str = ""
    image: str = ""


def e(text: str) -> str:
    return escape(text, quote=True)


def json_ld(data: dict[str, Any]) -> str:
    # "</" would end the <script> element early.
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def anchor(href: str, text: str) -> str:
    return f'<a href="{e(href)}" title="{e(text)}">{e(text)}</a>'


def paragraph(text: str, css_class: str = "", style: str = "") -> str:
    attrs = (f' class="{css_class}"' if css_class else "") + (f' style="{style}"' if style else "")
    return f"<p{attrs}>{e(text)}</p>"


class PaperPages:
    """Renders every HTML page of the paper; `base` is the running site's base URL."""

    feed_path: str | None = "/rss/tin-moi-nhat.rss"

    def __init__(self, info: SiteInfo, base: str, *, feeds: bool = True) -> None:
        self.info = info
        self.base = base
        if not feeds:  # the feedless variant: no feed link anywhere
            self.feed_path = None

    # -- page skeleton ----------------------------------------------------------------------

    def document(self, title: str, head: str, body: str, charset_meta: str = UTF8_META) -> str:
        return f"""<!DOCTYPE html>
<html lang="vi">
<head>
{charset_meta}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
{head}
{self.feed_link()}
</head>
<body>
{self.header()}
{body}
{self.footer()}
</body>
</html>
"""

    def feed_link(self) -> str:
        if self.feed_path is None:
            return ""
        return (
            f'<link rel="alternate" type="application/rss+xml" title="{e(self.info.name)}" '
            f'href="{self.base}{self.feed_path}">'
        )

    def header(self) -> str:
        menu = "".join(
            f'<li><a href="/{slug}" title="{e(name)}">{e(name)}</a></li>'
            for slug, name in self.info.sections.items()
        )
        return f"""<header class="section top-header">
<div class="container flexbox">
<a class="logo" href="/" title="{e(self.info.tagline)}">{e(self.info.name)}</a>
<form class="search-form" action="/tim-kiem" method="get">\
<input type="text" name="q" placeholder="Tìm kiếm"><button type="submit">Tìm</button></form>
</div>
<nav class="main-nav"><ul class="parent">
<li class="home"><a href="/" title="Trang chủ">Trang chủ</a></li>{menu}
<li><a href="/anh" title="Ảnh">Ảnh</a></li>
</ul></nav>
</header>"""

    def footer(self) -> str:
        menu = "".join(
            f'<li><a href="/{slug}">{e(name)}</a></li>' for slug, name in self.info.sections.items()
        )
        rss = f'<li><a href="{self.feed_path}">RSS</a></li>' if self.feed_path else ""
        lines = "\n".join(paragraph(line) for line in self.info.footer)
        return f"""<footer class="footer" id="footer">
<div class="container">
<ul class="footer-menu">{menu}{rss}</ul>
<div class="copyright">
{lines}
</div>
</div>
</footer>"""

    # -- article pages ----------------------------------------------------------------------

    def article(
        self,
        article: Article,
        *,
        inline_related: Sequence[Article] = (),
        more: Sequence[Link] = (),
        most_read: Sequence[Link] = (),
        charset_meta: str = UTF8_META,
    ) -> str:
        canonical = self.base + article.url_path
        main = (
            self.ngaynay_main(article)
            if article.page.layout == "ngaynay"
            else self.paper_main(article, inline_related)
        )
        body = f"""<section class="section page-detail top-detail">
<div class="container">
<div class="sidebar-1">
{main}
{self.tags(article)}
{self.share_bar(canonical)}
{self.comments(article)}
{self.link_box("Xem thêm", more, "box-category box-xemthem")}
</div>
{self.sidebar(most_read)}
</div>
</section>"""
        title = f"{article.headline} - {self.info.name}"
        return self.document(title, self.article_head(article, canonical), body, charset_meta)

    def article_head(self, article: Article, canonical: str) -> str:
        section = self.info.sections.get(article.section, "")
        metas = [
            f'<meta name="description" content="{e(article.description)}">',
            f'<link rel="canonical" href="{e(canonical)}">',
            f'<meta property="og:site_name" content="{e(self.info.name)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{e(article.headline)}">',
            f'<meta property="og:description" content="{e(article.description)}">',
            f'<meta property="og:url" content="{e(canonical)}">',
            f'<meta property="og:image" content="{e(article.image_url)}">',
            f'<meta property="article:section" content="{e(section)}">',
        ]
        if article.page.dates == "full":
            metas += [
                f'<meta property="article:published_time" content="{article.date_published}">',
                f'<meta property="article:modified_time" content="{article.date_modified}">',
            ]
        if article.page.dates != "visible":
            metas.append(json_ld(self.news_article_ld(article, canonical)))
        metas.append(json_ld(self.breadcrumb_ld(article)))
        return "\n".join(metas)

    def news_article_ld(self, article: Article, canonical: str) -> dict[str, Any]:
        naive = article.page.dates == "naive"

        def date(dt: datetime) -> str:
            # Some papers print local time without an offset; readers must assume +07:00.
            return dt.replace(tzinfo=None).isoformat() if naive else dt.isoformat()

        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
            "headline": article.headline,
            "description": article.description,
            "image": [article.image_url],
            "datePublished": date(article.published),
            "dateModified": date(article.modified),
            "publisher": {
                "@type": "Organization",
                "name": self.info.publisher,
                "logo": {"@type": "ImageObject", "url": f"{self.info.image_host}/logo.png"},
            },
            "inLanguage": "vi",
        }
        if article.authors:
            data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
        return data

    def breadcrumb_ld(self, article: Article) -> dict[str, Any]:
        crumbs = [("Trang chủ", "/"), self.section_crumb(article.section)]
        items = [
            {"@type": "ListItem", "position": i, "name": name, "item": self.base + path}
            for i, (name, path) in enumerate(crumbs, start=1)
        ]
        return {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": items,
        }

    def section_crumb(self, section: str) -> tuple[str, str]:
        return self.info.sections.get(section, section), f"/{section}"

    def breadcrumb(self, article: Article) -> str:
        name, path = self.section_crumb(article.section)
        return (
            '<ul class="breadcrumb" data-campaign="Header">'
            '<li><a href="/" title="Trang chủ">Trang chủ</a></li>'
            f'<li><a href="{path}" title="{e(name)}">{e(name)}</a></li></ul>'
        )

    def paper_main(self, article: Article, inline_related: Sequence[Article]) -> str:
        layout = LAYOUTS[article.page.layout]
        sapo = f"{article.dateline}{article.description}"
        return f"""<div class="header-content width_common">
{self.breadcrumb(article)}
<span class="date">{e(layout.date(article.published))}</span>
</div>
<h1 class="{layout.h1}">{e(article.headline)}</h1>
<{layout.sapo_tag} class="{layout.sapo_class}">{e(sapo)}</{layout.sapo_tag}>
<{layout.body_tag} class="{layout.body_class}" id="article-body">
{self.audio_player() if article.page.audio else ""}
{self.body(article, layout.para_class)}
{self.byline(article, layout.author_class)}
{self.footer_lines(article, layout.para_class)}
{self.inline_related(inline_related)}
</{layout.body_tag}>"""

    def ngaynay_main(self, article: Article) -> str:
        """Seed 000: the container holds player, lead, captioned image, body, credit, teasers."""
        return f"""<div class="article-header">
{self.breadcrumb(article)}
<span class="article-date">{e(vne_date(article.published))}</span>
</div>
<h1 class="article-title">{e(article.headline)}</h1>
<div class="article-content" id="article-content">
{self.audio_player()}
<p class="article-sapo"><strong>{e(article.dateline + article.description)}</strong></p>
{self.body(article, "", self.plain_figure(article))}
{self.footer_lines(article, "")}
<div class="article-inline-list">
{"".join(self.teaser(t) for t in article.page.teasers)}
</div>
</div>"""

    def audio_player(self) -> str:
        return """<div class="audio-player" data-role="tts">
<audio preload="none" src=""></audio>
<button class="audio-play" type="button" aria-label="Nghe bài viết"></button>
<p class="audio-time">0:00 / 0:00</p>
<p class="audio-current">0:00</p>
</div>"""

    def body(self, article: Article, para_class: str, figure: str | None = None) -> str:
        blocks = [paragraph(text, para_class) for text in article.paragraphs]
        blocks.insert(article.page.figure_after, figure or self.figure(article))
        return "\n".join(blocks)

    def figure(self, article: Article) -> str:
        caption = e(article.image_caption)
        return f"""<figure class="tplCaption image">
<div class="fig-picture"><img src="{e(article.image_url)}" alt="{caption}" loading="lazy"></div>
<figcaption><p class="Image">{caption}</p></figcaption>
</figure>"""

    def plain_figure(self, article: Article) -> str:
        """An image with its caption in a plain paragraph, which extractors keep as text."""
        caption = e(article.image_caption)
        return f"""<div class="article-photo">
<img src="{e(article.image_url)}" alt="{caption}" loading="lazy">
<p class="Image">{caption}</p>
</div>"""

    def byline(self, article: Article, css_class: str) -> str:
        names = ", ".join(article.authors)
        # A "Name/VOV.VN" footer line already carries the byline.
        if not names or any(names in line for line in article.footer_lines):
            return ""
        return f'<p class="{css_class}" style="text-align:right;"><strong>{e(names)}</strong></p>'

    def footer_lines(self, article: Article, para_class: str) -> str:
        return "\n".join(
            paragraph(line, para_class, "text-align:right;") for line in article.footer_lines
        )

    def inline_related(self, related: Sequence[Article]) -> str:
        if not related:
            return ""
        items = "".join(f"<li>{anchor(self.base + a.link_path, a.headline)}</li>" for a in related)
        return f"""<div class="box-tinlienquan">
<p class="title-box"><strong>Tin liên quan</strong></p>
<ul class="list-news">{items}</ul>
</div>"""

    def teaser(self, teaser: Teaser) -> str:
        href = f"https://ngaynay.example/{slugify(teaser.headline)}.html"
        return f"""<div class="inline-item">
<div class="inline-item__image"><a href="{href}"><img src="" alt="{e(teaser.caption)}"></a></div>
<p class="inline-item__photo-text">{e(teaser.caption)}</p>
<h3 class="inline-item__title">{anchor(href, teaser.headline)}</h3>
<p class="inline-item__sapo">{e(teaser.lead)}</p>
</div>
"""

    def tags(self, article: Article) -> str:
        links = " ".join(
            f'<a class="item-tag" href="/tag/{slugify(tag)}" title="{e(tag)}">{e(tag)}</a>'
            for tag in article.tags
        )
        return f'<div class="box-tag"><h4>Chủ đề:</h4> {links}</div>' if links else ""

    def share_bar(self, canonical: str) -> str:
        url = quote(canonical, safe="")
        return f"""<div class="social_share" id="social_share">
<a class="btn_facebook" rel="nofollow" href="https://www.facebook.com/sharer/sharer.php?u={url}" \
title="Chia sẻ bài viết lên facebook">Facebook</a>
<a class="btn_twitter" rel="nofollow" href="https://twitter.com/intent/tweet?url={url}" \
title="Chia sẻ bài viết lên twitter">Twitter</a>
<a class="btn_copy" href="javascript:;" data-url="{e(canonical)}" title="Sao chép liên kết">\
Sao chép liên kết</a>
</div>"""

    def comments(self, article: Article) -> str:
        pool = self.info.comments
        if not pool:
            return ""
        # crc32, not hash(): the page must be the same in every process.
        start = zlib.crc32(article.slug.encode())
        picked = [pool[(start + i) % len(pool)] for i in range(2 + start % 2)]
        items = "\n".join(
            f'<div class="comment_item"><p class="full_content"><span class="txt-name">'
            f"<b>{e(name)}</b></span> {e(text)}</p>"
            f'<span class="time-com">{i + 1} giờ trước</span> '
            '<a class="link-reply" href="javascript:;">Trả lời</a></div>'
            for i, (name, text) in enumerate(picked)
        )
        return f"""<section class="box_comment" id="box_comment">
<h3 class="title_box_comment">Ý kiến bạn đọc ({len(picked)})</h3>
{items}
</section>"""

    def link_box(self, title: str, links: Sequence[Link], css_class: str) -> str:
        if not links:
            return ""
        items = "\n".join(self.link_item(link, "div") for link in links)
        heading = f'<h2 class="title-box">{e(title)}</h2>'
        return f'<section class="{css_class}">{heading}\n{items}\n</section>'

    def link_item(self, link: Link, tag: str) -> str:
        thumb = (
            f'<a class="thumb" href="{e(link.href)}" title="{e(link.title)}">'
            f'<img src="{e(link.image)}" alt="{e(link.title)}"></a>'
            if link.image
            else ""
        )
        lead = (
            f'<p class="description"><a href="{e(link.href)}">{e(link.lead)}</a></p>'
            if link.lead
            else ""
        )
        return (
            f'<{tag} class="item-news">{thumb}<h3 class="title-news">'
            f"{anchor(link.href, link.title)}</h3>{lead}</{tag}>"
        )

    def sidebar(self, most_read: Sequence[Link], extra: str = "") -> str:
        items = "".join(f'<li><a href="{e(x.href)}">{e(x.title)}</a></li>' for x in most_read)
        return f"""<aside class="sidebar-2">
<div class="box-most-viewed"><h3 class="title-box">Xem nhiều</h3><ol>{items}</ol></div>
{extra}
</aside>"""

    # -- listing and other non-article pages -------------------------------------------------

    def listing(
        self,
        title: str,
        path: str,
        links: Sequence[Link],
        *,
        pager: str = "",
        sidebar: str = "",
        most_read: Sequence[Link] = (),
    ) -> str:
        canonical = self.base + path
        items = "\n".join(self.link_item(link, "article") for link in links)
        body = f"""<section class="section page-folder">
<div class="container">
<div class="title-folder"><h1 class="title-page"><a href="{e(path)}">{e(title)}</a></h1></div>
<div class="col-left-folder">
{items}
{pager}
</div>
{self.sidebar(most_read, sidebar)}
</div>
</section>"""
        return self.document(
            f"{title} - {self.info.name}", self.website_head(title, canonical), body
        )

    def website_head(self, title: str, canonical: str, og_type: str = "website") -> str:
        return f"""<meta name="description" content="{e(title)} - {e(self.info.tagline)}">
<link rel="canonical" href="{e(canonical)}">
<meta property="og:site_name" content="{e(self.info.name)}">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{e(title)}">
<meta property="og:url" content="{e(canonical)}">"""

    def pager(self, section: str, page: int, pages: int) -> str:
        def href(n: int) -> str:
            return f"/{section}" if n == 1 else f"/{section}-p{n}"

        numbers = " ".join(
            f'<a class="btn-page{" active" if n == page else ""}" href="{href(n)}">{n}</a>'
            for n in range(1, pages + 1)
        )
        prev = (
            f'<a class="btn-page prev-page" href="{href(page - 1)}">Trang trước</a> '
            if page > 1
            else ""
        )
        nxt = (
            f' <a class="btn-page next-page" href="{href(page + 1)}">Trang sau</a>'
            if page < pages
            else ""
        )
        return f'<div class="button-page">{prev}{numbers}{nxt}</div>'

    def sidebar_links(self, links: Iterable[tuple[str, str]], title: str) -> str:
        items = "".join(f'<li><a href="{e(href)}">{e(text)}</a></li>' for href, text in links)
        return (
            f'<div class="box-sidebar"><h3 class="title-box">{e(title)}</h3><ul>{items}</ul></div>'
        )

    def simple(self, title: str, path: str, content: str, og_type: str = "website") -> str:
        """A page with a heading and free HTML content (video, live blog, gallery, search...)."""
        body = f"""<section class="section page-detail">
<div class="container">
<h1 class="title-detail">{e(title)}</h1>
{content}
</div>
</section>"""
        head = self.website_head(title, self.base + path, og_type)
        return self.document(f"{title} - {self.info.name}", head, body)


class FarmPages(PaperPages):
    """The content farm: a Chinese-CMS template with its own header, footer and article page.

    `more` links go inside the article container as a "·" list (seed 004); `most_read` links
    go to the sidebar.
    """

    feed_path = "/feed.rss"

    def header(self) -> str:
        return f"""<div class="top"><div class="logo"><a href="/">{e(self.info.name)}</a></div>
<div class="nav"><a href="/">Trang chủ</a> | <a href="/">Tin tức</a> | \
<a href="/feed.rss">RSS</a></div>
</div>"""

    def footer(self) -> str:
        return f'<div class="footer">{"".join(paragraph(line) for line in self.info.footer)}</div>'

    def article(
        self,
        article: Article,
        *,
        inline_related: Sequence[Article] = (),
        more: Sequence[Link] = (),
        most_read: Sequence[Link] = (),
        charset_meta: str = UTF8_META,
    ) -> str:
        canonical = self.base + article.url_path
        head = f"""<meta name="keywords" content="{e(article.headline)}">
<meta name="description" content="{e(article.description)}">
<link rel="canonical" href="{e(canonical)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(article.headline)}">
<meta property="og:url" content="{e(canonical)}">
<meta property="og:image" content="{e(article.image_url)}">"""
        body = f"""<div class="main">
<div class="main-left">
<div class="position">Vị trí hiện tại: <a href="/">Trang chủ</a> &gt; <a href="/">Tin tức</a></div>
<div class="article">
<h1 class="article-title">{e(article.headline)}</h1>
<div class="article-info"><span>Thời gian: {article.published:%Y-%m-%d %H:%M}</span> \
<span>Nguồn: Internet</span></div>
<div class="article-content" id="content">
{paragraph(article.dateline + article.description)}
{self.body(article, "")}
{"".join(paragraph(line) for line in article.footer_lines)}
{self.dot_list(more)}
</div>
</div>
</div>
<div class="main-right"><h3>Bài viết mới</h3>{self.dot_list(most_read)}</div>
</div>"""
        return self.document(article.headline, head, body, charset_meta)

    def figure(self, article: Article) -> str:
        return (
            f'<p style="text-align:center"><img src="{e(article.image_url)}" '
            f'alt="{e(article.image_caption)}"></p>\n'
            f'<p style="text-align:center">{e(article.image_caption)}</p>'
        )

    def dot_list(self, links: Sequence[Link]) -> str:
        # One link per <p> inside each <li> (as some CMS templates print them) reads as a document
        # listing rather than a link farm, so extractors keep it: the "- ·" lines of seed 004.
        items = "".join(
            f'<li><p><a href="{e(x.href)}" target="_blank">·{e(x.title)}</a></p></li>'
            for x in links
        )
        return f'<ul class="list-links">{items}</ul>' if items else ""
