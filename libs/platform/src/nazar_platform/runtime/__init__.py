"""What runs a service's long-lived work: its runtime state, the supervisor, the leader loop."""
