"""`mqtt`: events as JSON to an MQTT broker (Home Assistant, Node-RED), through paho-mqtt.

Topics: `{topic}/{stream}/events/{kind}` for each event, `{topic}/{stream}/occupancy`, and a
retained `{topic}/{stream}/available` (`online`, and `offline` as the last will). Messages go
through a `BackgroundSender`: paho connects and reconnects in its own network thread
(`connect_async`, `loop_start`, `reconnect_delay_set`); our sender thread publishes at QoS 1 only
while connected and otherwise keeps the message and retries with backoff, so an absent broker
never blocks the pipeline and never loses more than the bounded queue drops (counted). A message
counts as sent once the broker acknowledged it; one not acknowledged within `ack_timeout_s` is
published again (paho may also resend it after a reconnect): delivery is at least once.

The password is never in the config: `password: ${MQTT_PASSWORD}` names an environment
variable, read when the sink opens and registered with redaction.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import Field

from detect.contract import Sink
from detect.env_vars import check_set, expand, references
from detect.errors import ConfigError, DetectError, require
from detect.redaction import register_secret
from detect.registry import sinks
from detect.sinks.background_sender import BackgroundSender
from detect.sinks.event_messages import EventMessages, MessageParams
from detect.types import Packet, SourceInfo

log = logging.getLogger(__name__)


class NotConnected(ConnectionError):
    """The broker is away; paho is reconnecting in its own thread."""


@sinks.register("mqtt")
class MqttSink(Sink):
    """Publishes events (and optional occupancy) to an MQTT broker without ever blocking the run."""

    class Params(MessageParams):
        host: str = Field("127.0.0.1", min_length=1, description="broker host")
        port: int = Field(1883, ge=1, le=65535, description="broker port")
        topic: str = Field("detect", pattern=r"^[^#+\s]{1,200}$", description="topic prefix")
        username: str | None = Field(None, description="user name (may be ${VAR})")
        password: str | None = Field(None, description="password: only as ${VAR}, an environment variable")
        tls: bool = Field(False, description="connect with TLS (the system's CA certificates)")
        qos: int = Field(1, ge=0, le=2, description="MQTT quality of service of each message")
        ack_timeout_s: float = Field(5.0, gt=0, le=120, description="wait this long for the broker's ack")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._client: Any = None
        self._sender: BackgroundSender[tuple[str, bytes]] | None = None
        self._messages = EventMessages(params)
        self.base = f"{params.topic.rstrip('/')}/{params.stream}"

    def check(self) -> None:
        password = self.params.password
        if password is not None and references(password) != [password[2:-1]]:
            raise ConfigError("sinks (mqtt).password: give it as ${VAR} (an environment variable), never the "
                              "password itself: configs get committed and shared")
        for name in ("username", "password"):
            value = getattr(self.params, name)
            if value is not None:
                check_set(value, f"sinks (mqtt).{name}")

    def open(self, info: SourceInfo) -> None:
        require("paho.mqtt", "mqtt", "the mqtt sink")
        import paho.mqtt.client as mqtt

        self.check()
        p = self.params
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"detect-{p.stream}")
        if p.username is not None:
            password = expand(p.password, "sinks (mqtt).password") if p.password else None
            if password:
                register_secret(password)
            client.username_pw_set(expand(p.username, "sinks (mqtt).username"), password)
        if p.tls:
            client.tls_set()
        client.will_set(f"{self.base}/available", "offline", qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=max(1, round(p.retry_max_s)))
        client.max_queued_messages_set(p.max_queue)
        client.on_connect = self._on_connect
        try:
            client.connect_async(p.host, p.port, keepalive=30)
        except (OSError, ValueError) as exc:
            raise DetectError(f"mqtt: cannot connect to {p.host}:{p.port}: {exc}") from None
        client.loop_start()
        self._client = client
        self._sender = BackgroundSender(f"mqtt {p.host}:{p.port}", self._publish, p.max_queue,
                                        backoff_s=(0.2, p.retry_max_s), drain_s=p.drain_s)
        self._sender.start()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            log.warning("mqtt: the broker refused the connection: %s", reason_code)
            return
        client.publish(f"{self.base}/available", "online", qos=1, retain=True)

    def _publish(self, message: tuple[str, bytes]) -> None:
        """In the sender thread: hand one message to paho while connected, else ask for a retry."""
        if not self._client.is_connected():
            raise NotConnected("broker not connected")
        topic, payload = message
        info = self._client.publish(topic, payload, qos=self.params.qos)
        if info.rc != 0:
            raise NotConnected(f"publish returned {info.rc}")
        if self.params.qos:
            info.wait_for_publish(self.params.ack_timeout_s)
            if not info.is_published():
                raise NotConnected(f"no acknowledgement within {self.params.ack_timeout_s} s")

    def write(self, packet: Packet) -> None:
        assert self._sender is not None
        for kind, message in self._messages.messages(packet):
            suffix = "occupancy" if kind == "occupancy" else f"events/{kind}"
            self._sender.put((f"{self.base}/{suffix}", json.dumps(message).encode()))

    @property
    def counts(self):
        return self._sender.counts if self._sender is not None else None

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
        if self._client is not None:
            client, self._client = self._client, None
            if client.is_connected():
                client.publish(f"{self.base}/available", "offline", qos=1, retain=True).wait_for_publish(1.0)
            client.disconnect()
            client.loop_stop()
