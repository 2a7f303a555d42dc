"""The sizes of a run: ``full`` (the targets' sizes, minutes), ``smoke`` (seconds, no
verdicts), ``xl`` (ten million customers on PostgreSQL, hours) and ``xl-smoke`` (the xl
run's shape at tiny sizes, what its test runs)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCALES", "Scale"]


@dataclass(frozen=True)
class Scale:
    """Every size a run uses; ``judge`` is False where sizes are too small for a verdict."""

    name: str
    judge: bool
    repeats: int
    # 1. bulk lifetime value
    ltv_customers: int
    ltv_orders: int
    #: The per-customer algorithm runs on this many customers (the rate is what is compared).
    spec_customers: int
    #: The large database (search, and the LTV memory run at a million customers).
    big_customers: int
    big_orders: int
    # 2. events
    event_count: int
    event_customers: int
    event_batch: int
    # 3. search
    deep_page: int
    # 4. import
    import_count: int
    # 5. in memory
    memory_customers: int
    memory_orders: int
    memory_ops: int
    # 6. CSV import through the command line (rows of each file)
    csv_rows: tuple[int, ...]
    #: The backends this scale runs on (a run's ``--backend`` narrows them further).
    backends: tuple[str, ...] = ("sqlite", "postgres", "memory")
    #: Said before the run starts: how long it takes, when that is long.
    warning: str = ""


SCALES = {
    "full": Scale(
        name="full",
        judge=True,
        repeats=3,
        ltv_customers=100_000,
        ltv_orders=1_000_000,
        spec_customers=20_000,
        big_customers=1_000_000,
        big_orders=1_000_000,
        event_count=10_000,
        event_customers=2_000,
        event_batch=1_000,
        deep_page=5_000,
        import_count=100_000,
        memory_customers=100_000,
        memory_orders=1_000_000,
        memory_ops=20_000,
        csv_rows=(100_000, 1_000_000),
    ),
    "smoke": Scale(
        name="smoke",
        judge=False,
        repeats=1,
        ltv_customers=300,
        ltv_orders=3_000,
        spec_customers=100,
        big_customers=3_000,
        big_orders=3_000,
        event_count=200,
        event_customers=40,
        event_batch=50,
        deep_page=5,
        import_count=300,
        memory_customers=300,
        memory_orders=3_000,
        memory_ops=100,
        csv_rows=(200, 2_000),
    ),
    # Issue 14's scale run: the big database is loaded with COPY (PostgreSQL only; SQLite
    # at this size is not a case the library is meant for), and every workload reports there.
    "xl": Scale(
        name="xl",
        judge=True,
        repeats=3,
        ltv_customers=1_000_000,
        ltv_orders=10_000_000,
        spec_customers=20_000,
        big_customers=10_000_000,
        big_orders=20_000_000,
        event_count=10_000,
        event_customers=2_000,
        event_batch=1_000,
        deep_page=5_000,
        import_count=100_000,
        memory_customers=100_000,
        memory_orders=1_000_000,
        memory_ops=20_000,
        csv_rows=(100_000, 1_000_000),
        backends=("postgres",),
        warning=(
            "the xl scale loads 10,000,000 customers and 20,000,000 orders (and 1,000,000"
            " customers with 10,000,000 orders for the LTV run) into PostgreSQL with COPY:"
            " expect hours on a 2-core machine and about 15 GB of disk, far longer than"
            " --scale full"
        ),
    ),
    "xl-smoke": Scale(
        name="xl-smoke",
        judge=False,
        repeats=1,
        ltv_customers=300,
        ltv_orders=3_000,
        spec_customers=100,
        big_customers=5_000,
        big_orders=10_000,
        event_count=200,
        event_customers=40,
        event_batch=50,
        deep_page=5,
        import_count=300,
        memory_customers=300,
        memory_orders=3_000,
        memory_ops=100,
        csv_rows=(200, 2_000),
        backends=("postgres",),
    ),
}
