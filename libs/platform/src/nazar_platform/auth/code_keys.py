"""The shared key of sign-in codes (issue 16): the roster seals each code with it, the
social-publisher opens it (`nazar_platform.auth.sealed`). One mixin, so both services read the
same variables: NAZAR_AUTH_CODE_KEY, and NAZAR_AUTH_CODE_PREVIOUS_KEYS while rotating."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, SecretStr

from nazar_platform.auth.sealed import DEV_CODE_KEY, Sealer, derived_keys
from nazar_platform.config.secrets import Secret


class CodeKeySettings(BaseModel):
    # Any long random text, the same on the roster and the publisher. To rotate, set the new text
    # on the publisher first (the old one in the previous keys), then on the roster.
    auth_code_key: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_CODE_KEY)
    auth_code_previous_keys: Annotated[
        tuple[SecretStr, ...], Secret(min_length=32, optional=True)
    ] = ()

    def code_sealer(self) -> Sealer:
        """Seals with the current key; opens with it or a previous one."""
        keys = (self.auth_code_key, *self.auth_code_previous_keys)
        return Sealer(derived_keys([k.get_secret_value() for k in keys]))
