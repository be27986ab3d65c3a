"""Secrets read from files: `NAZAR_<SETTING>_FILE` names the file that holds a secret's value.

A deployment hands secrets over as files (Docker Compose `secrets:` mounts each one under
`/run/secrets/`), never as environment variables, which `docker inspect`, `/proc/<pid>/environ`
and crash reports show to anyone who can read them. The `_FILE` suffix is the convention of the
official postgres and Grafana images, so one compose file reads the same way throughout.
pydantic-settings' own `secrets_dir` was not enough: it reads `<dir>/<variable name>` only, so a
deployment could not name its files (one file shared by two services, as the sign-in code key
and each database password are) and a missing file would pass silently.

Only settings marked `Secret` read a file. Setting both `NAZAR_X` and `NAZAR_X_FILE` is refused,
as the postgres image refuses it: which one wins would be a guess. One trailing newline (what an
editor or `echo` leaves) is not part of the value; nothing else is stripped; an empty file is a
secret not given (what Compose makes of an optional one left empty). The errors name
variables and paths, never a value, and are not ValueErrors (see `InsecureSecretsError`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import PydanticBaseSettingsSource

from nazar_platform.config.secrets import Secret


class SecretFileError(RuntimeError):
    """A secret's file cannot be used; the message names the variable and the path only."""


class SecretFilesSource(PydanticBaseSettingsSource):
    """Values of `Secret` settings from the files their `<VARIABLE>_FILE` variables name."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ reads every field at once (the abstract method must exist).
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        prefix = str(self.config.get("env_prefix") or "")
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            if not any(isinstance(m, Secret) for m in field.metadata):
                continue
            variable = f"{prefix}{name}".upper()
            path = os.environ.get(f"{variable}_FILE", "")
            if not path:
                continue
            if os.environ.get(variable, ""):
                raise SecretFileError(
                    f"{variable} and {variable}_FILE are both set: set only one of them"
                )
            text = read_secret_file(f"{variable}_FILE", path)
            if not text:
                # Compose makes an empty file of an optional secret left empty in .env.
                continue
            if self.field_is_complex(field):
                text = self.decode_complex_value(name, field, text)
            values[name] = text
        return values


def read_secret_file(variable: str, path: str) -> str:
    """The file's text without one trailing newline; SecretFileError when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise SecretFileError(f"{variable} names {path}, which cannot be read: {reason}") from None
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")
