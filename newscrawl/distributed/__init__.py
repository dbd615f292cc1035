"""Distributed mode: scrapy-redis's scheduler and dupefilter, with the gaps a news crawl hits
closed. Switched on by scrapy-redis's own ``REDIS_URL`` setting (``addon.DistributedAddon``).

- The frontier (requests) and the dupefilter are scrapy-redis's; the state store (emitted
  articles, fingerprints, MinHash bands) moves to Redis too (``newscrawl.output.state_uri``).
- Fingerprints expire (``NEWSCRAWL_REDIS_SEEN_HOURS``) and a failed fetch forgets its own, so a
  URL is never blacklisted for good and the fingerprint keys stay bounded (``dupefilter``).
- Every request a worker takes stays listed under the worker in Redis until the worker's output
  and state are committed; a worker that dies (its heartbeat key expires) has those requests
  pushed back onto the frontier by the next live worker, so an article in flight is not lost
  (``scheduler``).
- A worker stops by itself when the frontier stayed empty ``NEWSCRAWL_REDIS_IDLE_SECONDS``.
- Archive files (``-a warc=``, ``-a ccnews=``) are one request each on the frontier; a worker
  reads a file whole and keeps its article requests to itself (``archivefiles``).

Only ``addon`` is imported by a plain crawl: ``redis`` and ``scrapy_redis`` are the ``redis``
extra, loaded when ``REDIS_URL`` is set.
"""
