"""--demo's known identity (sim/identities.py) is the one the simulator of that seed has."""

from __future__ import annotations

from phrony_tui.sim.identities import KNOWN
from phrony_tui.sim.simulator import identity


def test_the_known_identities_are_the_simulators():
    assert KNOWN  # seed 7 at least: --demo's
    for seed, known in KNOWN.items():
        assert known == identity(seed), f"regenerate sim/identities.py for seed {seed}"
