"""The entry layer, above the UI: the command line (cli.py), the launch of the app
(launch.py), ``--demo``'s simulator child (demo.py) and the process-wide switch the
app's start needs before httpx is imported (httpx_cli.py). Nothing below imports it.
"""
