"""User tasks, in three modules (this one re-exports them, for older imports):

- ``core.task_parse``: what a task is (kinds, question, options) and how it is read;
- ``core.task_book``: which tasks of a session are pending (:class:`TaskBook`);
- ``core.task_answer``: how each kind is answered, and the run that takes the answer.
"""

from __future__ import annotations

from phrony_tui.core.events import task_status_from_subject
from phrony_tui.core.task_answer import (
    answer_fields,
    answer_run_id,
    decline_fields,
    parse_approval,
    parse_number,
)
from phrony_tui.core.task_book import TaskBook, is_pending_status, pending_tasks
from phrony_tui.core.task_parse import (
    APPROVE_KINDS,
    TEXT_KINDS,
    AnswerStyle,
    TaskOption,
    UserTask,
    normalize_kind,
    parse_task,
    task_from_data,
    user_task_id_in,
)

__all__ = [
    "APPROVE_KINDS",
    "TEXT_KINDS",
    "AnswerStyle",
    "TaskBook",
    "TaskOption",
    "UserTask",
    "answer_fields",
    "answer_run_id",
    "decline_fields",
    "is_pending_status",
    "normalize_kind",
    "parse_approval",
    "parse_number",
    "parse_task",
    "pending_tasks",
    "task_from_data",
    "task_status_from_subject",
    "user_task_id_in",
]
