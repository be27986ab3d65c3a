"""The synthetic Rajasthan roster: `python -m roster generate --scale state|demo`."""
