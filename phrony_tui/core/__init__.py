"""Pure logic of the inspector: no IO, no textual, no rich.

Modules, each named for what it holds:

- ``safe_text``: the sanitizer for all server text, bounded one-line and JSON previews;
- ``fields``: tolerant reads of open JSON (``pick``, ``as_mapping``...), below everything;
- ``status``: run/session status classes, what ends a pause and who it waits on;
- ``step_kinds``: the step-kind registry (one entry per kind: spellings, tone,
  summariser, error rule); ``step_summaries``: the kinds' one-line summaries;
- ``steps``: tolerant facts about timeline steps (types, errors, live steps);
- ``run_tree``: the run tree from ``parentRunId``, durations;
- ``timeline``: the merged, de-duplicated timeline store;
- ``summary``: one line per step;
- ``task_parse`` / ``task_book`` / ``task_answer``: what a user task is, which are
  pending, how each kind is answered (``tasks`` re-exports the three);
- ``events``: live events described and turned into effects (the one interpreter);
- ``redaction``: when the trigger hides the timeline, and the note that says so.

Only ``phrony_tui.client.models`` and the standard library are imported
(``tests/core/test_core_boundary.py`` checks it).

Import the module you need (``from phrony_tui.core.timeline import Timeline``): the
package imports none of them, so a start pays only for the ones its first frame uses.
"""
