"""The one origin of the local stack: Debian's nginx in front of every service (issue 16).

`deploy/stack up` and the end-to-end tests start it like a service (SERVICES in services.py):
`python -m stackctl.proxy --state DIR --base N` renders deploy/nginx/local.conf.template into
DIR/nginx/nginx.conf and becomes nginx in the foreground, as the user who runs the stack, with
its pid, logs and temporary files under DIR. The origin is http://localhost:<base+80>; the
routes (prefixes, headers) are deploy/nginx/routes.conf, shared with docker-compose.yml.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import socket
import sys
from pathlib import Path

NGINX_DIR = Path(__file__).resolve().parents[1] / "nginx"
TEMPLATE = NGINX_DIR / "local.conf.template"
PORT_OFFSET = 80
# The services' HTTP ports (docs/DEVELOPING.md, "Ports"), by upstream name.
UPSTREAMS = {"roster": 101, "directive": 102, "publisher": 103, "stories": 104}


def origin(base: int) -> str:
    """The one origin of a stack: `localhost`, a name (WebAuthn's relying-party id and the
    cookie's host cannot be an IP address)."""
    return f"http://localhost:{base + PORT_OFFSET}"


def _ipv6_loopback() -> bool:
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.bind(("::1", 0))
        return True
    return False


def render(state_dir: Path, base: int) -> Path:
    """Writes STATE/nginx/nginx.conf (and the folders it names); returns its path."""
    folder = state_dir / "nginx"
    logs = state_dir / "logs"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    port = base + PORT_OFFSET
    listen = [f"        listen 127.0.0.1:{port};"]
    if _ipv6_loopback():  # `localhost` may resolve to ::1 first
        listen.append(f"        listen [::1]:{port};")
    # nginx started by root would hand its workers to `nobody`; keep them the stack's user.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    values = {
        "user": user,
        "dir": str(folder),
        "logs": str(logs),
        "nginx": str(NGINX_DIR),
        "listen": "\n".join(listen),
        **{name: str(base + offset) for name, offset in UPSTREAMS.items()},
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    conf = folder / "nginx.conf"
    conf.write_text(text)
    return conf


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise SystemExit("nginx is missing: run `deploy/stack install` (Debian's nginx-light)")
    return found


def argv(conf: Path, *extra: str) -> list[str]:
    folder = conf.parent
    # -e: the error log from the start, before the configuration names its own.
    error_log = str(folder / "error.log")
    return [nginx_binary(), "-p", str(folder), "-c", str(conf), "-e", error_log, *extra]


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="stackctl.proxy")
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--base", required=True, type=int)
    parser.add_argument("--check", action="store_true", help="render, then `nginx -t` only")
    opts = parser.parse_args(args)
    conf = render(opts.state.resolve(), opts.base)
    command = argv(conf, "-t") if opts.check else argv(conf)
    sys.stdout.flush()
    os.execv(command[0], command)  # nginx in the foreground, with this pid


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
