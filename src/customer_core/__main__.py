"""``python -m customer_core``: the operator's command line (see :mod:`customer_core.cli`)."""

from __future__ import annotations

from customer_core.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
