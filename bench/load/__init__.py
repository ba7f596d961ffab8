"""The demo application served by gunicorn on PostgreSQL, under a bounded load.

``python -m bench.load`` (or ``make load``) creates a private database, seeds the
members, starts gunicorn on a free 127.0.0.1 port, drives it from several client
processes with a fixed mix of requests for a bounded time, stops it, and checks the
database against what the clients were told.  The same mix through the engine in one
process, without HTTP, runs first as the baseline.  See docs/performance.md.
"""
