"""The outside channels behind one interface: a `Provider` sends one message through
SMS, WeChat template messages or e-mail and answers the provider's id for it, or raises
`Refused` when the provider will never take it (a bad number), any other error being
worth a retry.

Providers are named in the settings (`GONGJIAN_NOTIFY_SMS_PROVIDER` …); the one provider
that ships is `log`, which writes the message to the log (the address masked) and sends
nothing: a county plugs its SMS gateway, WeChat official account or mail server in by
registering a provider under a name (`register_provider`) and naming it there. The
processes that send (`gongjian scheduler`, and `gongjian up`) call `configure` at start.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID, uuid4

from infra.personal_data import PersonalData
from infra.settings import Settings
from services.notifications.models import Channel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    channel: Channel
    # The number, the WeChat openid or the e-mail address, in clear.
    address: str
    # Masked, for logs and the delivery row.
    shown_address: str
    title: str
    body: str
    user_id: UUID
    event_id: int


class Refused(Exception):
    """The provider will not take this message, however often it is sent."""


class Provider(Protocol):
    def send(self, message: Outgoing) -> str: ...


class LoggingProvider:
    """Sends nothing: logs what would go out."""

    def send(self, message: Outgoing) -> str:
        log.info(
            "notification via %s to %s: %s — %s",
            message.channel,
            message.shown_address,
            message.title,
            message.body,
        )
        return f"log-{uuid4()}"


_providers: dict[str, Callable[[Settings, Channel], Provider]] = {
    "log": lambda settings, channel: LoggingProvider()
}


def register_provider(name: str, make: Callable[[Settings, Channel], Provider]) -> None:
    _providers[name] = make


class ProviderNotConfigured(ValueError):
    pass


@dataclass(frozen=True)
class Channels:
    providers: dict[Channel, Provider]
    personal: PersonalData
    # Deliveries a county's sender takes a minute.
    batch: int


_configured: Channels | None = None


def configure(settings: Settings) -> Channels:
    """This process's providers, by the settings; refused in plain words when one is
    not known."""
    global _configured
    named = {
        Channel.SMS: settings.notify_sms_provider,
        Channel.WECHAT: settings.notify_wechat_provider,
        Channel.EMAIL: settings.notify_email_provider,
    }
    providers = {}
    for channel, name in named.items():
        if name not in _providers:
            known = "、".join(sorted(_providers))
            raise ProviderNotConfigured(
                f"GONGJIAN_NOTIFY_{channel.name}_PROVIDER 设置为 {name!r}，"
                f"没有这个消息通道；可用的有：{known}"
            )
        providers[channel] = _providers[name](settings, channel)
    _configured = Channels(
        providers=providers,
        personal=PersonalData.from_settings(settings),
        batch=settings.notify_send_batch,
    )
    return _configured


def configured() -> Channels:
    if _configured is None:
        raise RuntimeError("the notification channels are not configured in this process")
    return _configured
