"""`webhook`: events as JSON, one HTTP POST each, to a URL (Node-RED, Home Assistant, a chat bot).

The same messages as the `mqtt` sink (event_messages.py), delivered by a `BackgroundSender`:
a server that is slow, down or answering 5xx is retried with backoff in the sender thread while
the pipeline runs on; 4xx other than 408/429 means the server refuses this message (logged,
not retried). Secrets stay out of the config: the URL and header values may use `${VAR}`,
expanded when the sink opens and registered with redaction.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from pydantic import Field

from detect.contract import Sink
from detect.env_vars import check_set, expand
from detect.errors import ConfigError
from detect.redaction import redact_text, register_secret
from detect.registry import sinks
from detect.sinks.background_sender import BackgroundSender
from detect.sinks.event_messages import EventMessages, MessageParams
from detect.types import Packet, SourceInfo

log = logging.getLogger(__name__)
RETRIED_CLIENT_ERRORS = {408, 429}


class ServerUnavailable(ConnectionError):
    """A status worth retrying (5xx, 408, 429)."""


@sinks.register("webhook")
class WebhookSink(Sink):
    """POSTs each event (and optional occupancy) as JSON, never blocking the run."""

    class Params(MessageParams):
        url: str = Field(pattern=r"^https?://", description="http(s) URL to POST to (may use ${VAR})")
        headers: dict[str, str] = Field(default_factory=dict, description="extra headers, values may use "
                                                                          "${VAR} (e.g. Authorization)")
        timeout_s: float = Field(5.0, gt=0, le=120, description="give up on one request after this long")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._sender: BackgroundSender[bytes] | None = None
        self._messages = EventMessages(params)
        self._url = ""
        self._headers: dict[str, str] = {}
        self.refused = 0

    def check(self) -> None:
        check_set(self.params.url, "sinks (webhook).url")
        for name, value in self.params.headers.items():
            check_set(value, f"sinks (webhook).headers.{name}")
            if name.lower() in ("authorization", "cookie") and "${" not in value:
                raise ConfigError(f"sinks (webhook).headers.{name}: give the secret as ${{VAR}} (an environment "
                                  "variable), never in the config")

    def open(self, info: SourceInfo) -> None:
        self.check()
        self._url = expand(self.params.url, "sinks (webhook).url")
        self._headers = {"Content-Type": "application/json"}
        for name, value in self.params.headers.items():
            expanded = expand(value, f"sinks (webhook).headers.{name}")
            if "${" in value:
                register_secret(expanded)
            self._headers[name] = expanded
        self._sender = BackgroundSender(f"webhook {redact_text(self._url)}", self._post,
                                        self.params.max_queue,
                                        backoff_s=(0.2, self.params.retry_max_s), drain_s=self.params.drain_s)
        self._sender.start()

    def _post(self, body: bytes) -> None:
        """In the sender thread: one POST; raises for what should be retried."""
        request = urllib.request.Request(self._url, data=body, headers=self._headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.params.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code in RETRIED_CLIENT_ERRORS:
                raise ServerUnavailable(f"HTTP {exc.code}") from None
            self.refused += 1
            log.warning("webhook: the server refused a message with HTTP %d; not retried", exc.code)

    def write(self, packet: Packet) -> None:
        assert self._sender is not None
        for _, message in self._messages.messages(packet):
            self._sender.put(json.dumps(message).encode())

    @property
    def counts(self):
        return self._sender.counts if self._sender is not None else None

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
