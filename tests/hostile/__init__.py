"""Tests of the client against a hostile server on loopback (issue 15): see server.py."""
