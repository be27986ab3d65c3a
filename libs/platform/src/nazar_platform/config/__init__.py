"""Settings every process shares, and the rule that secrets fail closed."""
