"""``PickleLifoDiskQueue``: Scrapy's disk queue of requests (the ``SCHEDULER_DISK_QUEUE`` of a
``JOBDIR`` run, and of every run with the queue on disk: ``newscrawl.scheduler``), with the
requests' callbacks named from a table of the spider's methods made once.

Scrapy's queue names a request's callback and errback with ``Request.to_dict(spider=...)``, which
searches all the spider's members for each (``inspect.getmembers``): 0.2 ms a request on
``NewsSpider``, for every article a crawl queues. The dictionary is Scrapy's own, the names the
ones that search finds; a callable that is not a method of the spider is left to Scrapy.
"""

from __future__ import annotations

import inspect
from typing import Any

from scrapy import Request
from scrapy.squeues import PickleLifoDiskQueue as ScrapyPickleLifoDiskQueue


class PickleLifoDiskQueue(ScrapyPickleLifoDiskQueue):  # type: ignore[valid-type,misc]
    _method_names: dict[Any, str] | None = None

    def push(self, request: Request) -> None:
        callback, errback = request.callback, request.errback
        names = self._names()
        if not all(_is_named(method, names) for method in (callback, errback)):
            super().push(request)  # Scrapy's lookup, and its error for a foreign callable
            return
        # to_dict without a spider copies a callback that is not callable: None, here
        request.callback = request.errback = None
        try:
            as_dict: dict[str, Any] = request.to_dict()
        finally:
            request.callback, request.errback = callback, errback
        as_dict["callback"] = _name(callback, names)
        as_dict["errback"] = _name(errback, names)
        # past Scrapy's push, which would look the names up again, to the pickling queue
        super(ScrapyPickleLifoDiskQueue, self).push(as_dict)  # type: ignore[misc]

    def _names(self) -> dict[Any, str]:
        """The spider's methods' names by their functions, as ``Request.to_dict`` compares
        them (``__func__``)."""
        if self._method_names is None:
            names: dict[Any, str] = {}
            for name, method in inspect.getmembers(self.spider, inspect.ismethod):
                names.setdefault(method.__func__, name)  # the first found, as Scrapy's search
            self._method_names = names
        return self._method_names


def _is_named(method: Any, names: dict[Any, str]) -> bool:
    return method is None or getattr(method, "__func__", None) in names


def _name(method: Any, names: dict[Any, str]) -> str | None:
    return None if method is None else names[method.__func__]
