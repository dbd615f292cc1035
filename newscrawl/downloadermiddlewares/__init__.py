"""Downloader middlewares of newscrawl's own."""
