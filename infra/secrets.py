"""Keys kept by the platform: from settings, or made once and kept under the data folder."""

import secrets
from collections.abc import Callable

from cryptography.fernet import Fernet

from infra.settings import Settings


def _kept(settings: Settings, name: str, make: Callable[[], str]) -> str:
    """The secret in `data_dir/name`, made on first use (readable by its owner only)."""
    path = settings.data_dir / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        if not path.read_text():
            path.write_text(make())
    return path.read_text().strip()


def signing_key(settings: Settings) -> bytes:
    """`GONGJIAN_SECRET_KEY`, or a random key kept under the data folder (made once)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return _kept(settings, "secret_key", lambda: secrets.token_urlsafe(48)).encode()


def personal_data_keys(settings: Settings) -> list[bytes]:
    """The Fernet keys for personal data, the one that seals first."""
    if settings.personal_data_keys is not None:
        raw = settings.personal_data_keys.get_secret_value()
    else:
        raw = _kept(settings, "personal_data_keys", lambda: Fernet.generate_key().decode())
    return [key.strip().encode() for key in raw.split(",") if key.strip()]


def personal_data_index_key(settings: Settings) -> bytes:
    if settings.personal_data_index_key is not None:
        return settings.personal_data_index_key.get_secret_value().encode()
    return _kept(settings, "personal_data_index_key", lambda: secrets.token_urlsafe(48)).encode()
