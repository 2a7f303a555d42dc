"""customer_core's benchmarks: ``python -m benchmarks --scale smoke|full [--only NAME]``.

Each workload builds its own data (seeded), on a SQLite file and on a
throwaway PostgreSQL server started the way the test suite starts one, and
reports ratios measured within one run against a hand-written reference.
See ``docs/performance.md`` for the targets and the latest figures.
"""
