"""asyncpg SQL of the roster. Functions take the caller's connection and never commit."""

from typing import TypeAlias

import asyncpg
from nazar_platform.db import Connection

# Reads run on a pool or inside a caller's transaction alike.
Db: TypeAlias = asyncpg.Pool | Connection
