"""Helpers the tests share (not tests themselves): waiting, reading the screen, dialogs.

Test modules import from here, never from one another (``tests.support.waiting`` etc.).
"""
