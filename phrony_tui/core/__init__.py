"""Pure logic of the inspector: no IO, no textual, no rich.

Modules, each named for what it holds:

- ``safe_text``: the sanitizer for all server text, bounded one-line and JSON previews;
- ``status``: run/session status classes and what ends a pause;
- ``steps``: tolerant facts about timeline steps (types, errors, live steps);
- ``run_tree``: the run tree from ``parentRunId``, durations;
- ``timeline``: the merged, de-duplicated timeline store;
- ``summary``: one line per step;
- ``tasks``: user tasks, which are pending, and how each kind is answered;
- ``events``: live events described and turned into effects.

Only ``phrony_tui.client.models`` and the standard library are imported
(``tests/core/test_core_boundary.py`` checks it).
"""

from phrony_tui.core import events, run_tree, safe_text, status, steps, summary, tasks, timeline

__all__ = ["events", "run_tree", "safe_text", "status", "steps", "summary", "tasks", "timeline"]
