"""Every SQL statement of story-intake, and only here; it never commits. None yet: the gate keeps
nothing (the platform writes the audit trail); stories add theirs."""
