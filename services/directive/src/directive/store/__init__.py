"""asyncpg SQL of the directive service. Functions take the caller's connection; none commits."""
