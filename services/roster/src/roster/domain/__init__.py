"""The roster's pure domain: ids, phone numbers, roles, the unit tree, groups, CSV rows. No I/O."""
