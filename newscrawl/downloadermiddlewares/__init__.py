"""Downloader middlewares: one component a module."""
