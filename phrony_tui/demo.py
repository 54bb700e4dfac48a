"""Settings for running against the built-in simulator (``--demo``, tests, screenshots)."""

from __future__ import annotations

from dataclasses import replace

from pydantic import SecretStr

from phrony_tui.cli import Settings


def demo_settings(sim, base_url: str, settings: Settings | None = None) -> Settings:
    """The simulator's root agents (sub-agents show up inside sessions), its admin key
    and its agents' display names, over whatever the person passed."""
    settings = settings or Settings()
    agents = list(sim.engine.agents.values())
    # The firehose agent exists for stream benchmarks, not for people.
    roots = tuple(a.id for a in agents if a.parent_key is None and a.key != "firehose")
    return replace(
        settings,
        base_url=base_url,
        api_key=SecretStr(sim.keys.admin),
        agent_ids=settings.agent_ids or roots,
        agent_names={**{a.id: a.name for a in agents}, **settings.agent_names},
        demo=True,
    )
