"""The item catalog: categories with co-purchase affinity, items, and item sampling."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_intel.devtools.demo_data.config import GeneratorConfig

# Category -> (base price, brands). Pairs in AFFINITY are bought together far more than chance.
CATEGORIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "coffee": (12.0, ("Beanery", "Roastwell")),
    "tea": (9.0, ("Leaf&Co", "Teapot")),
    "snacks": (4.0, ("Crunchy", "Nibble")),
    "skincare": (28.0, ("Glow", "Derma+")),
    "makeup": (22.0, ("Blush", "Hue")),
    "haircare": (14.0, ("Silk", "Mane")),
    "baby": (18.0, ("Tiny", "Cradle")),
    "home": (25.0, ("Nest", "Hearth")),
    "kitchen": (30.0, ("Chef", "Pan&Pot")),
    "apparel": (35.0, ("Thread", "Loom")),
    "sports": (40.0, ("Stride", "Peak")),
    "electronics": (60.0, ("Volt", "Byte")),
}
AFFINITY: tuple[tuple[str, str], ...] = (
    ("coffee", "snacks"),
    ("tea", "snacks"),
    ("skincare", "makeup"),
    ("haircare", "skincare"),
    ("baby", "home"),
    ("kitchen", "home"),
    ("sports", "apparel"),
    ("electronics", "sports"),
)
AFFINITY_PROBABILITY = 0.45
# a person draws items of their own price class this many times more often than the others
PRICE_CLASS_BOOST = 6.0


def build_items(cfg: GeneratorConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Return the item catalog: id, name, category, brand, list price, popularity, price class."""
    names = list(CATEGORIES)
    category_idx = np.arange(cfg.items) % len(names)
    rng.shuffle(category_idx)
    base = np.array([CATEGORIES[n][0] for n in names])[category_idx]
    price = np.round(base * rng.lognormal(0.0, 0.45, cfg.items), 2).clip(0.5)
    brand_pick = rng.integers(0, 2, cfg.items)
    popularity = rng.pareto(1.2, cfg.items) + 0.05
    items = pd.DataFrame(
        {
            "item_idx": np.arange(cfg.items),
            "category_idx": category_idx,
            "brand_pick": brand_pick,
            "list_price": price,
            "popularity": popularity,
        }
    )
    # price class within category: cheapest third 0, middle 1, top third 2
    items["price_class"] = (
        items.groupby("category_idx")["list_price"].rank(pct=True, method="first").mul(3).clip(0, 2.999)
    ).astype(int)
    return items


def item_sampler(
    items: pd.DataFrame, n_categories: int
) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Per (category, price class): candidate item indices and their cumulative weights."""
    samplers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for cat in range(n_categories):
        in_cat = items[items["category_idx"] == cat]
        for price_class in range(3):
            if in_cat.empty:
                idx, cum = np.array([0]), np.array([1.0])
            else:
                # users prefer their own price class PRICE_CLASS_BOOST:1 over the others
                boost = np.where(in_cat["price_class"].to_numpy() == price_class, PRICE_CLASS_BOOST, 1.0)
                w = in_cat["popularity"].to_numpy() * boost
                idx = in_cat["item_idx"].to_numpy()
                cum = np.cumsum(w) / w.sum()
            samplers[(cat, price_class)] = (idx, cum)
    return samplers


def draw_items(
    rng: np.random.Generator,
    samplers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
    categories: np.ndarray,
    price_classes: np.ndarray,
) -> np.ndarray:
    """Draw one item per (category, price class) pair, vectorised per group."""
    out = np.empty(len(categories), dtype=np.int64)
    keys = categories * 3 + price_classes
    for key in np.unique(keys):
        mask = keys == key
        idx, cum = samplers[(int(key) // 3, int(key) % 3)]
        pick = np.searchsorted(cum, rng.random(mask.sum()), side="right").clip(0, len(idx) - 1)
        out[mask] = idx[pick]
    return out


def affinity_partner_table(rng: np.random.Generator) -> np.ndarray:
    """For each category index, the category its orders pull in (affinity pair, else itself)."""
    names = list(CATEGORIES)
    partner = np.arange(len(names))
    for a, b in AFFINITY:
        partner[names.index(a)] = names.index(b)
        if partner[names.index(b)] == names.index(b):
            partner[names.index(b)] = names.index(a)
    return partner
