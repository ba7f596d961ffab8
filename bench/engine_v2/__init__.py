"""The engine v2 write path, measured beside its baselines in the same run.

Run ``python -m bench.engine_v2`` from the repository root (``--write`` puts the
section ``bench.engine_v2`` in ``docs/performance.md``; ``--quick`` is a smoke test).
It measures, each target beside its baseline:

1. ``record()`` for members with a year of busy history, warm, cold (no cached
   member, snapshots on), cold with snapshots off, and the naive baseline, on a
   SQLite file and on PostgreSQL (:mod:`bench.engine_v2.single`);
2. 1, 4 and 8 processes recording for the same 200 members on PostgreSQL, with the
   invariants checked afterwards (:mod:`bench.engine_v2.crowd`);
3. warm ``record()`` on PostgreSQL beside the raw driver's INSERT + COMMIT;
4. ``record_many()`` of the history beside ``replay()`` of it;
5. every statement one warm and one cold ``record()`` sends, read at the driver
   (:mod:`bench.engine_v2.trace`), and cProfiles (:mod:`bench.engine_v2.profiles`).

Every measurement runs on a fresh copy of one base (:mod:`bench.engine_v2.data`),
``--runs`` times (3), interleaved; medians and same-run ratios are reported.
"""
