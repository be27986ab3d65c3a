"""Clients of what lies outside the service's code: the gate's data files."""
