"""``python -m newscrawl.state --uri URI stats|reset|lookup URL|forget URL|prune --older-than
DAYS``: inspect or maintain the state."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from courlan import normalize_url

from .base import BaseStateStore
from .factory import DEFAULT_PREFIX, open_state_store, sqlite_path


def _positive_days(text: str) -> float:
    days = float(text)
    if not days > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of days, got {text!r}")
    return days


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.state",
        description="Inspect or maintain the state of emitted articles and remembered rejects.",
    )
    parser.add_argument(
        "--uri",
        required=True,
        help="sqlite:///abs/path.db, sqlite:rel/path.db, a path, or redis://host:port/db",
    )
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="Redis key prefix")
    parser.add_argument(
        "--spider", default="news", help="Redis: the spider whose frontier a reset clears too"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("stats", help="print counts (rejects by reason) and size as JSON")
    commands.add_parser(
        "reset",
        help="forget every emitted article and reject (on Redis, "
        "clear the spider's frontier and seen URLs too)",
    )
    lookup = commands.add_parser(
        "lookup", help="print the record or reject of a URL or canonical URL"
    )
    lookup.add_argument("url")
    forget = commands.add_parser(
        "forget", help="forget the record and reject of one URL, so that the next run fetches it"
    )
    forget.add_argument("url")
    prune = commands.add_parser(
        "prune", help="forget the articles emitted and the rejects last rejected more than DAYS ago"
    )
    prune.add_argument("--older-than", type=_positive_days, required=True, metavar="DAYS")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = sqlite_path(args.uri)
    if path is not None and not path.exists():  # don't create a database for a mistyped path
        print(f"no state database at {path}", file=sys.stderr)
        return 2
    with open_state_store(args.uri, prefix=args.prefix) as store:
        if args.command == "stats":
            print(json.dumps(store.stats(), indent=2))
        elif args.command == "reset":
            counts = store.stats()
            store.reset()
            print(
                f"reset {args.uri}: forgot {counts['articles']} articles and "
                f"{counts['rejects']} rejects"
            )
            if path is None:
                print(_reset_frontier(args.uri, args.spider))
        elif args.command == "prune":
            removed = store.prune(timedelta(days=args.older_than))
            print(
                f"pruned {args.uri}: forgot {removed['articles']} articles and "
                f"{removed['rejects']} rejects older than {args.older_than:g} days"
            )
        elif args.command == "forget":
            return _forget(store, args.url)
        else:
            return _lookup(store, args.url)
    return 0


def _reset_frontier(uri: str, spider: str) -> str:
    """Clear a distributed run's frontier: a fingerprint left there would keep its URL from
    being fetched, and so emitted, after the reset."""
    import redis
    from scrapy.utils.project import get_project_settings

    from newscrawl.distributed.frontier import clear_run

    client = redis.Redis.from_url(uri)
    try:
        cleared = clear_run(client, get_project_settings(), spider)
    finally:
        client.close()
    done = ", ".join(f"{count} {kind}" for kind, count in cleared.items())
    return f"reset {uri}: cleared the frontier of {spider}: {done}"


def _as_requested(url: str) -> str:
    """``url`` as the crawler requests it: tracking parameters (utm_*) and fragments dropped."""
    return normalize_url(url, strict=True)


def _lookup(store: BaseStateStore, url: str) -> int:
    record = store.lookup(url) or store.lookup(_as_requested(url))
    if record is not None:
        print(json.dumps(asdict(record), ensure_ascii=False, indent=2))
        return 0
    rejection = store.rejection(url) or store.rejection(_as_requested(url))
    if rejection is None:
        print(f"not emitted nor rejected: {url}", file=sys.stderr)
        return 1
    in_force = rejection.in_force(datetime.now(UTC))
    print(json.dumps({**asdict(rejection), "in_force": in_force}, ensure_ascii=False, indent=2))
    return 0


def _forget(store: BaseStateStore, url: str) -> int:
    record = store.lookup(url) or store.lookup(_as_requested(url))
    # a record found by its canonical URL is forgotten under the URL it was emitted as
    urls = dict.fromkeys([record.url] if record else [url, _as_requested(url)])
    removed = [kind for each in urls for kind in store.forget(each)]
    if not removed:
        print(f"not emitted nor rejected: {url}", file=sys.stderr)
        return 1
    print(f"forgot {url}: {', '.join(removed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
