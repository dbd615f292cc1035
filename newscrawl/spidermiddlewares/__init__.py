"""newscrawl's Scrapy spider middlewares, one a module, as in ``scrapy.spidermiddlewares``."""
