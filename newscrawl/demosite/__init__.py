"""A fictional Vietnamese news site and content farm served on 127.0.0.1 for tests, demos and
benchmarks (pure stdlib; no Scrapy imports).

Paper ("Tin Nhanh", ``DemoSite("paper")``):
  /robots.txt                      Disallow /admin/ and /tim-kiem; Sitemap line
  /sitemap.xml                     index of the four sitemaps below
  /sitemap-news.xml                Google News sitemap (12 newest articles)
  /sitemap-articles.xml            plain sitemap with lastmod, plus special URLs
  /sitemap-archive.xml.gz          gzip sitemap: articles published before 2021-06-11
  /sitemap-broken.xml              truncated XML
  /rss/tin-moi-nhat.rss            RSS 2.0; links carry ?utm_... (canonical is the clean URL)
  /rss/the-gioi.atom               Atom feed of the-gioi; /rss/broken.rss is truncated RSS
  /, /<section>, /<section>-p<N>   listings ("Trang sau" pagination) for thoi-su, the-gioi,
                                   kinh-te, the-thao; /tag/<slug>; /anh (gallery index)
  /<section>/<slug>-<id>.html      article pages (see data/paper.json and Article.expected)
``DemoSite("paper", feeds=False)`` (``--no-feeds``): no feed and no feed link; the sitemap
index at /so-do-trang/chi-muc.xml, named only in robots.txt (/sitemap.xml answers 404).
Farm ("Tin Hot 24h", ``DemoSite("farm")``): /robots.txt, /sitemap.xml, /feed.rss, / and copied
articles under /tin-tuc/. ``generated=N`` adds /gen/<i>.html and /sitemap-gen-index.xml on both.
"""

from .content import Article, PageStyle, Teaser
from .generated import generated_article
from .server import DemoSite, main

__all__ = ["Article", "DemoSite", "PageStyle", "Teaser", "generated_article", "main"]
