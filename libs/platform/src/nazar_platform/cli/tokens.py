"""`python -m nazar_platform.cli.tokens mint`: a development token for any member.

    python -m nazar_platform.cli.tokens mint --member M-000123 --grant sp:DST-BIKANER \\
        [--grant sp:DST-CHURU] [--ttl 8h] [--lang hi]

Signs with the dev key from `NAZAR_AUTH_DEV_PRIVATE_KEY_PATH` (created on first use) and the
issuer/audience the services verify against. Refused unless NAZAR_ENVIRONMENT is local or test:
in production (or any other environment) tokens come from the identity provider only.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import timedelta

from nazar_contracts.vocabulary import Language

from nazar_platform.auth.tokens import AuthSettings, Grant, ensure_dev_keypair, mint

_TTL = re.compile(r"^(\d+)([smhd])$")
_TTL_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_ttl(text: str) -> timedelta:
    """`90s`, `30m`, `8h`, `1d`."""
    match = _TTL.match(text.strip())
    if not match:
        raise ValueError(f"a ttl looks like 30m, 8h or 1d, got {text!r}")
    return timedelta(**{_TTL_UNITS[match.group(2)]: int(match.group(1))})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nazar_platform.cli.tokens")
    sub = parser.add_subparsers(dest="command", required=True)
    mint_cmd = sub.add_parser("mint", help="print a development token for a member")
    mint_cmd.add_argument("--member", required=True, help="member id, e.g. M-000123")
    mint_cmd.add_argument(
        "--grant", action="append", required=True, help="role:unit, e.g. sp:DST-BIKANER"
    )
    mint_cmd.add_argument("--ttl", default="8h", help="lifetime, e.g. 30m, 8h (default 8h)")
    mint_cmd.add_argument("--lang", choices=[str(lang) for lang in Language], default=None)
    args = parser.parse_args(argv)

    settings = AuthSettings()
    if not settings.development:
        print(
            f"refused: no dev tokens when NAZAR_ENVIRONMENT={settings.environment} (local and "
            "test only; production and every other environment take the identity provider's)",
            file=sys.stderr,
        )
        return 2
    try:
        grants = [Grant.parse(g) for g in args.grant]
        ttl = parse_ttl(args.ttl)
    except ValueError as exc:
        parser.error(str(exc))
    if ttl > settings.max_lifetime:
        parser.error(f"ttl {args.ttl} is beyond the maximum lifetime {settings.max_lifetime}")
    token = mint(
        args.member,
        grants,
        private_key=ensure_dev_keypair(settings.dev_private_key_path),
        issuer=settings.issuer,
        audience=settings.audience,
        ttl=ttl,
        kid=settings.dev_kid,
        language=args.lang,
    )
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
