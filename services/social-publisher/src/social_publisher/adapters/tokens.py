"""Tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under the key of
NAZAR_SOCIAL_TOKEN_KEY. A token is decrypted only for the call that needs it and never logged."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class TokenKeyError(Exception):
    """The key cannot decrypt what is stored (a rotated or wrong key): reconnect the account."""


class TokenCipher:
    def __init__(self, key: str) -> None:
        # Fernet checks the key's form (urlsafe base64 of 32 bytes) and refuses anything else.
        self._fernet = Fernet(key.encode("ascii"))

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def seal(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode("utf-8"))

    def open(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(sealed).decode("utf-8")
        except InvalidToken as exc:
            raise TokenKeyError("the stored token does not open with this key") from exc
