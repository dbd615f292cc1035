"""newscrawl's Scrapy settings. Every NEWSCRAWL_* setting is documented in the README."""

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# -- politeness ----------------------------------------------------------------------------
USER_AGENT = "newscrawl/0.1 (news archiving crawler; set USER_AGENT to add your contact)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2  # Scrapy's RETRY_HTTP_CODES (default) retry 429 and 503 among others
# A host answering 429 or 503 is paused (newscrawl.downloadermiddlewares.retry_after): for its
# Retry-After, else NEWSCRAWL_BACKOFF_SECONDS doubled with each such answer in a row, up to
# NEWSCRAWL_RETRY_AFTER_MAX_SECONDS. A longer Retry-After is not waited for: the request is
# rejected as retry-after-too-long, and so are the host's next ones until that time.
NEWSCRAWL_RETRY_AFTER_MAX_SECONDS = 120.0
NEWSCRAWL_BACKOFF_SECONDS = 1.0
HTTPCACHE_ENABLED = False  # turn on (-s HTTPCACHE_ENABLED=1) to re-run cleaning without refetching
REDIRECT_MAX_TIMES = 5
DNS_TIMEOUT = 20

# -- address guard: no connection to loopback, private, link-local (cloud metadata) or other
# non-public addresses, checked on the resolved address (newscrawl/resolver.py) ----------
TWISTED_DNS_RESOLVER = "newscrawl.resolver.GuardedResolver"
DOWNLOADER_MIDDLEWARES = {
    # -a warc=: first of all, so that archived captures are answered before anything (robots.txt,
    # the address guard's DNS lookup) goes to the network
    "newscrawl.downloadermiddlewares.warc.WarcReplayMiddleware": 40,
    "newscrawl.downloadermiddlewares.archivefile.ArchiveFileMiddleware": 41,  # shared WARC files
    # Scrapy's, fixed: requests waiting for a host's robots.txt are all checked against it
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
    "newscrawl.downloadermiddlewares.retry_after.RetryAfterMiddleware": 560,
    "newscrawl.downloadermiddlewares.addressguard.AddressGuardMiddleware": 760,
}
NEWSCRAWL_ALLOW_LOOPBACK = False  # True for local test sites (tests, `scrapy demo`)
# Testing aid: host -> IP address, answered before DNS (the guard still checks the address)
NEWSCRAWL_RESOLVE_OVERRIDES: dict[str, str] = {}

# -- output --------------------------------------------------------------------------------
# One JSONL file a run: NEWSCRAWL_OUTPUT_DIR/<spider>-<UTC start time>-<random>.jsonl;
# -o/-O on the command line replace it.
NEWSCRAWL_OUTPUT_DIR = "output"
NEWSCRAWL_REJECTS_URI = None  # default: beside the run's JSONL, <name>.rejects.jsonl
NEWSCRAWL_GZIP = False  # write <name>.jsonl.gz through Scrapy's GzipPlugin
FEED_EXPORT_ENCODING = "utf-8"
# A directory: every response fetched is archived there with its request, in gzipped WARC files
# named after the run's JSONL (<stem>-00000.warc.gz, ...), published with it. None: off.
NEWSCRAWL_WARC_DIR = None
NEWSCRAWL_WARC_MAX_MB = 1000.0  # a new WARC file starts once one is this large
# -a ccnews=YYYY-MM[..YYYY-MM]: where Common Crawl publishes crawl-data/CC-NEWS/
NEWSCRAWL_CCNEWS_BASE_URL = "https://data.commoncrawl.org/"

FEED_STORAGES = {
    "": "newscrawl.feedstorage.AtomicFileFeedStorage",
    "file": "newscrawl.feedstorage.AtomicFileFeedStorage",
}
FEED_STORE_EMPTY = False  # a run that emits nothing writes no JSONL (its report says so)
# Scrapy's JSON exporters, leaving empty arrays (authors: []) out of the articles
FEED_EXPORTERS = {
    **dict.fromkeys(("jsonlines", "jsonl", "jl"), "newscrawl.exporters.ArticleJsonLinesExporter"),
    "json": "newscrawl.exporters.ArticleJsonExporter",
}

