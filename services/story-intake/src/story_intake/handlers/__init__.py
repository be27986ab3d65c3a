"""Use cases of story-intake (the gate keeps nothing, so none opens a transaction yet)."""
