"""Run tree: the session's runs nested by parentRunId, with status, tokens, duration."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from phrony_tui.core.format import fmt_count, fmt_duration
from phrony_tui.core.run_tree import RunTree as RunTreeModel
from phrony_tui.core.run_tree import run_duration
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.status import is_waiting
from phrony_tui.ui.text import plain, short_id, status_style

if TYPE_CHECKING:
    from phrony_tui.client.models import Run


class RunTree(Tree[str]):
    BINDINGS = [
        Binding("f", "filter_run", "Only this run", id="runs.filter"),
    ]

    class Chosen(Message):
        """A run was highlighted (jump) or chosen with enter / f (filter the timeline)."""

        def __init__(self, run_id: str, filter: bool) -> None:
            self.run_id = run_id
            self.filter = filter
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__("runs", **kwargs)
        self.show_root = False
        self.guide_depth = 3
        self.auto_expand = False
        self._signature: object = None

    def show_runs(
        self,
        tree: RunTreeModel,
        *,
        now: datetime,
        pending_run_ids: AbstractSet[str] = frozenset(),
        wait_labels: Mapping[str, str] | None = None,
    ) -> None:
        """Rebuild from the core tree (iteratively), keeping the cursor on the same run.
        ``pending_run_ids``: the runs that wait on a person (marked ● "waiting on you");
        ``wait_labels``: what other paused runs wait for, by run id (``SessionState.run_wait_label``,
        e.g. "waiting for its parent agent"), shown after the status."""
        labels = dict(wait_labels or {})
        signature = (
            tuple((r.run.id, r.run.status, r.run.total_tokens_used, r.run.finished_at) for r in tree.rows()),
            frozenset(pending_run_ids),
            tuple(sorted(labels.items())),
            now.replace(second=0, microsecond=0) if any(not r.run.finished_at for r in tree.rows()) else None,
        )
        if signature == self._signature:
            return
        self._signature = signature
        with self.prevent(Tree.NodeHighlighted):
            self._rebuild(tree, now, pending_run_ids, labels)

    def _rebuild(
        self, tree: RunTreeModel, now: datetime, pending_run_ids: AbstractSet[str], labels: Mapping[str, str]
    ) -> None:
        keep = self.cursor_node.data if self.cursor_node else None
        self.clear()
        nodes: dict[str, TreeNode[str]] = {}
        for row in tree.rows():
            run = row.run
            parent = self.root
            if row.depth > 0 and (parent_run := tree.parent(run.id)) is not None:
                parent = nodes.get(parent_run.id, self.root)
            label = run_label(run, now=now, pending=run.id in pending_run_ids, orphan=row.orphan,
                              waits_for=labels.get(run.id))  # fmt: skip
            if tree.children(run.id):
                nodes[run.id] = parent.add(label, data=run.id, expand=True)
            else:
                nodes[run.id] = parent.add_leaf(label, data=run.id)
        self.border_title = plain(f"Runs ({len(tree)})")
        target = nodes.get(keep) if keep else None
        if target is not None:
            self.move_cursor(target)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """Textual draws the cursor under the label only: here it covers the whole row
        (guides and the space after the label too); reverse video when colours are off."""
        strip = super()._render_line(y, x1, x2, base_style)
        if y != self.cursor_line or self.cursor_node is None:
            return strip
        if self.app.no_color:
            over = Style(reverse=True)
        else:
            over = Style(bgcolor=self.get_component_rich_style("tree--cursor", partial=False).bgcolor)
        return Strip([Segment(text, (style or Style()) + over, control) for text, style, control in strip],
                     strip.cell_length)  # fmt: skip

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.Chosen(event.node.data, filter=False))

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.Chosen(event.node.data, filter=True))

    def select_run(self, run_id: str) -> bool:
        """Put the cursor on a run (False when the tree does not hold it)."""
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.data == run_id:
                parent = node.parent
                while parent is not None and parent is not self.root:
                    parent.expand()
                    parent = parent.parent
                self.move_cursor(node)
                return True
            stack.extend(node.children)
        return False

    def action_filter_run(self) -> None:
        if self.cursor_node and self.cursor_node.data:
            self.post_message(self.Chosen(self.cursor_node.data, filter=True))


def run_label(
    run: Run, *, now: datetime, pending: bool = False, orphan: bool = False, waits_for: str | None = None
) -> Text:
    """One run's line. ``pending``: it waits on a person (● in yellow, "waiting on you"); a
    run paused for anything else (its parent agent, a timer) gets a dim ◌, and ``waits_for``
    says what it waits for (never a person's task: nothing to answer here)."""
    name = run.agent_name or short_id(run.agent_id)
    span = run_duration(run, now)
    took = span.total_seconds() if span is not None else None
    label = Text(no_wrap=True, overflow="ellipsis")
    if pending:
        label.append("● ", style="bold yellow")
    elif is_waiting(run.status):
        label.append("◌ ", style="dim yellow")
    label.append(one_line(name, 32), style="bold")
    if waits_for and not pending:  # in place of the depth and status (the indent and the status bar show them)
        label.append(" ")
        label.append(one_line(waits_for, 40), style=f"italic {status_style(run.status)}")
    else:
        label.append(f" d{run.depth} ", style="dim")
        label.append(one_line(run.status or "?", 22), style=status_style(run.status))
    label.append(f" {fmt_count(run.total_tokens_used)} tok {fmt_duration(took)}", style="dim")
    if orphan:
        label.append(" (parent not in session)", style="dim italic")
    return label


def wait_marks(state: SessionState) -> tuple[set[str], dict[str, str]]:
    """What the tree marks: the runs that wait on a person (a pending task of theirs, a
    HITL or response pause, an escalation), and for each sub-agent run that waits for its
    parent agent's model (``WaitingForAITL``, no person's task on it or below it) the words
    "waiting for its parent agent". A run that is paused only because a run below it waits
    (a server that lifts the pause to the parents) gets neither."""
    person = {run_id for run_id in state.runs if state.run_waits_on_person(run_id)}
    person.update(task.run_id for task in state.pending_tasks() if task.run_id)
    labels: dict[str, str] = {}
    tree = state.tree
    for run_id in state.agent_wait_run_ids():
        run = state.runs.get(run_id)
        if run is None or not run.parent_run_id or run_id in person or _holds_any(tree, run_id, person):
            continue
        label = state.run_wait_label(run_id)
        if label:
            labels[run_id] = label
    return person, labels


def _holds_any(tree: RunTreeModel, run_id: str, run_ids: AbstractSet[str]) -> bool:
    """Whether a run below ``run_id`` is one of ``run_ids`` (iterative: no recursion)."""
    if not run_ids:
        return False
    stack, seen = [run_id], {run_id}
    while stack:
        for child in tree.children(stack.pop()):
            if child.id in run_ids:
                return True
            if child.id not in seen:
                seen.add(child.id)
                stack.append(child.id)
    return False