# -- incremental runs ----------------------------------------------------------------------
NEWSCRAWL_DATA_DIR = "data"
NEWSCRAWL_STATE_URI = None  # default: sqlite:<NEWSCRAWL_DATA_DIR>/state.sqlite
# Each run's record is appended here (python -m newscrawl.healthreport charts it); None:
# NEWSCRAWL_DATA_DIR/newscrawl-history.jsonl; "" (empty): no history.
NEWSCRAWL_HISTORY = None
# Without JOBDIR, the request queue is kept on disk under NEWSCRAWL_DATA_DIR/queues, in a
# directory deleted when the run ends (newscrawl/scheduler.py): ~2.7 KB of memory a queued
# request otherwise, 270 MB for a site's 100,000 URLs; False: in memory.
NEWSCRAWL_QUEUE_ON_DISK = True
# Scrapy's LIFO disk queue, the requests' callbacks named without searching the spider
SCHEDULER_DISK_QUEUE = "newscrawl.squeues.PickleLifoDiskQueue"
NEWSCRAWL_REFETCH_WINDOW_DAYS = 3.0  # emitted articles whose lastmod moves are fetched again
NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD = 0.8  # estimated Jaccard of word 5-gram shingles
# A URL rejected for a passing cause (newscrawl/state/rejects.py) is fetched again after the
# n-th of these waits, in hours, for its n-th reject in a row (the last one from then on).
NEWSCRAWL_REJECT_BACKOFF_HOURS = [1, 6, 24, 168]

# -- distributed mode (scrapy-redis): set REDIS_URL, e.g. redis://10.0.0.5:6379/0 ------------
ADDONS = {
    "newscrawl.distributed.addon.DistributedAddon": 0,
    # NEWSCRAWL_SPIDERMON and NEWSCRAWL_PROMETHEUS_TEXTFILE (below)
    "newscrawl.monitoring.MonitoringAddon": 0,
}
NEWSCRAWL_REDIS_IDLE_SECONDS = 30.0  # a worker stops when the frontier stayed empty this long
NEWSCRAWL_REDIS_HEARTBEAT_SECONDS = 10.0  # a worker silent 3 beats is dead: its requests return
NEWSCRAWL_REDIS_SEEN_HOURS = 24.0  # dupefilter fingerprints expire (bounded, and failures retry)
NEWSCRAWL_REDIS_SEED_ONLY = False  # set by `scrapy seed`
NEWSCRAWL_ARCHIVE_FILES_PER_WORKER = 1  # WARC files of the frontier a worker reads at once
# Redis unreachable: commands are retried with growing waits (0.5 s doubling, at most 5 s) for
# this long, then the worker ends unhealthy, publishing nothing it could not record.
NEWSCRAWL_REDIS_RETRY_SECONDS = 60.0
# A worker that fetched, queued, took or held nothing for this long is ended (0: never).
NEWSCRAWL_WATCHDOG_SECONDS = 900.0
NEWSCRAWL_STATE_TTL_DAYS = None  # Redis state keys expire after this many days (None: never)

# -- health: `scrapy crawl` exits 3 when a run breaks one of these --------------------------
NEWSCRAWL_HEALTH_MAX_ERROR_RATIO = 0.5  # failed downloads / requests
NEWSCRAWL_HEALTH_MIN_EXTRACTION_RATIO = 0.5  # pages with main text / article pages fetched
NEWSCRAWL_HEALTH_MIN_EMITTED = 0  # articles a run must emit (0: no minimum)
NEWSCRAWL_HEALTH_MAX_REJECT_RATIO = 1.0  # rejects / (rejects + emitted); 1.0: no limit

# -- monitoring (the `monitoring` extra) ------------------------------------------------------
# Spidermon on, with newscrawl's monitor suite (newscrawl.monitors) judging the run report by
# the NEWSCRAWL_HEALTH_* settings above; {"failed": [...], "passed": [...], "finished": [...]}:
# Spidermon actions (import paths) the suite runs.
NEWSCRAWL_SPIDERMON = False
NEWSCRAWL_SPIDERMON_ACTIONS: dict[str, list[str]] = {}
# A node-exporter textfile (*.prom) of the run's figures and health, written at the end of each
# run; %(name)s: the spider's name (without it, the name is added: newscrawl-news.prom). None: off.
NEWSCRAWL_PROMETHEUS_TEXTFILE = None
NEWSCRAWL_PROMETHEUS_LABELS: dict[str, str] = {}  # added to every metric, e.g. {"job": "vn"}

# -- crawl shape ---------------------------------------------------------------------------
NEWSCRAWL_LISTING_DEPTH = 2  # links followed from a listing page before giving up on a branch
# Sitemaps nested deeper than this below a sitemap of the registry or arguments (an index is one
# level, a robots.txt one too) are rejected as sitemap-too-deep: a hostile index nests forever.
NEWSCRAWL_SITEMAP_MAX_DEPTH = 3
# Sitemaps may be larger than a page (DOWNLOAD_MAXSIZE): the protocol allows 50 MB (uncompressed;
# the limit applies to a .xml.gz once decompressed, too).
NEWSCRAWL_SITEMAP_MAXSIZE = 50 * 1024 * 1024
# Scrapy sends no new request while the responses being processed weigh more than this (its
# default, 5 MB): one large sitemap or feed would stop every download until its last request is
# made. 16 MiB lets downloads go on beside a source of up to 16 MiB (a 50k-entry feed is 11 MB);
# a larger one pauses them while it is read. Higher costs memory on every crawl: article pages
# waiting for extraction count too (64 MiB: +285 MiB peak RSS on the speed benchmark).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 16 * 1024 * 1024

