"""What an attachment may be: a few document and image types, recognised by their content."""

from __future__ import annotations

from directive.domain.model import InvalidRequestError

# Declared types are not trusted: the bytes must start like the type they claim.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}
ALLOWED = frozenset(_SIGNATURES)


def sniff(head: bytes) -> str | None:
    for content_type, prefixes in _SIGNATURES.items():
        if any(head.startswith(p) for p in prefixes):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    return None


def check(declared: str | None, head: bytes, size: int, limit: int) -> str:
    """The attachment's content type, or InvalidRequestError why it is refused."""
    if size == 0:
        raise InvalidRequestError("the file is empty", detail_hi="फ़ाइल खाली है")
    if size > limit:
        raise InvalidRequestError(
            f"the file is larger than {limit // (1024 * 1024)} MiB",
            detail_hi=f"फ़ाइल {limit // (1024 * 1024)} MiB से बड़ी है",
        )
    found = sniff(head)
    if found is None:
        raise InvalidRequestError(
            f"only {', '.join(sorted(ALLOWED))} files are accepted",
            detail_hi="केवल PDF, PNG, JPEG या WebP फ़ाइलें स्वीकार की जाती हैं",
        )
    base = (declared or "").split(";")[0].strip().lower()
    if base and base not in {"application/octet-stream", found}:
        raise InvalidRequestError(
            f"the file is {found}, not {base}",
            detail_hi=f"फ़ाइल का प्रकार {found} है, {base} नहीं",
        )
    return found
