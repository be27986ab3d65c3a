"""The synthetic Rajasthan roster for local stacks, tests and benchmarks; never deployed.

`python -m nazar_rostergen generate --scale demo|state` writes the three CSV files a clerk would
upload; `python -m nazar_rostergen seed` imports them into an empty roster.
"""