# -- cleaning ------------------------------------------------------------------------------
NEWSCRAWL_SPAM_TITLE_ACTION = "drop"  # or "repair": strip the injection, keep the item
NEWSCRAWL_SPAM_EXTRA_TERMS: list[str] = []
NEWSCRAWL_SPAM_ALLOW_TERMS: list[str] = []
NEWSCRAWL_UNIFY_TONE_MARKS = False
NEWSCRAWL_MIN_BODY_CHARS = 200
NEWSCRAWL_CHECK_LANGUAGE = True
# Site furniture: a line in at least this many different articles of a site, and in at least
# this share of them, is the site's (licence, address, comment prompts), not the article's.
NEWSCRAWL_FURNITURE_MIN_PAGES = 4
NEWSCRAWL_FURNITURE_MIN_SHARE = 0.02

# -- extraction ----------------------------------------------------------------------------
# Items processed at once per response. An article response yields one page; Scrapy starts this
# many tasks for every response, so its default (100) costs ~1 ms of the event loop a page.
CONCURRENT_ITEMS = 4
# trafilatura worker processes; -1: one per core; 0: in the crawl process (debugging, profiling)
NEWSCRAWL_EXTRACT_WORKERS = -1
# Pages waiting for the workers at which downloads pause (until half of them are done): enough
# to keep every worker busy, few enough not to hold hundreds of pages in memory; 0: no pause.
NEWSCRAWL_EXTRACT_QUEUE = 32
# Seconds a worker may spend on one page before it is killed and the page rejected as
# extraction-timeout (an 8 MB page once held a worker for 308 s); 0: no limit. News pages take
# tens of milliseconds. In-process extraction (NEWSCRAWL_EXTRACT_WORKERS=0) has no limit.
NEWSCRAWL_EXTRACTION_TIMEOUT = 30.0

# with NEWSCRAWL_WARC_DIR: an article's responses are archived once the spider made its page
SPIDER_MIDDLEWARES = {"newscrawl.spidermiddlewares.warcarchive.WarcArchiveSpiderMiddleware": 10}

ITEM_PIPELINES = {
    # extraction and the cleaning chain (newscrawl.cleaning.clean_article), in worker processes
    "newscrawl.pipelines.extract.ExtractPipeline": 100,
    # an article whose dates are not real dates is rejected, not emitted (invalid-date)
    "newscrawl.pipelines.conform.ConformPipeline": 850,
    # last: holds the articles and publishes them when the spider closes (your own pipelines
    # that must see published articles go before it)
    "newscrawl.pipelines.publish.PublishPipeline": 900,
}
EXTENSIONS = {
    "scrapy.extensions.corestats.CoreStats": None,
    "newscrawl.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.closespider.CloseSpider": None,
    "newscrawl.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.logstats.LogStats": None,
    "newscrawl.extensions.progress.ProgressLog": 0,
    # the extraction worker processes, shared by the extraction and publication pipelines
    "newscrawl.extensions.workers.ExtractionWorkers": 0,
    # before Scrapy's FeedExporter (0): its files are handed over before the run publishes
    "newscrawl.extensions.warcarchive.WarcArchive": -10,
    "newscrawl.extensions.state.IncrementalState": 400,
    "newscrawl.extensions.rejects.RejectsLog": 500,
    "newscrawl.extensions.report.RunReport": 600,
    "newscrawl.extensions.history.RunHistory": 650,
    "newscrawl.extensions.watchdog.Watchdog": 700,
}
# Without Scrapy's remote control, an HTTP server that runs the Python code it is sent: not for
# an unattended crawl. Taken out of the base list, not disabled in EXTENSIONS: Scrapy imports
# every listed extension, disabled ones too, and this one brings aiohttp (~15 MiB, 0.2 s).
EXTENSIONS_BASE = {
    path: order
    for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path != "scrapy.extensions.remote_control.RemoteControl"
}
LOG_LEVEL = "INFO"
# Scrapy's ~70-line stats dump at INFO would bury the run's summary; the run report holds every
# stat, and RunReport logs them at DEBUG.
STATS_DUMP = False
LOG_FORMATTER = "newscrawl.logformatter.ConciseLogFormatter"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
