"""The gate's rules: pure functions and data types, no I/O (the lexicons arrive as `GateData`)."""
