"""The body of ``POST /v1/runs/{runId}/messages`` (and ``/input``), built and checked locally.

The body holds ``runId`` plus only the fields the caller set: an approval is
exactly ``{"runId", "userTaskId", "approved"}``. ``completedByEmail`` and
``skipAgentWait`` are dashboard-only and are never sent (there is no argument
for them). A message that answers nothing (no user task, no non-empty text, no
files) is refused before any request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from phrony_tui.client.errors import PhronyUsageError
from phrony_tui.client.models import UploadedFile

__all__ = ["MESSAGE_PATHS", "build_message_body", "file_reference"]

MESSAGE_PATHS = ("messages", "input")


def file_reference(item: UploadedFile | Mapping[str, Any]) -> dict[str, Any]:
    """A ``files[]`` item from an ``UploadedFile`` or a wire-shaped dict."""
    if isinstance(item, UploadedFile):
        return item.as_attachment()
    if isinstance(item, Mapping):
        ref = dict(item)
        key = ref.get("objectKey")
        if not isinstance(key, str) or not key:
            raise PhronyUsageError(
                'a files[] item needs a non-empty "objectKey" '
                '(e.g. {"phronyFile": true, "objectKey": ...} or an UploadedFile)'
            )
        ref.setdefault("phronyFile", True)
        return ref
    raise PhronyUsageError(f"files[] items must be UploadedFile or dict, not {type(item).__name__}")


def build_message_body(
    run_id: str,
    *,
    user_task_id: str | None = None,
    approved: bool | None = None,
    selected_option_id: str | None = None,
    text_value: str | None = None,
    number_value: int | float | None = None,
    metadata: Mapping[str, Any] | None = None,
    text: str | None = None,
    files: Sequence[UploadedFile | Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON body, or ``PhronyUsageError`` when it could not be a valid answer.

    Empty or blank ``text`` is left out of the body (the server wants non-empty
    text); an empty ``files`` list is left out too.
    """
    body: dict[str, Any] = {"runId": run_id}

    task_fields = {
        "approved": approved,
        "selected_option_id": selected_option_id,
        "text_value": text_value,
        "number_value": number_value,
        "metadata": metadata,
    }
    if user_task_id is not None:
        if not isinstance(user_task_id, str) or not user_task_id.strip():
            raise PhronyUsageError("user_task_id must be a non-empty string")
        body["userTaskId"] = user_task_id
    else:
        given = [name for name, value in task_fields.items() if value is not None]
        if given:
            raise PhronyUsageError(
                f"{', '.join(given)} answer a user task: pass user_task_id too "
                "(the pending UserTaskReq's user_task_id)"
            )

    if approved is not None:
        if not isinstance(approved, bool):
            raise PhronyUsageError("approved must be True (approve) or False (reject)")
        body["approved"] = approved
    if selected_option_id is not None:
        if not isinstance(selected_option_id, str) or not selected_option_id:
            raise PhronyUsageError("selected_option_id must be a non-empty string (an option's id)")
        body["selectedOptionId"] = selected_option_id
    if text_value is not None:
        if not isinstance(text_value, str):
            raise PhronyUsageError("text_value must be a string")
        body["textValue"] = text_value
    if number_value is not None:
        if isinstance(number_value, bool) or not isinstance(number_value, (int, float)):
            raise PhronyUsageError("number_value must be a number (int or float)")
        if isinstance(number_value, float) and not math.isfinite(number_value):
            raise PhronyUsageError("number_value must be finite (JSON has no NaN or infinity)")
        body["numberValue"] = number_value
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise PhronyUsageError("metadata must be a JSON object (a dict)")
        body["metadata"] = dict(metadata)

    has_text = False
    if text is not None:
        if not isinstance(text, str):
            raise PhronyUsageError("text must be a string")
        if text.strip():
            body["text"] = text
            has_text = True

    refs: list[dict[str, Any]] = []
    if files is not None:
        if isinstance(files, (str, bytes, Mapping)) or not isinstance(files, Sequence):
            raise PhronyUsageError("files must be a list of UploadedFile or dicts")
        refs = [file_reference(item) for item in files]
        if refs:
            body["files"] = refs

    if "userTaskId" not in body and not has_text and not refs:
        raise PhronyUsageError(
            "nothing to send: answer a user task (user_task_id=...), "
            "or send non-empty text and/or files"
        )
    return body
