"""``answer`` and ``reply`` as subprocesses: the dialogs' validation, the bodies sent,
--dry-run sending nothing, a run that resumes, a file that is uploaded and attached."""

from __future__ import annotations

import json


def _messages(world, run_id: str) -> list:
    return [body for method, path, body in world.sim.received if method == "POST" and path.endswith(f"{run_id}/messages")]


def test_approving_resumes_the_run_to_completed(world, cli):
    run_id = world.newest("hitl", "WaitingForHITL")
    [task] = world.sim.pending_tasks(run_id)
    done = cli("answer", run_id, "--approve")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Approved approval task {task['id']} (run now Running)"
    assert _messages(world, run_id) == [{"runId": run_id, "userTaskId": task["id"], "approved": True}]
    world.sim.advance(60)
    assert world.sim.status(run_id) == "Completed"
    # Answered: a second try finds nothing to answer and sends nothing.
    again = cli("answer", run_id, "--approve")
    assert again.returncode == 1 and "nothing to answer" in again.stderr
    assert len(_messages(world, run_id)) == 1


def test_dry_run_prints_the_route_and_body_and_sends_nothing(world, cli):
    run_id = world.newest("options", "WaitingForHITL")
    [task] = world.sim.pending_tasks(run_id)
    option = task["options"][1]["id"]
    before = len(world.posts())
    done = cli("answer", run_id, "--option", option, "--dry-run")
    assert done.returncode == 0, done.stderr
    route, _, body = done.stdout.partition("\n")
    assert route == f"POST /v1/runs/{run_id}/messages"
    assert json.loads(body) == {"runId": run_id, "userTaskId": task["id"], "selectedOptionId": option}
    assert len(world.posts()) == before  # no POST, no PUT
    assert world.sim.pending_tasks(run_id) == [task]


def test_the_answer_must_fit_the_task_as_in_the_dialog(world, cli):
    hitl = world.newest("hitl", "WaitingForHITL")
    options = world.newest("options", "WaitingForHITL")
    number = world.newest("number", "WaitingForHITL")
    before = len(world.posts())
    wrong_flag = cli("answer", hitl, "--text", "yes please")
    assert wrong_flag.returncode == 2 and "answer it with --approve or --reject" in wrong_flag.stderr
    not_an_option = cli("answer", options, "--option", "no-such-option")
    assert not_an_option.returncode == 2 and "is not one of the task's options" in not_an_option.stderr
    not_a_number = cli("answer", number, "--number", "a lot")
    assert not_a_number.returncode == 2 and "Not sent:" in not_a_number.stderr
    assert len(world.posts()) == before
    done = cli("answer", number, "--number", "4500")
    assert done.returncode == 0, done.stderr
    assert _messages(world, number)[0]["numberValue"] == 4500


def test_answer_a_run_waiting_for_a_reply_points_to_reply(world, cli):
    chat = world.newest("chat", "WaitingForResponse")
    done = cli("answer", chat, "--text", "hello")
    assert done.returncode == 1 and f"phrony-tui reply {chat}" in done.stderr


def test_reply_uploads_the_file_then_sends_one_message(world, cli, tmp_path):
    run_id = world.newest("chat", "WaitingForResponse")
    note = tmp_path / "order-notes.txt"
    note.write_text("ORD-1234, delivered broken\n")
    done = cli("reply", run_id, "--text", "See the notes", "--file", str(note))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Sent a message with 1 file(s) (order-notes.txt)")
    routes = [(method, path) for method, path, _body in world.sim.received]
    assert routes[-4:][0] == ("POST", "/v1/file-library/presign") and routes[-4:][2] == ("POST", "/v1/file-library/finalize")
    assert routes[-4:][1][0] == "PUT" and routes[-1] == ("POST", f"/v1/runs/{run_id}/messages")
    [message] = _messages(world, run_id)
    [attached] = message["files"]
    assert message["text"] == "See the notes" and attached["filename"] == "order-notes.txt"
    assert world.sim.objects[attached["objectKey"]].data == note.read_bytes()
    assert world.sim.status(run_id) == "Running"


def test_reply_dry_run_uploads_nothing_and_checks_files_first(world, cli, tmp_path):
    run_id = world.newest("chat", "WaitingForResponse")
    note = tmp_path / "a.txt"
    note.write_text("x")
    before = len(world.posts())
    done = cli("reply", run_id, "--text", "-", "--file", str(note), "--dry-run", stdin="from stdin\n")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout.partition("\n")[2])
    assert body["text"] == "from stdin\n" and body["files"][0]["filename"] == "a.txt"
    missing = cli("reply", run_id, "--text", "hi", "--file", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    folder = cli("reply", run_id, "--file", str(tmp_path))
    assert folder.returncode == 2 and "is a directory" in folder.stderr
    assert len(world.posts()) == before
    not_waiting = cli("reply", world.newest("hitl", "WaitingForHITL"), "--text", "hi")
    assert not_waiting.returncode == 1 and "not waiting for a reply" in not_waiting.stderr
