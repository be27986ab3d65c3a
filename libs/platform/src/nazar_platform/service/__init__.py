"""The composition root: a service's parts (`parts`), its HTTP app (`app`), serve and worker."""

from nazar_platform.service.app import API_PREFIX, create_app, serve
from nazar_platform.service.parts import ServiceParts, Task, migrate, run_worker, started

__all__ = [
    "API_PREFIX",
    "ServiceParts",
    "Task",
    "create_app",
    "migrate",
    "run_worker",
    "serve",
    "started",
]
