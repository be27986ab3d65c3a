"""asyncpg SQL of the roster. Functions take the caller's connection and never commit."""
