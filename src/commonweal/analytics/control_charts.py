"""Statistical process control for weekly figures: XmR, p- and c-charts with the Western
Electric run rules (`../shared/reference/quality.md`).

Each chart function takes the series in time order and returns a `Chart`: the centre line,
per-point limits and sigma (p-chart limits vary with each period's size), and the signals,
each with the rule that fired and a reason a reader can act on. Pure functions: the
analytics engine feeds them from the snapshot, tests feed them hand-computed series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from django.utils.translation import gettext as _

XMR_LIMIT = 2.66  # x̄ ± 2.66·mR̄
MR_LIMIT = 3.27  # upper limit of the moving-range chart
D2 = 1.128  # sigma-hat = mR-bar / d2 for ranges of two


@dataclass(frozen=True)
class Signal:
    index: int
    rule: str  # "beyond-3-sigma", "2-of-3-beyond-2-sigma", "4-of-5-beyond-1-sigma", "8-in-a-row"
    reason: str


@dataclass(frozen=True)
class Chart:
    kind: str
    values: list[float]
    center: float
    upper: list[float]
    lower: list[float]
    sigma: list[float]
    signals: list[Signal] = field(default_factory=list)
    moving_ranges: list[float] = field(default_factory=list)
    moving_range_upper: float | None = None


def xmr(values: Sequence[float]) -> Chart:
    """Return the individuals chart of `values` (at least two points)."""
    if len(values) < 2:
        raise ValueError("an XmR chart needs at least two points")
    points = [float(v) for v in values]
    ranges = [abs(b - a) for a, b in pairwise(points)]
    mr_bar = sum(ranges) / len(ranges)
    center = sum(points) / len(points)
    sigma = mr_bar / D2
    n = len(points)
    return Chart(
        kind="xmr",
        values=points,
        center=center,
        upper=[center + XMR_LIMIT * mr_bar] * n,
        lower=[center - XMR_LIMIT * mr_bar] * n,
        sigma=[sigma] * n,
        signals=western_electric(points, center, [sigma] * n),
        moving_ranges=ranges,
        moving_range_upper=MR_LIMIT * mr_bar,
    )


def p_chart(misses: Sequence[int], totals: Sequence[int]) -> Chart:
    """Return the chart of the share missed per period (limits vary with each total)."""
    if len(misses) != len(totals) or not totals or sum(totals) == 0:
        raise ValueError("a p-chart needs periods with requests")
    center = sum(misses) / sum(totals)
    shares = [m / t if t else 0.0 for m, t in zip(misses, totals, strict=True)]
    sigmas = [math.sqrt(center * (1 - center) / t) if t else 0.0 for t in totals]
    return Chart(
        kind="p",
        values=shares,
        center=center,
        upper=[min(1.0, center + 3 * s) for s in sigmas],
        lower=[max(0.0, center - 3 * s) for s in sigmas],
        sigma=sigmas,
        signals=western_electric(shares, center, sigmas),
    )


def c_chart(counts: Sequence[int]) -> Chart:
    """Return the chart of counts per period (e.g. weekly volume)."""
    if not counts:
        raise ValueError("a c-chart needs at least one period")
    center = sum(counts) / len(counts)
    sigma = math.sqrt(center)
    points = [float(c) for c in counts]
    n = len(points)
    return Chart(
        kind="c",
        values=points,
        center=center,
        upper=[center + 3 * sigma] * n,
        lower=[max(0.0, center - 3 * sigma)] * n,
        sigma=[sigma] * n,
        signals=western_electric(points, center, [sigma] * n),
    )


def _side(value: float, center: float, sigma: float, k: float) -> int:
    """Return +1 above centre + k sigma, -1 below centre - k sigma, else 0."""
    if sigma <= 0:
        return 0
    if value - center > k * sigma:
        return 1
    if center - value > k * sigma:
        return -1
    return 0


#: (k sigma, window, points needed, rule name) of the zone rules
ZONE_RULES = ((2, 3, 2, "2-of-3-beyond-2-sigma"), (1, 5, 4, "4-of-5-beyond-1-sigma"))


def _zone_signal(
    values: list[float], center: float, sigmas: list[float], i: int, rule: tuple[int, int, int, str]
) -> Signal | None:
    k, window, needed, name = rule
    side = _side(values[i], center, sigmas[i], k)
    if not side or i + 1 < window:
        return None
    beyond = sum(
        _side(values[j], center, sigmas[j], k) == side for j in range(i - window + 1, i + 1)
    )
    if beyond < needed:
        return None
    reason = _("%(needed)d of the last %(window)d points are beyond %(k)d sigma on one side")
    return Signal(i, name, reason % {"needed": needed, "window": window, "k": k})


def _run_signal(values: list[float], center: float, i: int) -> Signal | None:
    run = values[i - 7 : i + 1] if i >= 7 else []
    if run and (all(v > center for v in run) or all(v < center for v in run)):
        return Signal(i, "8-in-a-row", _("8 points in a row on one side of the centre line"))
    return None


def western_electric(values: list[float], center: float, sigmas: list[float]) -> list[Signal]:
    """Return the points where a Western Electric rule fires, in order, one per rule."""
    signals: list[Signal] = []
    for i, value in enumerate(values):
        if _side(value, center, sigmas[i], 3):
            reason = _("point %(n)d is beyond the 3-sigma limit") % {"n": i + 1}
            signals.append(Signal(i, "beyond-3-sigma", reason))
        found = [_zone_signal(values, center, sigmas, i, rule) for rule in ZONE_RULES]
        found.append(_run_signal(values, center, i))
        signals += [signal for signal in found if signal is not None]
    return signals
