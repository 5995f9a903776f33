"""Log–log fits of measured growth, and the verdict on whether a fit can be trusted.

A slope is only worth showing when the points it comes from say so: enough of them over a
wide enough range, each well above the timer's and the call's overhead, lying on a line
(R²), with a small standard error of the slope, actually growing when the model says they
should, and settled rather than still jittering from other programs' load. `assess` checks
each and names the first reasons that fail, with what to try instead.

Peak memory gets the same treatment from `assess_memory`. It is counted, not timed, so
noise is not its problem; a fixed part is: block buffers and row statistics that do not
grow with n flatten the small sizes' slope (the flash_memory demo's O(n) peak read as
n^0.38 over its default sweep). The fixed part is estimated from the points themselves,
the sizes where it still bends the slope are left out, and the verdict says below which
size that is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from engine.units import format_bytes

#: Memory peaks below this are allocator noise; they are shown but not fitted.
MIN_FIT_BYTES = 256 * 1024
#: A point is fitted only where the leading term's local growth exponent is within this of
#: the predicted one (for time, by the cost model; for memory, once the fixed part is small).
LEADING_TOLERANCE = 0.1
#: Largest relative miss of a point from peak = F + c·nᵖ for its fixed part F to be named.
FIXED_MODEL_MISS = 0.05
#: Fewest distinct sizes a slope is fitted on, and the smallest largest/smallest size ratio.
MIN_FIT_POINTS = 4
MIN_SPAN = 4.0
#: A point whose fastest call takes less CPU time than this is overhead-bound: not fitted.
MIN_FIT_SECONDS = 1e-3
#: Below this R² the points do not lie on a line (checked where growth is predicted).
MIN_R2 = 0.95
#: Above this standard error the slope is not pinned down to a useful ±0.2 (2σ).
MAX_SLOPE_STDERR = 0.1
#: Points whose times differ by less than this factor over the whole sweep are flat.
FLAT_RATIO = 1.3
#: Fraction of fitted points allowed to end unsettled (budget spent before they agreed).
MAX_UNSETTLED = 1 / 2
#: A 1-minute load average at or above this many runnable processes per core is busy.
BUSY_LOAD_PER_CORE = 1.0
#: Largest change of the local log–log slope across the points the fit keeps (from a
#: quadratic fit): the sweep's first points are dropped until the rest is this straight.
STRAIGHT = 0.3
#: Farthest a fitted slope may lie from the predicted exponent for a reliable verdict: a
#: sound fit further off measures a range where terms other than the model's leading one
#: (a softmax that does not grow with d, a cache limit) still set the time, so it must not
#: be shown as the predicted growth confirmed.
MAX_MISS = 0.4
#: Largest change of the local slope across the fitted points for a reliable verdict: the
#: fitted slope is their average, so it can sit up to half this far from the last local
#: slope (a fixed cost still fading, or a cache limit being crossed).
MAX_CURVATURE = 0.6


@dataclass(frozen=True)
class Fit:
    """y ∝ x^slope: slope, intercept (log y at x = 1, natural logs), R² and the slope's
    standard error (0 when the line goes through two points exactly)."""

    slope: float
    intercept: float
    r2: float
    stderr: float


#: Values whose largest is within this fraction of their smallest are flat (see fit_loglog).
FLAT_SPREAD = 1e-3


def fit_loglog(xs: list[float] | np.ndarray, ys: list[float] | np.ndarray) -> Fit:
    """Least-squares line through (log x, log y). Needs two or more distinct positive x."""
    x = np.log(np.asarray(xs, dtype=float))
    y = np.log(np.asarray(ys, dtype=float))
    if x.size != y.size or x.size < 2 or np.ptp(x) == 0:
        raise ValueError("fit_loglog needs at least two points with distinct x")
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss_res = float(np.sum(resid**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    # Points equal within FLAT_SPREAD (a peak of 1 MiB give or take an allocator's few bytes)
    # leave nothing for a line to explain: R² would be the ratio of two rounding errors
    # (−5.5 was shown once), so it is 1, as for exactly equal points.
    r2 = 1.0 - ss_res / ss_tot if np.ptp(y) > math.log1p(FLAT_SPREAD) else 1.0
    sxx = float(np.sum((x - x.mean()) ** 2))
    stderr = math.sqrt(ss_res / (x.size - 2) / sxx) if x.size > 2 else 0.0
    return Fit(float(slope), float(intercept), r2, stderr)


def slope_change(xs: list[float], ys: list[float], *, noisy: bool = True) -> float:
    """How much the local log–log slope changes from the first point to the last, from a
    quadratic fit in log–log; 0 with fewer than MIN_FIT_POINTS points, or, for `noisy`
    measurements (times), when the change is within two standard errors of 0 (noise in a
    few points can fake a bend). Counted bytes are not noisy: every bend in them is real."""
    if len(set(xs)) < MIN_FIT_POINTS:
        return 0.0
    x = np.log(np.asarray(xs, dtype=float))
    y = np.log(np.asarray(ys, dtype=float))
    design = np.vstack([x**2, x, np.ones_like(x)]).T
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    change = 2 * float(coef[0]) * float(np.ptp(x))
    if noisy and x.size > 3:
        resid = y - design @ coef
        var = float(resid @ resid) / (x.size - 3)
        se_c2 = math.sqrt(var * float(np.linalg.inv(design.T @ design)[0, 0]))
        if abs(change) <= 2 * (2 * se_c2 * float(np.ptp(x))):
            return 0.0
    return change


def power_law_start(xs: list[float], ys: list[float], *, noisy: bool = True) -> int:
    """Where the points become one power law: the first index of the longest run to the end
    that is straight in log–log (|slope_change| ≤ STRAIGHT) and still has enough
    points over a wide enough range; 0 when no such run exists (the verdict says so).

    This is how the fit keeps to the sizes where the leading term dominates without looking
    at the predicted exponent: a fixed cost bends the small sizes' slope down, and they drop
    out until the rest is straight.
    """
    for i in range(len(xs)):
        tail = xs[i:]
        if len(set(tail)) < MIN_FIT_POINTS or max(tail) / min(tail) < MIN_SPAN:
            break
        if abs(slope_change(tail, ys[i:], noisy=noisy)) <= STRAIGHT:
            return i
    return 0


@dataclass(frozen=True)
class Conditions:
    """How the points were measured: BLAS threads, load average and cores, and the largest
    wall/CPU ratio of a fitted point (how much time other programs took from the calls)."""

    threads: int | None = None
    load: float | None = None
    cpus: int = 1
    max_wall_over_cpu: float = 1.0

    @property
    def busy(self) -> bool:
        return self.load is not None and self.load >= BUSY_LOAD_PER_CORE * self.cpus


class Advice(StrEnum):
    """What to try after an unreliable fit, as a kind: each front end words it with its own
    controls (the CLI names its flags, the TUI its keys and selectors)."""

    START_LARGER = "start_larger"  # begin the sweep at larger sizes
    EXTEND = "extend"  # reach larger sizes
    WIDEN = "widen"  # a wider range of sizes
    WIDEN_LARGER = "widen_larger"  # a wider range, towards larger sizes
    MORE_POINTS = "more_points"  # more time, or a wider range: too few points
    QUIETER = "quieter"  # more time per point, or a quieter machine: noise


#: The advice in words that name no front end (the JSON's and any caller's default).
ADVICE_WORDS: dict[str, str] = {
    Advice.START_LARGER: "Start the sweep at larger sizes.",
    Advice.EXTEND: "Extend the sweep to larger sizes.",
    Advice.WIDEN: "Widen the range of sizes.",
    Advice.WIDEN_LARGER: "Widen the range of sizes towards larger ones.",
    Advice.MORE_POINTS: "Give the sweep more time or a wider range of sizes.",
    Advice.QUIETER: "Run again with more time, or when the machine is quieter.",
}


@dataclass(frozen=True)
class Verdict:
    """Whether a fit can be trusted; if not, why (short reasons) and what to try (`advice`)."""

    reliable: bool
    reasons: list[str] = field(default_factory=list)
    advice: tuple[Advice, ...] = ()
    note: str = ""  # context worth saying even when the fit is reliable (a busy machine)

    def explain(self, words: Mapping[str, str] = ADVICE_WORDS) -> str | None:
        """One sentence for a person: the reasons and the advice (in `words`, a front end's
        own wording of each kind, keyed by the kind's value), or the note, or None."""
        if self.reasons:
            text = "unreliable fit: " + "; ".join(self.reasons) + "."
            advice = " ".join(words[a] for a in self.advice)
            return " ".join(t for t in (text, advice, _sentence(self.note)) if t)
        return self.note or None

    @property
    def warning(self) -> str | None:
        """`explain` in words that name no front end."""
        return self.explain()

    @property
    def short(self) -> str:
        """A few words for a plot legend."""
        return "reliable" if self.reliable else "unreliable: " + self.reasons[0].split(" (")[0]


def assess(
    fit: Fit | None,
    values: list[float],
    cpu_seconds: list[float],
    settled: list[bool],
    *,
    predicted: float | None,
    excluded: list[str | None],
    conditions: Conditions,
) -> Verdict:
    """The verdict on `fit`, made from the fitted points (values, CPU seconds, settled).

    `excluded` holds every measured point's reason to stay out of the fit ("overhead",
    "other terms") or None, so a sweep with points but too few fitted ones is told
    apart from one with too few points.
    """
    reasons: list[str] = []
    advice: list[Advice] = []
    load_text = _load_text(conditions)
    if fit is None or len(set(values)) < MIN_FIT_POINTS:
        overhead = excluded.count("overhead")
        if len(excluded) >= MIN_FIT_POINTS and overhead >= excluded.count("other terms"):
            reasons.append(
                f"overhead-bound (only {len(values)} of {len(excluded)} points take "
                f"≥ {MIN_FIT_SECONDS * 1e3:g} ms per call)"
            )
            advice.append(Advice.START_LARGER)
        elif len(excluded) >= MIN_FIT_POINTS:
            reasons.append(
                f"the leading term never dominated (only {len(values)} of {len(excluded)} "
                "points lie where the cost grows as its leading term)"
            )
            advice.append(Advice.EXTEND)
        else:
            reasons.append(f"too few points ({len(excluded)}; a slope needs {MIN_FIT_POINTS})")
            advice.append(Advice.MORE_POINTS)
        return Verdict(False, reasons, tuple(advice), load_text)
    span = max(values) / min(values)
    if span < MIN_SPAN:
        reasons.append(_narrow(span))
        advice.append(Advice.WIDEN)
    grows = predicted is not None and predicted >= 0.5
    if grows and max(cpu_seconds) / min(cpu_seconds) < FLAT_RATIO:
        reasons.append(
            f"flat points (time changes by {max(cpu_seconds) / min(cpu_seconds):.2f}× "
            f"over a {span:.0f}× range: fixed overhead, not the work)"
        )
        advice.append(Advice.START_LARGER)
    bend = slope_change(values, cpu_seconds)
    if abs(bend) > MAX_CURVATURE:
        reasons.append(_curving(bend))
        advice.append(Advice.EXTEND)
    if grows and fit.r2 < MIN_R2 and abs(bend) <= MAX_CURVATURE:  # a curve is no scatter
        reasons.append(f"scattered points (R² = {fit.r2:.3f} < {MIN_R2:g})")
    if fit.stderr > MAX_SLOPE_STDERR:
        reasons.append(f"uncertain slope (± {fit.stderr:.2f})")
    if predicted is not None and not reasons and abs(fit.slope - predicted) > MAX_MISS:
        reasons.append(
            f"{abs(fit.slope - predicted):.2f} {'below' if fit.slope < predicted else 'above'} "
            f"the predicted {predicted:g} (other terms of the cost still count at these sizes)"
        )
        advice.append(Advice.EXTEND)
    unsettled = settled.count(False)
    if unsettled > MAX_UNSETTLED * len(settled):
        reasons.append(f"busy machine ({unsettled} of {len(settled)} points never settled)")
    if len(reasons) > len(advice):  # a statistical or load reason: noise, not the range
        advice.append(Advice.QUIETER)
    if reasons:
        return Verdict(False, reasons, tuple(dict.fromkeys(advice)), load_text)
    return Verdict(True, note=load_text)


def _narrow(span: float) -> str:
    return f"too narrow a range ({span:.1f}× between the sizes; need {MIN_SPAN:g}×)"


def _curving(bend: float) -> str:
    return (
        f"still curving (the local slope {'rises' if bend > 0 else 'falls'} by "
        f"{abs(bend):.2f} across the sweep: not one power law yet)"
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "." if text else ""


def _load_text(c: Conditions) -> str:
    """Why wall time should not be trusted here, or '' on a quiet machine."""
    parts = []
    if c.busy and c.load is not None:
        parts.append(f"busy machine: load {c.load:.1f} on {c.cpus} cores")
    if c.max_wall_over_cpu >= 1.2:
        parts.append(f"wall time up to {c.max_wall_over_cpu:.1f}× the CPU time")
    if not parts:
        return ""
    return "; ".join(parts) + " (the slope is fitted on CPU time, which others cannot inflate)"


# --------------------------------------------------------------------------- peak memory


@dataclass(frozen=True)
class MemoryFit:
    """The peak-memory slope, the verdict on it, and why each point is or is not fitted.

    `excluded` holds one reason per point ("allocator noise" below MIN_FIT_BYTES, "other terms"
    before the sizes become one power law, "fixed buffers" where the fixed part still bends
    the slope) or None. `fixed_bytes` is the estimated part that does not grow with the
    size, and `leading_from` the size from which the leading term dominates it.
    """

    fit: Fit | None
    verdict: Verdict
    excluded: list[str | None]
    fixed_bytes: float | None = None
    leading_from: float | None = None


def fixed_part(
    values: list[float], peaks: list[float], predicted: float
) -> tuple[float, float] | None:
    """(F, c) of the least-squares fit peak ≈ F + c·value^predicted: the bytes that do not
    grow with the size and the leading term's coefficient; None when that model does not
    describe the points (a point off it by more than FIXED_MODEL_MISS) or shows no fixed part.
    """
    x = np.asarray(values, dtype=float) ** predicted
    y = np.asarray(peaks, dtype=float)
    design = np.vstack([np.ones_like(x), x]).T
    (fixed, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    if fixed <= 0 or slope <= 0:
        return None
    if float(np.max(np.abs(design @ (fixed, slope) - y) / y)) > FIXED_MODEL_MISS:
        return None
    return float(fixed), float(slope)


def assess_memory(
    values: list[float],
    peaks: list[float],
    *,
    predicted: float | None,
    name: str = "n",
) -> MemoryFit:
    """Fit peak memory against size where it grows as its leading term, and judge the fit.

    The sizes below MIN_FIT_BYTES are left out (allocator noise), then the small ones until
    the rest is one power law (a regime such as one block covering all of n), then, when the
    growth is predicted, those where the fixed part F still bends the local slope by more
    than LEADING_TOLERANCE: with peak = F + c·nᵖ the local slope is p·c·nᵖ / (F + c·nᵖ).
    """
    excluded: list[str | None] = [None if y >= MIN_FIT_BYTES else "allocator noise" for y in peaks]
    kept = [i for i, reason in enumerate(excluded) if reason is None]
    first = power_law_start([values[i] for i in kept], [peaks[i] for i in kept], noisy=False)
    for i in kept[:first]:
        excluded[i] = "other terms"
    tail = kept[first:]
    fixed = leading_from = None
    if predicted is not None and predicted > 0 and len({values[i] for i in tail}) >= 2:
        parts = fixed_part([values[i] for i in tail], [peaks[i] for i in tail], predicted)
        if parts is not None:
            fixed, coef = parts
            # local slope ≥ p − tolerance  ⇔  c·nᵖ ≥ F·(p / tolerance − 1)
            leading_from = (fixed * (predicted / LEADING_TOLERANCE - 1) / coef) ** (1 / predicted)
            for i in tail:
                if values[i] < leading_from:
                    excluded[i] = "fixed buffers"
    fitted = [i for i in tail if excluded[i] is None]
    xs, ys = [values[i] for i in fitted], [peaks[i] for i in fitted]
    fit = fit_loglog(xs, ys) if len(set(xs)) >= 2 else None
    verdict = _memory_verdict(fit, xs, ys, excluded, predicted, name, fixed, leading_from)
    return MemoryFit(fit, verdict, excluded, fixed, leading_from)


def _memory_verdict(
    fit: Fit | None,
    xs: list[float],
    ys: list[float],
    excluded: list[str | None],
    predicted: float | None,
    name: str,
    fixed: float | None,
    leading_from: float | None,
) -> Verdict:
    fixed_text = (
        f"fixed buffers (≈ {format_bytes(fixed)}) dominate below {name} ≈ {leading_from:,.0f}"
        if fixed and leading_from
        else ""
    )
    dropped = excluded.count("fixed buffers")
    reasons: list[str] = []
    advice: list[Advice] = []
    if fit is None or len(set(xs)) < MIN_FIT_POINTS:
        if dropped:
            reasons.append(
                f"{fixed_text} (only {len(xs)} of {len(excluded)} sizes lie where the peak "
                "grows as its leading term)"
            )
            advice.append(Advice.EXTEND)
        else:
            noise = excluded.count("allocator noise")
            below = f", {noise} below {format_bytes(MIN_FIT_BYTES)}" if noise else ""
            reasons.append(
                f"too few points ({len(xs)} fitted of {len(excluded)}{below}; "
                f"a slope needs {MIN_FIT_POINTS})"
            )
            advice.append(Advice.WIDEN_LARGER if noise else Advice.WIDEN)
        return Verdict(False, reasons, tuple(advice))
    span = max(xs) / min(xs)
    if span < MIN_SPAN and dropped:
        reasons.append(
            f"{fixed_text} (the sizes above it span only {span:.1f}×; a slope needs {MIN_SPAN:g}×)"
        )
        advice.append(Advice.EXTEND)
    elif span < MIN_SPAN:
        reasons.append(_narrow(span))
        advice.append(Advice.WIDEN)
    bend = slope_change(xs, ys, noisy=False)
    if abs(bend) > MAX_CURVATURE:
        reasons.append(_curving(bend))
        advice.append(Advice.EXTEND)
    elif predicted is not None and predicted >= 0.5 and fit.r2 < MIN_R2:
        reasons.append(f"scattered points (R² = {fit.r2:.3f} < {MIN_R2:g})")
        advice.append(Advice.WIDEN)
    if reasons:
        return Verdict(False, reasons, tuple(dict.fromkeys(advice)))
    note = f"fitted from {name} = {min(xs):g} up: {fixed_text}" if dropped else ""
    return Verdict(True, note=note)
