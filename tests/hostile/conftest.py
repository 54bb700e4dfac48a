"""``hostile``: a running :class:`HostileServer` (its routes are set by the test)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hostile.server import HostileServer


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    async with HostileServer() as server:
        yield server
