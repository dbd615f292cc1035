"""``python -m newscrawl.state --uri URI stats|reset|lookup URL``: inspect or reset the state."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from courlan import normalize_url

from .factory import DEFAULT_PREFIX, open_state_store, sqlite_path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.state",
                                     description="Inspect or reset the state of emitted articles.")
    parser.add_argument("--uri", required=True,
                        help="sqlite:///abs/path.db, sqlite:rel/path.db, a path, or redis://host:port/db")
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="Redis key prefix")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("stats", help="print counts and size as JSON")
    commands.add_parser("reset", help="forget every emitted article")
    lookup = commands.add_parser("lookup", help="print the record of a URL or canonical URL")
    lookup.add_argument("url")
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
            removed = store.stats()["articles"]
            store.reset()
            print(f"reset {args.uri}: forgot {removed} articles")
        else:
            # as the crawler requests it: tracking parameters (utm_*) and fragments dropped
            record = store.lookup(args.url) or store.lookup(normalize_url(args.url, strict=True))
            if record is None:
                print(f"not emitted: {args.url}", file=sys.stderr)
                return 1
            print(json.dumps(asdict(record), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
