"""Use cases: each owns its transaction and writes the events of what it changed to the outbox.

`context` (what every use case is given), `units`, `members`, `opt_outs`, `imports` (member
lists), `unit_imports` (the units list); `propagate` carries a change on to the groups it moves,
and `events` maps each aggregate's rows to its events.
"""
