"""Nazar event contracts."""
