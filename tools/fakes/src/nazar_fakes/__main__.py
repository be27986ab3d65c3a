"""python -m nazar_fakes whatsapp|sms --port P --webhook-url URL --app-secret S [options]
python -m nazar_fakes facebook --port P --token T --page-ids a,b [--config JSON] [--log F]
python -m nazar_fakes instagram --port P [--token T] [--ig-user-ids a,b] [--config JSON]
python -m nazar_fakes x --port P [--client-id C --client-secret S] [--config JSON]
python -m nazar_fakes oidc --port P [--client-id C --client-secret S] [--config JSON]
python -m nazar_fakes push --port P [--mps-cap N] [--config JSON]

Never part of a deployment: the local stack, the tests and the benchmarks start these.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import uvloop
from aiohttp import web

from nazar_fakes.facebook import FakeFacebook
from nazar_fakes.instagram import FakeInstagram
from nazar_fakes.oidc import FakeOidc, oidc_app
from nazar_fakes.push import FakePush
from nazar_fakes.server import facebook_app, instagram_app, push_app, sms_app, whatsapp_app
from nazar_fakes.sms import FakeSms
from nazar_fakes.whatsapp import FakeWhatsApp
from nazar_fakes.x import FakeX, x_app


def _fail(spec: str) -> dict[str, Any]:
    """`code=131026,share=0.01[,stage=send]` -> a failure rule."""
    rule: dict[str, Any] = {}
    for part in spec.split(","):
        key, _, value = part.partition("=")
        rule[key.strip()] = value.strip()
    for key in ("code", "times"):
        if key in rule:
            rule[key] = int(rule[key])
    if "share" in rule:
        rule["share"] = float(rule["share"])
    return rule


# The fakes that post status webhooks back (the social networks' fakes are only called).
_WEBHOOKS = frozenset({"whatsapp", "sms"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="nazar_fakes", description=__doc__)
    parser.add_argument(
        "provider", choices=["whatsapp", "sms", "facebook", "instagram", "x", "oidc", "push"]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--webhook-url", help="required for whatsapp and sms")
    parser.add_argument("--app-secret", help="HMAC key of the webhooks (whatsapp, sms)")
    parser.add_argument("--client-id", default=None, help="X or OIDC client id")
    parser.add_argument("--client-secret", default=None, help="X or OIDC client secret")
    parser.add_argument("--token", default="fake-token", help="bearer token / API key expected")
    parser.add_argument("--phone-number-ids", default="100000000000001")
    parser.add_argument("--page-ids", default="100000000000101", help="Facebook Pages")
    parser.add_argument("--ig-user-ids", default="17841400000000001", help="instagram accounts")
    parser.add_argument("--mps-cap", type=int, default=None)
    parser.add_argument(
        "--reply-share",
        type=float,
        default=0.0,
        help="share of recipients who press the acknowledge button",
    )
    parser.add_argument("--fail", action="append", default=[], help="e.g. code=131026,share=0.01")
    parser.add_argument("--config", default=None, help="JSON object merged into the config")
    parser.add_argument("--log", type=Path, default=None, help="JSONL file of accepted messages")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config: dict[str, Any] = json.loads(args.config) if args.config else {}
    if args.mps_cap is not None:
        config["mps_cap"] = args.mps_cap
    if args.reply_share:
        config.setdefault("replies", []).append({"kind": "button", "share": args.reply_share})
    if args.fail:
        config.setdefault("fail", []).extend(_fail(f) for f in args.fail)
    if args.provider in _WEBHOOKS and not (args.webhook_url and args.app_secret):
        parser.error(f"{args.provider} needs --webhook-url and --app-secret")
    app: web.Application
    if args.provider == "instagram":
        app = instagram_app(
            FakeInstagram(args.token, args.ig_user_ids.split(","), log_path=args.log, **config)
        )
    elif args.provider == "facebook":
        app = facebook_app(
            FakeFacebook(
                token=args.token, page_ids=args.page_ids.split(","), log_path=args.log, **config
            )
        )
    elif args.provider == "x":
        client_id = args.client_id or "fake-x-client"
        app = x_app(FakeX(client_id, args.client_secret or "fake-x-secret", **config))
    elif args.provider == "push":
        app = push_app(FakePush(**config))
    elif args.provider == "oidc":
        # The issuer is this fake's own address; users come in --config {"users": {...}}.
        app = oidc_app(
            FakeOidc(
                f"http://{args.host}:{args.port}",
                args.client_id or "nazar-roster",
                args.client_secret or "fake-oidc-secret",
                **config,
            )
        )
    elif args.provider == "whatsapp":
        app = whatsapp_app(
            FakeWhatsApp(
                token=args.token,
                app_secret=args.app_secret,
                webhook_url=args.webhook_url,
                phone_number_ids=args.phone_number_ids.split(","),
                log_path=args.log,
                seed=args.seed,
                **config,
            )
        )
    else:
        app = sms_app(
            FakeSms(
                api_key=args.token,
                secret=args.app_secret,
                webhook_url=args.webhook_url,
                entity_id="1101000000000000000",
                senders=["RJPOLC"],
                log_path=args.log,
                seed=args.seed,
                **config,
            )
        )
    # uvloop: the fake must keep up with 1,000 requests/s on a machine shared with the rest.
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        access_log=None,
        print=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
