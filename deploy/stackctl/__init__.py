"""deploy/stack: the one script that installs, starts, stops and tests the local Nazar stack."""
