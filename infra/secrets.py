"""The key that signs access tokens."""

import secrets

from infra.settings import Settings


def signing_key(settings: Settings) -> bytes:
    """`GONGJIAN_SECRET_KEY`, or a random key kept under the data folder (made once)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        if not path.read_text():
            path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()
