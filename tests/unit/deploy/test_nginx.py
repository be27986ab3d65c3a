"""The one origin's nginx configurations (deploy/nginx/): the local stack's, as stackctl.proxy
renders it, and compose's (TLS), each checked by Debian's nginx itself (`nginx -t`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
NGINX_DIR = ROOT / "deploy" / "nginx"
sys.path.insert(0, str(ROOT / "deploy"))
from stackctl import proxy  # noqa: E402
from stackctl.common import Ports, State  # noqa: E402
from stackctl.services import SERVICES, env_of  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
needs_nginx = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="nginx is not installed (deploy/stack install)"
)
PREFIXES = {"/roster": 101, "/directive": 102, "/publisher": 103, "/stories": 104}


def _check(conf: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NGINX, "-t", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )


@needs_nginx
def test_the_local_stacks_configuration_passes_nginx_t(tmp_path: Path) -> None:
    conf = proxy.render(tmp_path, 32000)
    done = _check(conf, conf.parent)
    assert done.returncode == 0, done.stderr
    text = conf.read_text()
    assert "listen 127.0.0.1:32080;" in text
    # Every upstream is a service's own port (docs/DEVELOPING.md, "Ports").
    for name, offset in proxy.UPSTREAMS.items():
        assert f"upstream nazar_{name} {{ server 127.0.0.1:{32000 + offset};" in text
    assert not re.search(r"\{[a-z]+\}", text), "a placeholder left unrendered"


def test_every_prefix_is_routed_stripped_and_named() -> None:
    routes = (NGINX_DIR / "routes.conf").read_text()
    prefixes = (NGINX_DIR / "prefixes.conf").read_text()
    for prefix in PREFIXES:
        upstream = "nazar_" + prefix.strip("/")
        # A trailing "/" on both sides: nginx strips the prefix before proxying.
        assert f"location {prefix}/ {{ proxy_pass http://{upstream}/; }}" in routes
        assert f"~^{prefix}(/|$) {prefix};" in prefixes
    assert "proxy_set_header X-Forwarded-Prefix $nazar_prefix;" in routes
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in routes
    assert "proxy_set_header X-Forwarded-Host $http_host;" in routes
    assert "return 302 /directive/console;" in routes


@needs_nginx
def test_the_compose_configuration_passes_nginx_t(tmp_path: Path) -> None:
    # As the nginx container reads it, with its paths, hosts and ports mapped to this machine.
    key, cert = tmp_path / "tls.key", tmp_path / "tls.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    text = (NGINX_DIR / "compose.conf").read_text()
    text = text.replace("/etc/nginx/nazar/", f"{NGINX_DIR}/")
    text = text.replace("/run/secrets/tls_certificate", str(cert))
    text = text.replace("/run/secrets/tls_key", str(key))
    for host in ("roster", "directive", "social-publisher", "story-intake"):
        text = text.replace(f"server {host}:8000;", "server 127.0.0.1:8000;")
    text = re.sub(r"listen (\[::\]:)?80;", "", text)
    text = re.sub(r"listen \[::\]:443 ssl http2;", "", text)
    text = text.replace("listen 443 ssl http2;", "listen 127.0.0.1:38443 ssl http2;")
    (tmp_path / "conf.d.conf").write_text(text)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/conf.d.conf;\n}}\n"
    )
    done = _check(main, tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_stack_gives_every_service_the_one_origin() -> None:
    ports, state = Ports(32000), State("unit-nginx")
    for service in SERVICES:
        env = env_of(service, ports, state, {})
        assert env["NAZAR_PUBLIC_ORIGIN"] == "http://localhost:32080"
    by_name = {s.name: env_of(s, ports, state, {}) for s in SERVICES}
    assert by_name["story-intake"]["NAZAR_PUBLIC_BASE_URL"] == "http://localhost:32080/stories"
    publisher = by_name["social-publisher"]
    assert publisher["NAZAR_PUBLIC_BASE_URL"] == "http://localhost:32080/publisher"
    assert publisher["NAZAR_X_REDIRECT_URL"] == (
        "http://localhost:32080/publisher/oauth/x/callback"
    )
    fake = next(s for s in SERVICES if s.name == "fake-whatsapp")
    assert "{origin}/publisher/webhooks/whatsapp" in fake.command
