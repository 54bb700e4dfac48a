"""``sessions`` and ``show`` as subprocesses: tables that fit, one JSON document of the
wire objects, the app's exports, a bad key, a bad run id, no escape from server text."""

from __future__ import annotations

import json
import re

import httpx

from phrony_tui.entry.scripting.table import cell_width

# Anything a terminal would act on: ESC, BEL, BS, DEL, C1 controls.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _wire(world, path: str, **params) -> dict:
    response = httpx.get(world.base_url + path, params=params, headers={"X-API-Key": world.key}, timeout=30)
    response.raise_for_status()
    return response.json()


def test_sessions_table_fits_the_width_and_lists_the_runs_to_open(world, cli):
    agent = world.sim.agents["hitl"]
    done = cli("sessions", "--agent", agent, "--take", "5", COLUMNS="72")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("RUN ID") and "STATUS" in lines[0]
    assert len(lines) == 6 and all(cell_width(line) <= 72 for line in lines)
    newest = world.newest("hitl", "WaitingForHITL")
    assert lines[1].startswith(newest) and "WaitingForHITL" in lines[1]
    assert "5 of 134" in done.stderr  # the total, on stderr: stdout stays the table
    wide = cli("sessions", "--agent", agent, "--take", "5", COLUMNS="200")
    assert "TOKENS" in wide.stdout.splitlines()[0] and "TOKENS" not in lines[0]  # narrow: columns went


def test_sessions_json_is_one_document_of_the_wire_objects(world, cli):
    hitl, chat = world.sim.agents["hitl"], world.sim.agents["chat"]
    done = cli("sessions", "--agent", hitl, "--agent", chat, "--take", "3", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # one document: json.loads refuses anything more
    expected = [*_wire(world, f"/v1/agents/{hitl}/sessions", take=3)["items"],
                *_wire(world, f"/v1/agents/{chat}/sessions", take=3)["items"]]  # fmt: skip
    assert document["items"] == expected  # exactly as sent: every field, nothing added
    assert document["totals"] == {hitl: 134, chat: 126}


def test_sessions_status_filter(world, cli):
    done = cli("sessions", "--agent", world.sim.agents["hitl"], "--status", "Completed", "--json")
    items = json.loads(done.stdout)["items"]
    assert items and {item["status"] for item in items} == {"Completed"}


def test_a_bad_key_is_said_in_the_apps_words_and_never_printed(world, cli):
    bad = "phk_thisIsNotAValidKeyButLooksLikeOne12"
    for args in (("sessions", "--agent", world.sim.agents["hitl"]), ("show", world.newest("hitl", "Completed"))):
        done = cli(*args, PHRONY_API_KEY=bad)
        assert done.returncode == 3, (args, done.stderr)
        assert "401" in done.stderr and "PHRONY_API_KEY" in done.stderr and "check check" not in done.stderr
        assert bad not in done.stdout + done.stderr and world.key not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


def test_no_key_and_no_agent_are_usage_errors(world, cli):
    env = {k: v for k, v in world.env.items() if k != "PHRONY_API_KEY"}
    done = cli("show", "some-run", env=env)
    assert done.returncode == 2 and "no API key" in done.stderr
    done = cli("sessions")
    assert done.returncode == 2 and "no agent to list" in done.stderr


def test_an_unreachable_server_is_a_network_error(world, cli):
    done = cli("sessions", "--agent", "a", PHRONY_API_BASE="http://127.0.0.1:9")  # discard port: refused
    assert done.returncode == 4, done.stderr
    assert "cannot connect" in done.stderr and "the network and PHRONY_API_BASE" in done.stderr


def test_show_prints_the_timeline_and_how_to_answer_what_waits(world, cli):
    run_id = world.newest("hitl", "WaitingForHITL")
    [task] = world.sim.pending_tasks(run_id)
    done = cli("show", run_id)
    assert done.returncode == 0, done.stderr
    conversation = _wire(world, f"/v1/runs/{run_id}/conversation")
    text = done.stdout
    assert f"session {conversation['session']['id']}" in text
    for item in conversation["items"]:
        assert re.search(rf"^\s+{item['ordinal']}\s.*{re.escape(item['type'])}", text, re.M), item["type"]
    assert f"phrony-tui answer {run_id} --task {task['id']} --approve | --reject" in text


def test_show_json_and_md_are_the_apps_exports(world, cli):
    run_id = world.newest("options", "WaitingForHITL")
    exported = json.loads(cli("show", run_id, "--json").stdout)
    conversation = _wire(world, f"/v1/runs/{run_id}/conversation")
    assert exported["session"]["id"] == conversation["session"]["id"]
    assert [item["id"] for item in exported["items"]] == [item["id"] for item in conversation["items"]]
    report = cli("show", run_id, "--md").stdout
    assert report.startswith(f"# Phrony session {conversation['session']['id']}") and "## Timeline" in report


def test_show_a_bad_run_id_is_a_404_in_the_apps_words(world, cli):
    done = cli("show", "00000000-0000-4000-8000-000000000000")
    assert done.returncode == 3
    assert "404" in done.stderr and "no such run" in done.stderr and "check the id" in done.stderr


def test_server_text_reaches_stdout_without_escapes(world, cli):
    # The Completed hitl session with hostile strings (docs/simulator.md): ANSI, OSC, BEL, C1.
    hostile = None
    for _session, run_id in world.sim.find_sessions("hitl", "Completed"):
        raw = httpx.get(f"{world.base_url}/v1/runs/{run_id}/conversation", headers={"X-API-Key": world.key}).text
        if "\\u001b" in raw:
            hostile = run_id
            break
    assert hostile is not None
    for form in ((), ("--md",), ("--json",)):
        done = cli("show", hostile, *form)
        assert done.returncode == 0
        assert not UNSAFE.search(done.stdout.replace("\n", "").replace("\t", "")), form
