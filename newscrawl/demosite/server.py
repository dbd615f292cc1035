"""The demo site's HTTP server: stdlib ThreadingHTTPServer on a loopback address, in a thread."""

import argparse
import ipaddress
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .content import KINDS, Article, Catalog, load_site
from .routes import Response, SiteRoutes, html_response, make_routes

ARTICLE_ALLOW = r"-\d{6,}\.html?$"
GENERATED_ALLOW = r"/gen/\d+\.html$"
ARTICLE_DENY = ("/video/", "/tag/", "/truc-tiep/", "/anh/")
FAIL_ALL_PAGE = "<html><body><h1>500 Internal Server Error</h1></body></html>"


class DemoSite:
    """A fictional Vietnamese news site ("paper") or content farm ("farm") served on 127.0.0.1.

    Usage: ``with DemoSite("paper") as site: ... site.base_url ...``. See the package docstring
    for the URL map.
    """

    def __init__(
        self,
        kind: str = "paper",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        generated: int = 0,
        feeds: bool = True,
    ) -> None:
        if not ipaddress.IPv4Address(host).is_loopback:
            raise ValueError(f"the demo site binds only loopback addresses, not {host!r}")
        if not feeds and kind != "paper":
            raise ValueError("only the paper has a feedless variant")
        # False: no feed, no feed link, and the sitemap index only where robots.txt says
        self.feeds = feeds
        self.kind = kind
        self.host = host
        self.port = port
        self.latency = latency
        self.generated = generated
        self.fail_all = False
        self.base_url = ""
        self._data = load_site(kind)
        self._catalog = Catalog(self._data.articles)
        self._requests: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: SiteRoutes | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "DemoSite":
        if self._server is not None:
            raise RuntimeError("demo site already started")
        server = _Server((self.host, self.port), _Handler)
        server.site = self
        self.base_url = f"http://{self.host}:{server.server_address[1]}"
        self._routes = make_routes(
            self.kind, self._data, self._catalog, self.base_url, self.generated, self.feeds
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits at most this long
            name=f"demosite-{self.kind}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> "DemoSite":
        # Both `with DemoSite() as site` and `with DemoSite().start() as site` work.
        return self if self._server else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- content state ----------------------------------------------------------------------

    def publish(self, slug: str) -> None:
        """Make a held-back article visible: page, sitemaps, feeds and listings."""
        self._catalog.publish(slug)

    def update(self, slug: str) -> None:
        """Bump the article's dateModified/lastmod and change its last body sentence."""
        self._catalog.update(slug)

    def articles(self, *, visible_only: bool = True) -> list[Article]:
        """The site's articles as currently served, newest first."""
        return self._catalog.articles(visible_only=visible_only)

    @property
    def requests(self) -> list[str]:
        """Request targets (path and query) served so far, in order."""
        with self._lock:
            return list(self._requests)

    # -- crawler configuration --------------------------------------------------------------

    def registry_toml(self, name: str = "demo") -> str:
        """A site-registry TOML table describing this running site."""
        if not self.base_url:
            raise RuntimeError("start() the demo site first")
        base = self.base_url
        paper = self.kind == "paper"
        sitemaps = [base + (self._routes.sitemap_path if self._routes else "/sitemap.xml")]
        allow = [ARTICLE_ALLOW]
        if self.generated:
            sitemaps.append(f"{base}/sitemap-gen-index.xml")
            allow.append(GENERATED_ALLOW)
        feeds = [f"{base}/rss/tin-moi-nhat.rss"] if paper else [f"{base}/feed.rss"]
        if not self.feeds:
            feeds = []
        listings = [f"{base}/thoi-su"] if paper else [f"{base}/"]
        lines = [
            f"[{name}]",
            f"name = {_toml_string(self._data.info.registry_name)}",
            f"domains = {_toml_strings([self.host])}",
            'language = "vi"',
            'timezone = "Asia/Ho_Chi_Minh"',
            f"sitemaps = {_toml_strings(sitemaps)}",
            f"feeds = {_toml_strings(feeds)}",
            f"listings = {_toml_strings(listings)}",
            f"article_allow = {_toml_literals(allow)}",
            f"article_deny = {_toml_literals(ARTICLE_DENY)}",
        ]
        return "\n".join(lines) + "\n"

    # -- request handling (called from server threads) --------------------------------------

    def _respond(self, target: str) -> Response:
        with self._lock:
            self._requests.append(target)
        if self.latency:
            time.sleep(self.latency)
        if self.fail_all or self._routes is None:
            return html_response(FAIL_ALL_PAGE, 500)
        return self._routes.respond(target)


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def _toml_strings(values: list[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def _toml_literals(values: "list[str] | tuple[str, ...]") -> str:
    # Literal strings keep regex backslashes as they are.
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: DemoSite


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers expect; every response has a length
    timeout = 30  # close idle keep-alive connections
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK stall every keep-alive response by tens of milliseconds.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        response = self.server.site._respond(self.path)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request stderr log; DemoSite.requests records requests instead."""


def main(argv: list[str] | None = None) -> None:
    """`python -m newscrawl.demosite`: serve a demo site until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m newscrawl.demosite", description=main.__doc__)
    parser.add_argument("--kind", choices=KINDS, default="paper")
    parser.add_argument("--port", type=int, default=0, help="default: any free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each response")
    parser.add_argument("--generated", type=int, default=0, help="synthetic /gen/<i>.html pages")
    parser.add_argument(
        "--no-feeds",
        action="store_true",
        help="the paper without feeds, its sitemap named only in robots.txt",
    )
    args = parser.parse_args(argv)
    site = DemoSite(
        args.kind,
        port=args.port,
        latency=args.latency,
        generated=args.generated,
        feeds=not args.no_feeds,
    )
    with site:
        print(f"Demo {args.kind} site at {site.base_url}/ (Ctrl-C to stop)", flush=True)
        print(f"\nSite registry entry:\n\n{site.registry_toml()}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopping")
