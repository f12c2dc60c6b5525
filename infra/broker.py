"""The Dramatiq broker: Redis or RabbitMQ from `BROKER_URL`, or an in-process one.

With no `BROKER_URL` the broker is Dramatiq's in-memory `StubBroker` and its worker runs
inside `gongjian up`; that is safe because the events log is the durable outbox — a
message lost with the process is relayed again from the log (consumers are idempotent).

Every broker has the same middleware: time limits, retries with exponential backoff,
dead letters written to `failed_messages` once the retries are spent, the AsyncIO
middleware (the actors are async), and metrics. Metrics are prometheus_client counters
in the process's default registry rather than Dramatiq's Prometheus middleware, which
needs Dramatiq's own forking CLI: in `gongjian up` they appear on the app's `/metrics`,
and `gongjian worker --metrics-port` serves them on their own port.
"""

import logging
import time
from typing import Any
from uuid import uuid4

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis
from dramatiq.middleware import (
    AsyncIO,
    CurrentMessage,
    Middleware,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from prometheus_client import Counter, Histogram

from infra.actors import CloseWorkerDatabase, declare_actors
from infra.dead_letters import BrokerUnavailable, DeadLetters
from infra.settings import Settings

log = logging.getLogger(__name__)

# Seconds to wait for Redis to answer a command.
BROKER_TIMEOUT = 10.0
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
AMQP_SCHEMES = ("amqp://", "amqps://")

MESSAGES = Counter(
    "gongjian_worker_messages_total",
    "Messages processed by the workers, by actor and outcome (done, retried, failed)",
    ["actor", "outcome"],
)
MESSAGE_SECONDS = Histogram(
    "gongjian_worker_message_duration_seconds", "Time spent on one message", ["actor"]
)


class BrokerNotConfigured(ValueError):
    pass


class Metrics(Middleware):
    """Counts each message's outcome and times it."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        self._started[message.message_id] = time.perf_counter()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: object = None,
        exception: BaseException | None = None,
    ) -> None:
        started = self._started.pop(message.message_id, None)
        if started is not None:
            MESSAGE_SECONDS.labels(message.actor_name).observe(time.perf_counter() - started)
        outcome = "done" if exception is None else "failed" if message.failed else "retried"
        MESSAGES.labels(message.actor_name, outcome).inc()

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        self._started.pop(message.message_id, None)


def middleware(settings: Settings, *extra: Middleware) -> list[Middleware]:
    """The middleware every broker gets, in order. `after_*` hooks run in reverse, so
    what is in `extra` (the dead letters) sees a message after Retries has decided
    whether it is spent."""
    return [
        Metrics(),
        TimeLimit(time_limit=settings.worker_time_limit_ms),
        ShutdownNotifications(),
        CurrentMessage(),
        *extra,
        Retries(
            max_retries=settings.worker_max_retries,
            min_backoff=settings.worker_min_backoff_ms,
            max_backoff=settings.worker_max_backoff_ms,
        ),
        AsyncIO(),
    ]


_current: dramatiq.Broker | None = None


def build_broker(settings: Settings) -> dramatiq.Broker:
    """The broker `BROKER_URL` names (an in-process one when unset), with every
    consumer's actor declared on it; it becomes this process's broker."""
    global _current
    url = settings.broker_url
    stack = middleware(settings, DeadLetters())
    broker: dramatiq.Broker
    if not url:
        broker = StubBroker(middleware=stack)
    elif url.startswith(REDIS_SCHEMES):
        import redis
        from dramatiq.brokers.redis import RedisBroker

        # Timeouts, so a broker that stops answering fails a relay step instead of
        # hanging it (the step is then retried; the events wait in the log).
        client = redis.Redis.from_url(
            url, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT
        )
        broker = RedisBroker(  # type: ignore[no-untyped-call]
            client=client,
            middleware=stack,
            namespace=settings.broker_namespace,
            heartbeat_timeout=settings.broker_heartbeat_timeout_ms,
            maintenance_chance=settings.broker_maintenance_chance,
        )
    elif url.startswith(AMQP_SCHEMES):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Confirmed delivery: the relay advances its cursor only for what RabbitMQ took.
        broker = RabbitmqBroker(url=url, middleware=stack, confirm_delivery=True)
    else:
        raise BrokerNotConfigured(
            "BROKER_URL 应以 redis://（Redis）或 amqp://（RabbitMQ）开头；"
            "不设置时使用 gongjian up 内置的消息队列"
        )
    # After AsyncIO, so its after-shutdown hook runs while the event loop still does.
    broker.add_middleware(CloseWorkerDatabase())
    declare_actors(broker)
    dramatiq.set_broker(broker)
    _current = broker
    return broker


def current_broker() -> dramatiq.Broker:
    """This process's broker (the API sends dead letters again through it)."""
    if _current is None:
        raise BrokerUnavailable("消息队列未启动，无法重新投递")
    return _current


def is_in_process(broker: dramatiq.Broker) -> bool:
    return isinstance(broker, StubBroker)


def enqueue_many(broker: dramatiq.Broker, messages: list[dramatiq.Message[Any]]) -> None:
    """Enqueue messages in order; on Redis in one round trip (a pipeline of the same
    script call `RedisBroker.enqueue` makes for each), which is what lets the relay keep
    up with a busy log. Any failure raises, and the caller sends them all again."""
    from dramatiq.brokers.redis import RedisBroker

    if not isinstance(broker, RedisBroker):
        for message in messages:
            broker.enqueue(message)
        return
    dispatch = broker.scripts["dispatch"]
    pipeline = broker.client.pipeline(transaction=False)
    sent = []
    for message in messages:
        # As RedisBroker.enqueue: a Redis id of its own per enqueue of a message.
        message = message.copy(options={"redis_message_id": str(uuid4())})
        broker.emit_before("enqueue", message, None)
        arguments = [
            "enqueue",
            current_millis(),
            message.queue_name,
            broker.broker_id,
            broker.heartbeat_timeout,
            broker.dead_message_ttl,
            0,  # no queue maintenance from the relay: workers do it
            broker._max_unpack_size(),  # type: ignore[no-untyped-call]
            message.options["redis_message_id"],
            message.encode(),
        ]
        dispatch(keys=[broker.namespace], args=arguments, client=pipeline)
        sent.append(message)
    pipeline.execute()
    for message in sent:
        broker.emit_after("enqueue", message, None)
