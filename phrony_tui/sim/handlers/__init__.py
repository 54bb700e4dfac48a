"""The simulator's route handlers, one module per route group (see ``phrony_tui.sim.app``).

Each ``/v1`` handler is an ``async`` function of one ``endpoint.Call``; each reads and
changes the world under ``sim.lock`` and calls ``sim.notify()`` after a change.
"""
