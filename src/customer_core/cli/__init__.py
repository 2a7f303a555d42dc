"""The operator's command line: ``customer-core`` (or ``python -m customer_core``).

Sub-commands: ``demo``, ``init-db``, ``recalculate-ltv``, ``stats`` and
``import``; ``customer-core COMMAND --help`` describes each. Every failure an
operator can cause ends with one message on stderr and a distinct exit code
(:class:`ExitCode`); only a bug prints a traceback.

The CLI is an application on top of the library: it may use SQLAlchemy
directly (``stats`` computes its figures in SQL), which the domain never does.
"""

from __future__ import annotations

from customer_core.cli._exits import ExitCode
from customer_core.cli._main import main

__all__ = ["ExitCode", "main"]
