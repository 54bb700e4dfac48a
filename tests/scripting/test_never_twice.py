"""The never-twice rule when the connection fails around a send: the command is run
in-process (its ``run``) with a client whose send fails the way a network does, and
the simulator counts what really reached it. Nothing is ever sent a second time."""

from __future__ import annotations

import asyncio
import io

import pytest

from phrony_tui.client import PhronyClient, PhronyConnectionError, PhronyTimeoutError
from phrony_tui.entry.scripting import answer, reply
from phrony_tui.entry.scripting.common import Context, Exit, Output
from phrony_tui.settings import Settings


class FlakyClient(PhronyClient):
    """A real client whose ``send_run_message`` fails: after the request went through
    (``deliver=True``: the reply is lost) or before it left."""

    def __init__(self, *args, deliver: bool, error: Exception, reads_fail: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deliver, self.error, self.reads_fail = deliver, error, reads_fail
        self.sends = 0

    async def send_run_message(self, run_id, **fields):
        self.sends += 1
        if self.deliver:
            await super().send_run_message(run_id, **fields)
        raise self.error

    async def get_run(self, run_id):
        if self.reads_fail and self.sends:
            raise PhronyConnectionError("cannot connect to the host: refused")
        return await super().get_run(run_id)


def _run(world, module, argv: list[str], **flaky) -> tuple[int, str, str, FlakyClient]:
    made: list[FlakyClient] = []

    def make() -> FlakyClient:
        client = FlakyClient(world.base_url, world.key, **flaky)
        made.append(client)
        return client

    out, err = io.StringIO(), io.StringIO()
    ctx = Context(Settings(base_url=world.base_url), Output(out=out, err=err), {}, make_client=make)
    code = asyncio.run(module.run(ctx, module.build_parser().parse_args(argv)))
    return code, out.getvalue(), err.getvalue(), made[0]


# As the client raises them once the whole request had been sent (maybe_applied).
RESET = PhronyConnectionError(
    "the connection to 127.0.0.1 broke: Server disconnected without sending a response.", maybe_applied=True
)
READ_TIMEOUT = PhronyTimeoutError("127.0.0.1 sent nothing for 30 s: the connection is considered dead", maybe_applied=True)
REFUSED = PhronyConnectionError("cannot connect to 127.0.0.1: All connection attempts failed")


def _sent(world, run_id: str) -> int:
    return sum(1 for method, path, _status in world.sim.requests if method == "POST" and path.endswith(f"{run_id}/messages"))


def test_a_lost_reply_to_an_answer_that_went_through_is_checked_not_resent(world):
    run_id = world.newest("hitl", "WaitingForHITL")
    code, out, err, client = _run(world, answer, [run_id, "--approve"], deliver=True, error=RESET)
    assert code == Exit.SENT_UNCONFIRMED
    assert "it went through" in err and "no longer pending" in err and "Not sent again" in err
    assert client.sends == 1 and _sent(world, run_id) == 1 and out == ""


@pytest.mark.parametrize("error", [READ_TIMEOUT, RESET])
def test_an_answer_that_did_not_arrive_is_said_so_and_not_resent(world, error):
    run_id = world.newest("text", "WaitingForHITL")
    code, _out, err, client = _run(world, answer, [run_id, "--text", "A headline"], deliver=False, error=error)
    assert code == Exit.NETWORK
    assert "did not go through" in err and "still pending" in err and "run the same command" in err
    assert client.sends == 1 and _sent(world, run_id) == 0
    assert world.sim.pending_tasks(run_id)  # still waiting for its answer


def test_a_connection_that_never_carried_the_request_needs_no_check(world):
    run_id = world.newest("hitl", "WaitingForHITL")
    reads = len(world.sim.requests)
    code, _out, err, client = _run(world, answer, [run_id, "--reject"], deliver=False, error=REFUSED)
    assert code == Exit.NETWORK and "never reached the server" in err
    assert client.sends == 1 and len(world.sim.requests) == reads + 1  # the read before the send, no check


def test_when_the_check_fails_too_the_outcome_is_unknown(world):
    run_id = world.newest("hitl", "WaitingForHITL")
    code, _out, err, client = _run(world, answer, [run_id, "--approve"], deliver=True, error=RESET, reads_fail=True)
    assert code == Exit.UNKNOWN
    assert "unknown" in err and f"phrony-tui show {run_id}" in err and client.sends == 1


def test_a_reply_whose_answer_was_lost_is_checked_by_the_new_steps(world):
    run_id = world.newest("chat", "WaitingForResponse")
    code, _out, err, client = _run(world, reply, [run_id, "--text", "hello"], deliver=True, error=READ_TIMEOUT)
    assert code == Exit.SENT_UNCONFIRMED and "the run is Running: it went through" in err
    assert client.sends == 1 and _sent(world, run_id) == 1
