"""What a collection run spent: requests, items, waits, errors and the estimated cost."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Meter:
    requests: int = 0
    items: int = 0
    waits: int = 0
    wait_s: float = 0.0
    errors: int = 0
    cost: float = 0.0
    units: int = 0  # quota units spent (YouTube's Data API); 0 where a platform counts none
    by_endpoint: dict[str, int] = field(default_factory=dict)

    def request(self, endpoint: str) -> None:
        self.requests += 1
        self.by_endpoint[endpoint] = self.by_endpoint.get(endpoint, 0) + 1

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "items": self.items,
            "waits": self.waits,
            "wait_s": round(self.wait_s, 3),
            "errors": self.errors,
            "estimated_cost": round(self.cost, 6),
            "quota_units": self.units,
            "requests_by_endpoint": dict(self.by_endpoint),
        }
