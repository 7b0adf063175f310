"""Per-paper experiment code the chapters call: data building, caching, runs, tables and claims.

One module per paper (``gideon2021``, ``kopeliovich2019``); notebooks stay narratives.
"""
