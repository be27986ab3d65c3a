"""The directive domain: pure rules, no I/O. Stores and handlers apply what these modules decide."""
