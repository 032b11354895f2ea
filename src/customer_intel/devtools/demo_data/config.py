"""Generator inputs and the planted customer archetypes, event codes, channels and cities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

SECONDS_PER_DAY = 86_400
# Fixed so that the output depends only on (seed, users, items, days, end_date), never on memory.
CHUNK_USERS = 20_000

EVENT_TYPES = ("view", "add_to_cart", "purchase", "refund")
VIEW, CART, PURCHASE, REFUND = range(4)
CHANNELS = ("mini_program", "official_account", "community_group", "app")
ACQUISITION_CHANNELS = ("wechat_ad", "referral", "community_group", "organic_search", "offline_store")
CITIES = (
    "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Wuhan", "Nanjing",
    "Xi'an", "Suzhou",
)  # fmt: skip


@dataclass(frozen=True)
class Archetype:
    """Behavioural parameters of one planted customer archetype."""

    name: str
    share: float
    session_rate: float  # sessions per active day at engagement 0
    cart_probability: float  # per session
    buy_probability: float  # per session with a cart
    price_class: int  # 0 cheap, 1 mid, 2 premium: which items the user is drawn to
    max_discount: float  # purchases happen at list price x (1 - U(0, max_discount))
    refund_probability: float  # per purchased line, before the user's own multiplier
    lifetime_days: float  # mean of the exponential lifetime at engagement 0
    channel_weights: tuple[float, float, float, float]
    new_user: bool = False  # signs up within the last 60 days
    views_per_session: float = 2.5  # mean of the geometric number of views in a session


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("loyal_high_spender", 0.12, 0.16, 0.80, 0.85, 2, 0.05, 0.02, 6000.0,
              (0.45, 0.10, 0.05, 0.40)),
    Archetype("bargain_hunter", 0.22, 0.12, 0.55, 0.45, 0, 0.5, 0.06, 2500.0,
              (0.25, 0.15, 0.50, 0.10)),
    Archetype("new_user", 0.12, 0.08, 0.50, 0.55, 1, 0.10, 0.04, 1500.0,
              (0.50, 0.20, 0.15, 0.15), new_user=True),
    Archetype("lapsing", 0.18, 0.18, 0.50, 0.50, 1, 0.10, 0.10, 120.0,
              (0.30, 0.40, 0.15, 0.15)),
    Archetype("window_shopper", 0.20, 0.10, 0.30, 0.15, 1, 0.10, 0.05, 2000.0,
              (0.35, 0.35, 0.10, 0.20), views_per_session=7.0),
    Archetype("occasional", 0.16, 0.03, 0.75, 0.80, 2, 0.0, 0.04, 3000.0,
              (0.30, 0.30, 0.20, 0.20), views_per_session=1.3),
)  # fmt: skip

# Defect kinds planted as extra rows (copies of real events, altered). Keys are the reject
# reasons the warehouse must assign; `duplicate_event_id` rows are exact copies and
# `unknown_user` rows are kept (flagged), so they appear under outcome 'duplicate' / 'kept'.
DEFECT_KINDS: tuple[str, ...] = (
    "missing_event_id",
    "missing_user_id",
    "unknown_event_type",
    "missing_item_id",
    "missing_order_id",
    "non_positive_quantity",
    "non_positive_price",
    "missing_timestamp",
    "timestamp_before_min_event_date",
    "timestamp_in_future",
    "duplicate_event_id",
    "unknown_user",
)


@dataclass(frozen=True)
class GeneratorConfig:
    """Inputs that fully determine the generated data."""

    seed: int = 42
    users: int = 4000
    items: int = 400
    days: int = 365
    end_date: date = date(2026, 6, 30)
    bad_row_share: float = 0.004

    @property
    def start_epoch(self) -> int:
        """First second of the simulated window (UTC)."""
        start = datetime.combine(self.end_date, datetime.min.time()) - timedelta(days=self.days - 1)
        return int((start - datetime(1970, 1, 1)).total_seconds())
