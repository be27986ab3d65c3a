"""Nazar story-intake: the lawful-publishing gate (stories, moderation and alerts come next)."""

__version__ = "0.1.0"
