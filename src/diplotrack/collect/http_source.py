"""What every collector's source shares: its platform spec, the settings, clock and meter, and one
``ApiClient`` built the same way (retries, rate limits, the platform's auth error, its credential).

A platform's source subclasses ``HttpSource``, names its ``spec`` (which gives its ``platform`` and
``label``) and ``auth_error``, and returns
its credential from ``credential`` (none by default: Bluesky and Mastodon read anonymously).
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from diplotrack.collect.clock import Clock
from diplotrack.collect.config import Secret, Settings
from diplotrack.collect.http import ApiClient, AuthHandler, Reporter
from diplotrack.collect.meter import Meter
from diplotrack.platform_spec import PlatformSpec


class HttpSource:
    spec: ClassVar[PlatformSpec]
    auth_error: ClassVar[AuthHandler]  # set with staticmethod(...) in the subclass
    platform: ClassVar[str]  # the spec's name and label, set for each subclass from its spec
    label: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.platform, cls.label = cls.spec.name, cls.spec.label

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        meter: Meter,
        reporter: Reporter,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.meter = meter
        self.reporter = reporter
        self.client = ApiClient(
            self.spec.name,
            self.spec.label,
            http=settings.http,
            clock=clock,
            meter=meter,
            reporter=reporter,
            on_auth_error=type(self).auth_error,
            token=self.credential(settings),
            transport=transport,
        )

    def credential(self, settings: Settings) -> Secret | None:
        """The credential sent with every request (X's bearer token); None for anonymous reads."""
        return None

    def close(self) -> None:
        self.client.close()
