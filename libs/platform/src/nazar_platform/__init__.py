"""Nazar platform library."""
