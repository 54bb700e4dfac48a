"""A conversation read while the app starts (--run prefetch) is used, never trusted blindly."""

from __future__ import annotations

import asyncio

import pytest

from phrony_tui.client import PhronyClient
from phrony_tui.live.follower import RunFollower
from phrony_tui.live.prefetch import start_prefetch
from tests.support.waiting import wait_for


@pytest.mark.full_world
async def test_a_finished_session_needs_no_stream(sim, sim_base_url):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    future = start_prefetch(sim_base_url, sim.keys.admin, run_id)
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        follower = RunFollower(client, run_id, initial=asyncio.wrap_future(future))
        await asyncio.wait_for(follower.run(), 20)
    batch = follower.drain()
    assert batch.conversation is not None and len(batch.conversation.items) > 0
    assert follower.connections == 0 and follower.backfills == 1
    assert follower.status.closed and not follower.status.fatal


async def test_a_live_session_is_back_filled_again_once_its_stream_is_open(sim, sim_base_url):
    _, run_id = sim.start_session("hitl")
    future = start_prefetch(sim_base_url, sim.keys.admin, run_id)
    future.result(timeout=10)
    sim.advance(30)  # steps happen between the prefetch and the stream: they must not be lost
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        follower = RunFollower(client, run_id, initial=asyncio.wrap_future(future))
        task = asyncio.create_task(follower.run())
        await wait_for(lambda: follower.backfills >= 2)
        follower.stop()
        await asyncio.wait_for(task, 10)
    assert follower.connections == 1 and follower.backfills == 2
    conversation = follower.drain().conversation
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        server = await client.get_conversation(run_id)
    assert [i.id for i in conversation.items] == [i.id for i in server.items]


@pytest.mark.full_world
async def test_a_failed_prefetch_falls_back_to_the_usual_path(sim, sim_base_url):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    future = start_prefetch(sim_base_url, "phk_wrong_key_for_prefetch", run_id)
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        follower = RunFollower(client, run_id, initial=asyncio.wrap_future(future))
        await asyncio.wait_for(follower.run(), 20)
    assert follower.drain().conversation is not None
    assert follower.status.closed and not follower.status.fatal


def test_the_handoff_gives_the_future_once_and_keeps_no_reference():
    """The CLI's frames live as long as the app: what they hold must not keep the
    first session's conversation once the app has taken it."""
    import gc
    import weakref
    from concurrent.futures import Future

    from phrony_tui.live.prefetch import Handoff

    class Body:  # stands in for the conversation (weakly referenceable)
        pass

    future: Future = Future()
    future.set_result(Body())
    result = weakref.ref(future.result())
    handoff = Handoff(future)
    del future
    taken = handoff.take()
    assert taken is not None and handoff.take() is None
    del taken
    gc.collect()
    assert result() is None and handoff.take() is None


async def test_the_stream_opens_after_the_ui_has_shown_the_prefetched_session(sim, sim_base_url):
    """``shown`` is awaited between handing over the prefetched conversation and opening
    the stream: the UI draws the session first, the stream's burst comes after."""
    _, run_id = sim.start_session("hitl")
    future = start_prefetch(sim_base_url, sim.keys.admin, run_id)
    seen: list[tuple[int, bool]] = []
    drawn = asyncio.Event()

    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        follower = RunFollower(client, run_id, initial=asyncio.wrap_future(future), shown=drawn.wait)

        async def ui() -> None:  # the UI: drains the conversation, "draws", says so
            while follower.status.state != "closed":
                batch = follower.drain()
                if batch.conversation is not None and not drawn.is_set():
                    seen.append((follower.connections, True))
                    await asyncio.sleep(0.2)  # drawing takes a while
                    seen.append((follower.connections, True))
                    drawn.set()
                await asyncio.sleep(0.01)

        task = asyncio.create_task(follower.run())
        ui_task = asyncio.create_task(ui())
        await wait_for(lambda: follower.connections >= 1 and follower.backfills >= 2)
        follower.stop()
        await asyncio.wait_for(task, 10)
        await asyncio.wait_for(ui_task, 10)
    assert seen[:2] == [(0, True), (0, True)]  # no stream while the session was being drawn
    assert follower.connections == 1 and follower.backfills == 2


async def test_a_ui_that_never_says_shown_delays_the_stream_only_so_long(sim, sim_base_url, monkeypatch):
    from phrony_tui.live import follower as follower_module

    monkeypatch.setattr(follower_module, "SHOWN_WAIT", 0.2)
    _, run_id = sim.start_session("hitl")
    future = start_prefetch(sim_base_url, sim.keys.admin, run_id)
    never = asyncio.Event()
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        follower = RunFollower(client, run_id, initial=asyncio.wrap_future(future), shown=never.wait)
        task = asyncio.create_task(follower.run())
        await wait_for(lambda: follower.connections >= 1)
        follower.stop()
        await asyncio.wait_for(task, 10)
    assert follower.connections == 1


