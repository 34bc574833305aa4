"""Retry delays: exponential backoff with full jitter, capped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Backoff:
    """Delay before retry `attempt` (1 = first): uniform in [0, min(max, base * 2^(n-1))].

    Full jitter (rather than a fixed doubling) spreads the retries of a whole failed batch
    over the window, so a Telegram hiccup is not answered with a synchronised second wave.
    """

    base_seconds: float
    max_seconds: float

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.max_seconds <= 0:
            raise ValueError("backoff base and max must be positive")

    def ceiling(self, attempt: int) -> float:
        """The largest delay retry `attempt` may get."""
        exponent = min(max(attempt, 1) - 1, 60)  # 2**60 already exceeds any sane cap
        return min(self.max_seconds, self.base_seconds * (2.0**exponent))

    def delay(self, attempt: int, jitter: float) -> float:
        """The delay for retry `attempt`, given `jitter`: a uniform draw in [0, 1)."""
        return self.ceiling(attempt) * jitter
