"""phrony-tui: a terminal inspector for Phrony agent runs."""

__version__ = "0.1.0"