# -- the first conversation in parts (the early read, entry/launch.py) ------------------------


async def _fold(follower, state, batches: list) -> object:
    from phrony_tui.core.session_state import SessionState
    from phrony_tui.live.apply import apply_batch

    batch = follower.drain()
    batches.append(batch)
    applied = await apply_batch(state, batch, new_state=lambda c: SessionState(follower.run_id, c))
    return applied


@pytest.mark.full_world  # a finished multi-agent session
async def test_the_first_rows_of_a_conversation_read_in_parts_are_handed_over_before_the_rest(sim, sim_base_url):
    from phrony_tui.client.lazy import ConversationReader
    from phrony_tui.live.prefetch import ConversationParts

    _, run_id = sim.find_sessions("multi", "Completed")[0]
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        server = await client.get_conversation(run_id, lazy=True)
        url = f"{sim_base_url}/v1/runs/{run_id}/conversation?stepContent=full"
        body = (await client._http.get(url, headers={"X-API-Key": sim.keys.admin})).content
    reader = ConversationReader()
    cut = len(body) // 3
    first = reader.feed(body[:cut])
    assert first and reader.head is not None
    parts = ConversationParts()
    parts.put("head", reader.conversation())
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        follower = RunFollower(client, run_id, initial=parts)
        task = asyncio.create_task(follower.run())
        await wait_for(lambda: follower.has_news)
        batches: list = []
        applied = await _fold(follower, None, batches)
        state = applied.state
        assert applied.first and applied.opening and state.loading
        assert [row.id for row in state.timeline] == [item.id for item in first]  # only what came yet
        parts.put("items", reader.feed(body[cut:]) + reader.finish())
        await wait_for(lambda: follower.has_news)
        applied = await _fold(follower, state, batches)
        assert applied.opening and not applied.first and batches[-1].more_items
        parts.put("end")
        await asyncio.wait_for(task, 20)  # a finished session: no stream
        applied = await _fold(follower, state, batches)
    assert applied.opening and not state.loading  # the last batch of the opening, and it is over
    assert follower.connections == 0
    assert [row.id for row in state.timeline] == [i.id for i in sorted(server.items, key=lambda i: i.ordinal)]
    assert state.step_count == len(server.items)


@pytest.mark.full_world  # a finished multi-agent session
async def test_a_conversation_whose_parts_break_off_is_read_the_usual_way(sim, sim_base_url):
    from phrony_tui.client.errors import PhronyConnectionError
    from phrony_tui.live.prefetch import ConversationParts

    _, run_id = sim.find_sessions("multi", "Completed")[0]
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        server = await client.get_conversation(run_id, lazy=True)
        head = server.model_copy(update={"items": server.items[:2]})
        parts = ConversationParts()
        parts.put("head", head)
        parts.put("error", PhronyConnectionError("cut"))
        follower = RunFollower(client, run_id, initial=parts)
        await asyncio.wait_for(follower.run(), 20)
        batches: list = []
        applied = await _fold(follower, None, batches)
    assert follower.backfills >= 2  # the head, then the usual path's whole read
    assert [row.id for row in applied.state.timeline] == [i.id for i in sorted(server.items, key=lambda i: i.ordinal)]
    assert not applied.state.loading


@pytest.mark.full_world  # a finished multi-agent session
async def test_parts_already_in_are_taken_at_once_for_the_first_frame(sim, sim_base_url):
    from phrony_tui.live.prefetch import ConversationParts

    _, run_id = sim.find_sessions("multi", "Completed")[0]
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        server = await client.get_conversation(run_id, lazy=True)
        parts = ConversationParts()
        follower = RunFollower(client, run_id, initial=parts)
        assert not follower.prime()  # nothing in yet: nothing taken
        parts.put("items", [])  # not a head: put back
        assert not follower.prime()
        parts.take_nowait()
        parts.put("head", server.model_copy(update={"items": server.items[:2]}))
        parts.put("items", list(server.items[2:]))
        assert follower.prime()
        batch = follower.drain()  # before run(): what the first frame draws
        assert batch.opening and batch.conversation is not None
        assert len(batch.conversation.items) + len(batch.more_items) == len(server.items)
        parts.put("end")
        await asyncio.wait_for(follower.run(), 20)
    assert follower.connections == 0 and follower.backfills == 1 and follower.status.closed
    assert not follower.drain().opening
