"""``python -m tests.benchmarks``: run every benchmark and print one table (see suite.py)."""

from tests.benchmarks.suite import main

raise SystemExit(main())
