"""Symbolic cost models: the one source of truth for every FLOP and byte the app states.

Each operation is a sympy model built from named steps. A step is a sentence, a
symbolic expression over the operation's parameters, and a unit; `compute`
substitutes the user's numbers and returns a `Cost` whose totals, memory
figures and derivation all come from those same expressions.

Conventions (stated, never hidden):
- A multiply-add counts as 2 FLOPs (torch.utils.flop_counter, Megatron-LM); MACs = FLOPs / 2
  for the matrix products.
- Softmax FLOPs per score and the 1/sqrt(dk) scaling are options. Inside attention the default
  counts neither (torch's counter, Megatron, Kaplan); the stand-alone `softmax` op counts 5
  per element (max, subtract, exp, sum, divide). Chinchilla (arXiv 2203.15556, App. F) uses 3.
- Memory figures are elements; `Cost.bytes` multiplies them by the dtype's size. Figures
  whose bytes do not depend on one dtype (mixed-precision Adam's 16 bytes per parameter,
  Korthikanti's activations with their 1-byte dropout masks) are `fixed_bytes`, given in
  bytes and shown as `bytes.<k>` whatever `--dtype` says.
- A parameter that shares its name with an option (sdpa's `causal`, train_memory's
  `zero`, activations' `sp`) selects that variant of the model.

Adding an operation: write its builder `_name(s, opt) -> Model` with `_Steps` and put
`@op("name", "Title", params=(_p(...), ...), options=(Option(...), ...), check=_name_check)`
directly above it. That is the only registration; `quizapp calc`, pack validation and the
checker find it through `OPS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sympy as sp

from engine.formula import evaluate, render
from engine.formula.exact import Exact, number, values_of
from engine.units import DTYPE_BYTES, dtype_bytes

# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Param:
    """One parameter an operation takes, as users type it (`quizapp calc sdpa nq=1024`)."""

    name: str
    default: float
    help: str
    integer: bool = True
    allow_zero: bool = False
    same_as: str | None = None  # when not given, take this other parameter's value


#: The only words a true/false option takes, typed (`-o count_scale=yes`) or in a pack.
BOOLEAN_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


@dataclass(frozen=True)
class Option:
    """A counting convention people disagree on; always reported with its value.

    Its type is its default's (bool, int or str) and its range is `choices`, or `minimum` for
    a whole number: declared once, here, so `quizapp calc -o`, pack validation and every
    `compute` refuse the same values with the same message instead of reading them silently
    (`count_scale=maybe` as true, `softmax_flops=-3` as a negative count).
    """

    name: str
    default: bool | int | str
    help: str
    choices: tuple[Any, ...] | None = None
    minimum: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.default, str) and not self.choices:
            raise ValueError(f"option {self.name!r} holds text, so it must list its choices")

    @property
    def accepted(self) -> str:
        """What a user may give, as the error message and `quizapp calc --list` say it."""
        if isinstance(self.default, bool):
            return "one of " + "/".join(BOOLEAN_WORDS)
        if self.choices is not None:
            return "one of " + ", ".join(map(str, self.choices))
        if self.minimum is not None:
            return f"a whole number, {self.minimum} or more"
        return "a whole number"

    def read(self, value: object) -> bool | int | str:
        """`value` as typed on the command line or read from YAML, in the option's type.

        Raises CostError naming the option, the value and what it accepts.
        """
        got = self._parse(value)
        if (
            got is None
            or (self.choices is not None and got not in self.choices)
            or (self.minimum is not None and isinstance(got, int) and got < self.minimum)
        ):
            raise CostError(
                f"option {self.name}={value} is not accepted: {self.name} takes {self.accepted}"
            )
        return got

    def _parse(self, value: object) -> bool | int | str | None:
        if isinstance(self.default, bool):
            return BOOLEAN_WORDS.get(str(value).strip().lower())  # True and 1 read as words
        if isinstance(self.default, int):
            if isinstance(value, bool):  # YAML's `yes` is not a count
                return None
            if isinstance(value, int):
                return value
            if isinstance(value, float):
                return int(value) if value.is_integer() else None
            # at most 18 digits: int() refuses a 5000-digit string with a ValueError
            if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,18}\s*", value):
                return int(value)
            return None
        return value.strip() if isinstance(value, str) else None


@dataclass(frozen=True)
class SymStep:
    """A derivation step before substitution."""

    text: str
    expr: sp.Expr
    unit: str
    name: str | None = None


@dataclass(frozen=True)
class Step:
    """A derivation step with the user's numbers: what the app prints, one line each."""

    text: str
    expr: str
    value: float
    unit: str
    name: str | None = None


@dataclass
class Model:
    """The symbolic model of one operation under one set of options."""

    flops: sp.Expr
    macs: sp.Expr
    memory: dict[str, sp.Expr]
    extra: dict[str, sp.Expr]
    steps: list[SymStep]
    big_o: str
    big_o_space: str
    conventions: dict[str, str] = field(default_factory=dict)
    fixed_bytes: dict[str, sp.Expr] = field(default_factory=dict)
    #: A threshold's name -> what must be positive for it to exist; else it is never reached
    #: and its value is infinite (a crossover batch when the roofline's ridge is out of reach).
    reached_when: dict[str, sp.Expr] = field(default_factory=dict)


Builder = Callable[[dict[str, sp.Symbol], dict[str, Any]], "Model"]


@dataclass(frozen=True)
class Op:
    """A registered operation: its parameters, options and model builder."""

    name: str
    title: str
    params: tuple[Param, ...]
    build: Builder
    options: tuple[Option, ...] = ()
    check: Callable[[dict[str, float]], None] | None = None

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]


@dataclass
class Cost:
    """An operation's cost for concrete numbers."""

    op: str
    params: dict[str, float]
    dtype: str
    flops: float
    macs: float
    memory: dict[str, float]
    bytes: dict[str, float]
    extra: dict[str, float]
    big_o: str
    big_o_space: str
    steps: list[Step]
    conventions: dict[str, str]
    options: dict[str, Any]

    def quantity(self, name: str) -> float:
        """A named figure: flops, macs, memory.<k>, bytes.<k>, or an extra quantity."""
        if name == "flops":
            return self.flops
        if name == "macs":
            return self.macs
        group, _, key = name.partition(".")
        if key and group in ("memory", "bytes"):
            table = self.memory if group == "memory" else self.bytes
            if key in table:
                return table[key]
        elif name in self.extra:
            return self.extra[name]
        raise KeyError(
            f"{self.op} has no quantity {name!r}; known: {', '.join(quantities(self.op))}"
        )

    def to_json(self) -> dict[str, Any]:
        """The `quizapp calc --json` object; a threshold never reached (∞) is `null`, as
        JSON has no infinity."""
        return {
            "op": self.op,
            "params": self.params,
            "dtype": self.dtype,
            "options": self.options,
            "flops": self.flops,
            "macs": self.macs,
            "bytes": self.bytes,
            "memory_elements": self.memory,
            "extra": {k: _json_number(v) for k, v in self.extra.items()},
            "big_o": self.big_o,
            "big_o_space": self.big_o_space,
            "conventions": self.conventions,
            "steps": [
                {"text": s.text, "expr": s.expr, "value": _json_number(s.value), "unit": s.unit}
                for s in self.steps
            ],
        }


def _json_number(value: float) -> float | None:
    """`value`, or None where it is infinite (never reached)."""
    return value if math.isfinite(value) else None


class CostError(ValueError):
    """A user-facing problem with an operation, a parameter or an option."""


# --------------------------------------------------------------------------- builder


class _Steps:
    """Collects derivation steps and sums those that count towards the FLOP total."""

    def __init__(self) -> None:
        self.steps: list[SymStep] = []
        self.flop_terms: list[sp.Expr] = []
        self.mac_terms: list[sp.Expr] = []
        self.extra: dict[str, sp.Expr] = {}
        self.reached_when: dict[str, sp.Expr] = {}
        self.totalled = False

    def total(self, text: str) -> sp.Expr:
        """Show the FLOP total now, so that steps derived from it can follow it."""
        flops = sp.Add(*self.flop_terms)
        self.steps.append(SymStep(f"{text} (the counted steps above)", flops, "FLOP"))
        self.totalled = True
        return flops

    def flop(self, name: str, text: str, expr: sp.Expr, *, counted: bool = True) -> sp.Expr:
        """A FLOP-counting step; `counted=False` shows it but leaves it out of the total."""
        shown = text if counted else f"{text} (not counted; see conventions)"
        self.steps.append(SymStep(shown, expr, "FLOP", name))
        self.extra[name] = expr
        if counted:
            self.flop_terms.append(expr)
        return expr

    def matmul(self, name: str, text: str, m: sp.Expr, k: sp.Expr, n: sp.Expr) -> sp.Expr:
        """An (m×k)·(k×n) product: m·k·n multiply-adds, 2·m·k·n FLOPs."""
        self.mac_terms.append(m * k * n)
        return self.flop(name, text, 2 * m * k * n)

    def note(self, name: str, text: str, expr: sp.Expr, unit: str) -> sp.Expr:
        """A non-FLOP figure (elements, bytes, operations, path length) shown as a step."""
        self.steps.append(SymStep(text, expr, unit, name))
        self.extra[name] = expr
        return expr

    def threshold(
        self, name: str, text: str, numerator: sp.Expr, denominator: sp.Expr, unit: str
    ) -> sp.Expr:
        """A figure numerator / denominator that exists only while the denominator is
        positive: past that it is never reached, and `compute` gives it as infinite rather
        than the negative (or undefined) number the formula would give."""
        self.reached_when[name] = denominator
        return self.note(name, text, numerator / denominator, unit)

    def model(
        self,
        memory: dict[str, sp.Expr],
        big_o: str,
        big_o_space: str,
        conventions: dict[str, str] | None = None,
        *,
        total_text: str = "Total FLOPs",
        extra: dict[str, sp.Expr] | None = None,
        fixed_bytes: dict[str, sp.Expr] | None = None,
    ) -> Model:
        flops = sp.Add(*self.flop_terms) if self.flop_terms else sp.Integer(0)
        macs = sp.Add(*self.mac_terms) if self.mac_terms else sp.Integer(0)
        if len(self.flop_terms) > 1 and not self.totalled:
            self.steps.append(SymStep(f"{total_text} (the counted steps above)", flops, "FLOP"))
        all_extra = dict(self.extra)
        all_extra.update(extra or {})
        return Model(
            flops=sp.expand(flops) if len(flops.free_symbols) < 6 else flops,
            macs=macs,
            memory=memory,
            extra=all_extra,
            steps=self.steps,
            big_o=big_o,
            big_o_space=big_o_space,
            conventions=conventions or {},
            fixed_bytes=fixed_bytes or {},
            reached_when=dict(self.reached_when),
        )


#: Bytes per element of the `dtype` a cost is computed for; models whose seconds depend on the
#: bytes moved use it, and `compute` substitutes the dtype's size.
ELEMENT_BYTES = sp.Symbol("dtype_bytes", positive=True)

MULTIPLY_ADD = "a multiply-add is 2 FLOPs (torch.utils.flop_counter, Megatron-LM)"


def _softmax_conventions(opt: dict[str, Any]) -> dict[str, str]:
    return {
        "flops": MULTIPLY_ADD,
        "softmax_flops": (
            f"{opt['softmax_flops']} FLOPs per score (0: torch/Megatron/Kaplan; 3: Chinchilla; "
            "5: max, subtract, exp, sum, divide)"
        ),
        "count_scale": (
            "the 1/sqrt(dk) scaling is counted (one multiply per score)"
            if opt["count_scale"]
            else "the 1/sqrt(dk) scaling is not counted (it can be folded into Q)"
        ),
    }


SOFTMAX_OPTION = Option(
    "softmax_flops",
    0,
    "FLOPs counted per softmax element (0 torch/Megatron, 3 Chinchilla, 5 explicit)",
    minimum=0,
)
SCALE_OPTION = Option(
    "count_scale", False, "count the 1/sqrt(dk) scaling as one multiply per score"
)

# --------------------------------------------------------------------------- registry

OPS: dict[str, Op] = {}
"""Every operation, in the order registered (the order `quizapp calc --list` shows)."""


def op(
    name: str,
    title: str,
    *,
    params: tuple[Param, ...],
    options: tuple[Option, ...] = (),
    check: Callable[[dict[str, float]], None] | None = None,
) -> Callable[[Builder], Builder]:
    """Register the decorated model builder as operation `name`.

    Everything an operation is — its parameters, its counting options, the relations its
    parameters must satisfy (`check`, raising CostError) and its model — is declared in
    this one place, directly above the builder. Registering a name twice is an error.
    """

    def register(build: Builder) -> Builder:
        if name in OPS:
            raise ValueError(f"operation {name!r} is registered twice")
        OPS[name] = Op(name, title, tuple(params), build, tuple(options), check)
        return build

    return register


def _p(name: str, default: float, help: str, **kw: Any) -> Param:
    return Param(name, default, help, **kw)


_SIZE = "sequence length"

# --------------------------------------------------------------------------- models


@op(
    "matmul",
    "Matrix product (m×k)·(k×n)",
    params=(
        _p("m", 1024, "rows of the left matrix"),
        _p("k", 1024, "inner (contracted) dimension"),
        _p("n", 1024, "columns of the right matrix"),
    ),
)
def _matmul(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    m, k, n = s["m"], s["k"], s["n"]
    st = _Steps()
    st.note(
        "outputs",
        "The product has m·n entries, each a dot product of length k",
        m * n,
        "elements",
    )
    st.matmul(
        "matmul_flops",
        "Each dot product is k multiply-adds = 2·k FLOPs, so 2·m·k·n in all",
        m,
        k,
        n,
    )
    st.note(
        "exact_flops",
        "Exactly, k multiplies and k−1 adds per entry: m·n·(2k−1); the convention rounds to 2·m·k·n",
        m * n * (2 * k - 1),
        "FLOP",
    )
    memory = {"a": m * k, "b": k * n, "c": m * n, "total": m * k + k * n + m * n}
    return st.model(memory, "O(m·k·n)", "O(m·k + k·n + m·n)", {"flops": MULTIPLY_ADD})


@op(
    "softmax",
    "Row-wise softmax",
    params=(
        _p("rows", 1024, "number of rows"),
        _p("cols", 1024, "elements per row"),
    ),
    options=(Option("softmax_flops", 5, "FLOPs counted per element", minimum=0),),
)
def _softmax(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    rows, cols = s["rows"], s["cols"]
    per = sp.Integer(opt["softmax_flops"])
    st = _Steps()
    st.note("elements", "The input has rows·cols elements", rows * cols, "elements")
    st.flop(
        "softmax_flops",
        f"Stable softmax: max, subtract, exp, sum, divide — {per} FLOPs per element as counted",
        per * rows * cols,
    )
    st.note("exp_count", "Exponentials evaluated (one per element)", rows * cols, "ops")
    memory = {"input": rows * cols, "output": rows * cols, "row_stats": 2 * rows}
    memory["total"] = memory["input"] + memory["output"] + memory["row_stats"]
    return st.model(
        memory,
        "O(rows·cols)",
        "O(rows·cols)",
        {"softmax_flops": f"{per} FLOPs per element (max, subtract, exp, sum, divide)"},
    )


def _causal_pairs(nq: sp.Expr, nk: sp.Expr, causal: bool) -> sp.Expr:
    """Query–key pairs computed: all of them, or the lower triangle with the diagonal."""
    return nq * (nq + 1) / 2 if causal else nq * nk


def _sdpa_check(values: dict[str, float]) -> None:
    if values["causal"] not in (0, 1):
        raise CostError("causal must be 0 or 1")
    if values["causal"] and values["nq"] != values["nk"]:
        raise CostError("a causal mask here needs nq = nk (self-attention)")


@op(
    "sdpa",
    "Scaled dot-product attention",
    params=(
        _p("b", 1, "batch size"),
        _p("h", 8, "heads"),
        _p("nq", 1024, "queries"),
        _p("nk", 1024, "keys and values"),
        _p("dk", 64, "query/key size per head"),
        _p("dv", 64, "value size per head"),
        _p("causal", 0, "1 for a causal mask (needs nq = nk), else 0", allow_zero=True),
    ),
    options=(
        SOFTMAX_OPTION,
        SCALE_OPTION,
        Option(
            "causal_flops",
            "skip",
            "with a causal mask: skip masked pairs or count all (torch)",
            ("skip", "full"),
        ),
        Option("causal", 0, "set from the causal parameter", (0, 1)),
    ),
    check=_sdpa_check,
)
def _sdpa(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    b, h, nq, nk, dk, dv = (s[x] for x in ("b", "h", "nq", "nk", "dk", "dv"))
    causal = bool(opt["causal"])
    skip = causal and opt["causal_flops"] == "skip"
    pairs = _causal_pairs(nq, nk, skip)
    st = _Steps()
    bh = b * h
    st.note("scores", "The score matrix S = QKᵀ has b·h·nq·nk entries", bh * nq * nk, "elements")
    if causal:
        st.note(
            "unmasked",
            "With a causal mask only the lower triangle is used: b·h·nq·(nq+1)/2 pairs",
            bh * nq * (nq + 1) / 2,
            "elements",
        )
    pair_text = "each unmasked score" if skip else "each score"
    st.matmul("qk_flops", f"QKᵀ: {pair_text} is a dot product of length dk", bh * pairs, dk, 1)
    st.flop(
        "scale_flops",
        "Scale by 1/√dk: one multiply per score",
        bh * pairs,
        counted=bool(opt["count_scale"]),
    )
    st.flop(
        "softmax_flops",
        f"Softmax over each row: {opt['softmax_flops']} FLOPs per score as counted",
        sp.Integer(opt["softmax_flops"]) * bh * pairs,
        counted=opt["softmax_flops"] > 0,
    )
    st.matmul(
        "pv_flops", "PV: each output entry sums nk (or unmasked) weighted values", bh * pairs, dv, 1
    )
    # torch.utils.flop_counter.sdpa_backward_flop_count (fused CUDA kernels): five bmms,
    # recomputing QKᵀ. The MATH backend is counted op by op (4 bmms); CPU's fused kernel, 0.
    backward = 2 * bh * nq * nk * (3 * dk + 2 * dv)
    matmul_fwd = 2 * bh * nq * nk * (dk + dv)
    memory = {
        "q": bh * nq * dk,
        "k": bh * nk * dk,
        "v": bh * nk * dv,
        "scores": bh * nq * nk,
        "probs": bh * nq * nk,
        "output": bh * nq * dv,
    }
    memory["total"] = sp.Add(*memory.values())
    st.note(
        "score_memory",
        "Standard attention materialises S and P: 2·b·h·nq·nk elements",
        2 * bh * nq * nk,
        "elements",
    )
    conventions = _softmax_conventions(opt)
    conventions["causal"] = (
        "no mask"
        if not causal
        else (
            "causal: only unmasked pairs counted, nq·(nq+1)/2 per head (current Megatron halves)"
            if skip
            else "causal: all pairs counted, as torch's FLOP counter does"
        )
    )
    conventions["backward"] = (
        "backward as torch.utils.flop_counter counts the fused CUDA kernels: "
        "2·b·h·nq·nk·(3·dk + 2·dv), recomputing QKᵀ (MATH backend: 4 bmms; CPU fused: 0)"
    )
    return st.model(
        memory,
        "O(b·h·nq·nk·(dk + dv))",
        "O(b·h·(nq·nk + nq·dk + nk·dk + nk·dv))",
        conventions,
        total_text="Forward FLOPs",
        extra={
            "backward_flops": backward,
            "backward_ratio": backward / matmul_fwd,
            "training_flops": matmul_fwd + backward,
        },
    )


def _mha_check(values: dict[str, float]) -> None:
    if values["d"] % values["h"]:
        raise CostError(f"d = {values['d']:g} must be divisible by h = {values['h']:g}")


@op(
    "mha",
    "Multi-head attention block (projections + attention)",
    params=(
        _p("b", 1, "batch size"),
        _p("n", 1024, _SIZE),
        _p("d", 512, "model width d_model"),
        _p("h", 8, "heads (d must be divisible by h)"),
    ),
    check=_mha_check,
)
def _mha(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    b, n, d, h = s["b"], s["n"], s["d"], s["h"]
    st = _Steps()
    for name, what in (("q", "Q"), ("k", "K"), ("v", "V")):
        st.matmul(f"{name}_proj_flops", f"{what} = X·W_{what}: (b·n × d)·(d × d)", b * n, d, d)
    st.note(
        "reshape",
        "Split into h heads of size d/h: a reshape and a transpose, 0 FLOPs",
        sp.Integer(0),
        "FLOP",
    )
    st.matmul(
        "qk_flops",
        "Scores QKᵀ per head: b·h·n·n dot products of length d/h",
        b * h * n * n,
        d / h,
        1,
    )
    st.matmul(
        "pv_flops",
        "Weighted values PV per head: b·h·n·(d/h) sums of n terms",
        b * h * n * (d / h),
        n,
        1,
    )
    st.matmul(
        "o_proj_flops", "Concatenate heads (free) and project: (b·n × d)·(d × d)", b * n, d, d
    )
    memory = {
        "weights": 4 * d * d,
        "x": b * n * d,
        "qkv": 3 * b * n * d,
        "scores": b * h * n * n,
        "output": b * n * d,
    }
    memory["total"] = sp.Add(*memory.values())
    st.note(
        "score_memory",
        "Score matrices: b·h·n² elements — heads add memory, not FLOPs",
        b * h * n * n,
        "elements",
    )
    return st.model(
        memory,
        "O(b·n·d² + b·n²·d)",
        "O(d² + b·n·d + b·h·n²)",
        {"flops": MULTIPLY_ADD, "softmax": "softmax and scaling not counted (torch/Megatron)"},
        extra={"projection_flops": 8 * b * n * d**2, "attention_flops": 4 * b * n**2 * d},
    )


@op(
    "layer",
    "One transformer layer (attention + MLP), forward",
    params=(
        _p("b", 1, "batch size"),
        _p("s", 2048, _SIZE),
        _p("d", 4096, "model width"),
        _p("ffn", 4, "MLP expansion factor"),
    ),
)
def _layer(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    b, sl, d, ffn = s["b"], s["s"], s["d"], s["ffn"]
    st = _Steps()
    st.matmul(
        "qkv_flops", "Q, K, V projections: three (b·s × d)·(d × d) products", 3 * b * sl, d, d
    )
    st.matmul(
        "scores_flops",
        "Scores QKᵀ over all heads: b·s·s dot products of length d",
        b * sl * sl,
        d,
        1,
    )
    st.matmul(
        "values_flops",
        "Attention over values: b·s·d outputs, each a sum of s terms",
        b * sl * d,
        sl,
        1,
    )
    st.matmul("out_proj_flops", "Output projection: (b·s × d)·(d × d)", b * sl, d, d)
    st.matmul(
        "mlp_up_flops", "MLP up-projection to ffn·d: (b·s × d)·(d × ffn·d)", b * sl, d, ffn * d
    )
    st.matmul(
        "mlp_down_flops", "MLP down-projection: (b·s × ffn·d)·(ffn·d × d)", b * sl, ffn * d, d
    )
    forward = (8 + 4 * ffn) * b * sl * d**2 + 4 * b * sl**2 * d
    params = (4 + 2 * ffn) * d**2
    memory = {"weights": params, "activations_in": b * sl * d, "scores_per_head": b * sl * sl}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(b·s·d² + b·s²·d)",
        "O(d² + b·s·d + b·s²)",
        {
            "flops": MULTIPLY_ADD,
            "formula": "forward = 24·b·s·d² + 4·b·s²·d for ffn = 4 (Megatron-LM, arXiv 2104.04473)",
            "training": "training ≈ 3× forward (backward ≈ 2× forward); 4× with full recomputation",
            "ignored": "softmax, layer norms, biases, residuals and embeddings are not counted",
        },
        total_text="Forward FLOPs",
        extra={
            "forward_flops": forward,
            "backward_flops": 2 * forward,
            "training_flops": 3 * forward,
            "recompute_training_flops": 4 * forward,
            "params": params,
        },
    )


def _table1(st: _Steps, sequential: sp.Expr, path: sp.Expr, path_text: str) -> None:
    """The two Table 1 columns besides complexity: sequential operations, maximum path."""
    st.note(
        "sequential_ops", "Sequential operations (Vaswani et al. 2017, Table 1)", sequential, "ops"
    )
    st.note("path_length", path_text, path, "layers")


@op(
    "self_attention",
    "Self-attention layer core (Table 1 row)",
    params=(
        _p("n", 100, _SIZE),
        _p("d", 512, "representation size"),
    ),
)
def _self_attention(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d = s["n"], s["d"]
    st = _Steps()
    st.matmul(
        "qk_flops", "Scores QKᵀ: n·n dot products of length d (n²·d multiply-adds)", n * n, d, 1
    )
    st.matmul("pv_flops", "Weighted sum PV: n·d outputs, each a sum of n terms", n * d, n, 1)
    st.note(
        "qk_macs",
        "Table 1's per-layer complexity n²·d counts the multiply-adds of QKᵀ",
        n * n * d,
        "MAC",
    )
    _table1(st, sp.Integer(1), sp.Integer(1), "Maximum path length: any two positions in one step")
    memory = {"q": n * d, "k": n * d, "v": n * d, "scores": n * n, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(memory, "O(n²·d)", "O(n² + n·d)", {"flops": MULTIPLY_ADD})


@op(
    "rnn",
    "Recurrent layer (Table 1 row)",
    params=(
        _p("b", 1, "batch size (sequences run together; Table 1 is one)"),
        _p("n", 100, _SIZE),
        _p("d", 512, "hidden size"),
    ),
)
def _rnn(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    """A batch shares the n sequential steps: it multiplies the work, never the path."""
    b, n, d = s["b"], s["n"], s["d"]
    st = _Steps()
    st.matmul(
        "hidden_flops",
        "Each step multiplies h_{t−1} (b × d) by W_h (d × d): b·n·d² multiply-adds",
        b * n,
        d,
        d,
    )
    st.matmul(
        "input_flops",
        "Each step multiplies x_t (b × d) by W_x (d × d): b·n·d² multiply-adds",
        b * n,
        d,
        d,
    )
    _table1(st, n, n, "Maximum path length: a signal crosses n steps")
    memory = {"weights": 2 * d * d, "states": b * n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(b·n·d²)",
        "O(d² + b·n·d)",
        {
            "flops": MULTIPLY_ADD,
            "ignored": "bias and tanh are not counted",
            "batch": "b sequences step together: FLOPs grow with b, sequential steps do not",
        },
    )


def _conv_check(values: dict[str, float]) -> None:
    if values["k"] < 2:
        raise CostError("k must be at least 2 (log_k n needs k > 1)")


@op(
    "conv",
    "Convolutional layer (Table 1 row)",
    params=(
        _p("n", 100, _SIZE),
        _p("d", 512, "channels"),
        _p("k", 3, "kernel width"),
    ),
    check=_conv_check,
)
def _conv(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d, k = s["n"], s["d"], s["k"]
    st = _Steps()
    st.matmul(
        "conv_flops",
        "Each of n outputs with d channels sums k·d inputs: n·k·d² multiply-adds",
        n * d,
        k * d,
        1,
    )
    st.note("sequential_ops", "Sequential operations (Table 1)", sp.Integer(1), "ops")
    st.note(
        "path_contiguous",
        "Maximum path length with contiguous kernels: n/k stacked layers",
        n / k,
        "layers",
    )
    st.note(
        "path_dilated",
        "Maximum path length with dilated convolutions: log_k(n) layers (Table 1's entry)",
        sp.log(n) / sp.log(k),
        "layers",
    )
    memory = {"weights": k * d * d, "input": n * d, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(memory, "O(k·n·d²)", "O(k·d² + n·d)", {"flops": MULTIPLY_ADD})


@op(
    "separable_conv",
    "Separable convolution",
    params=(
        _p("n", 100, _SIZE),
        _p("d", 512, "channels"),
        _p("k", 3, "kernel width"),
    ),
)
def _separable_conv(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d, k = s["n"], s["d"], s["k"]
    st = _Steps()
    st.matmul(
        "depthwise_flops",
        "Depthwise: each channel convolved on its own, n·d·k multiply-adds",
        n * d,
        k,
        1,
    )
    st.matmul(
        "pointwise_flops", "Pointwise 1×1 convolution mixes channels: n·d² multiply-adds", n, d, d
    )
    st.note("sequential_ops", "Sequential operations", sp.Integer(1), "ops")
    memory = {"weights": k * d + d * d, "input": n * d, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(memory, "O(k·n·d + n·d²)", "O(k·d + d² + n·d)", {"flops": MULTIPLY_ADD})


@op(
    "restricted",
    "Restricted self-attention, neighbourhood r (Table 1 row)",
    params=(
        _p("n", 100, _SIZE),
        _p("d", 512, "representation size"),
        _p("r", 16, "neighbourhood size"),
    ),
)
def _restricted(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d, r = s["n"], s["d"], s["r"]
    st = _Steps()
    st.matmul(
        "qk_flops",
        "Scores: each query against r neighbours, n·r dot products of length d",
        n * r,
        d,
        1,
    )
    st.matmul("pv_flops", "Weighted sum over the r neighbours: n·d outputs of r terms", n * d, r, 1)
    _table1(st, sp.Integer(1), n / r, "Maximum path length: n/r hops of width r")
    memory = {"q": n * d, "k": n * d, "v": n * d, "scores": n * r, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(memory, "O(r·n·d)", "O(n·r + n·d)", {"flops": MULTIPLY_ADD})


@op(
    "kv_cache",
    "KV cache (MHA, GQA, MQA)",
    params=(
        _p("layers", 32, "transformer layers"),
        _p("kv_heads", 32, "KV heads (h for MHA, groups for GQA, 1 for MQA)"),
        _p("d_head", 128, "size per head"),
        _p("tokens", 4096, "cached tokens per sequence"),
        _p("batch", 1, "sequences"),
    ),
)
def _kv_cache(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    layers, kvh, dh, tokens, batch = (
        s[x] for x in ("layers", "kv_heads", "d_head", "tokens", "batch")
    )
    st = _Steps()
    per_token = 2 * layers * kvh * dh
    st.note(
        "per_token_elements",
        "Per token: K and V (×2), in every layer, for every KV head, d_head values each",
        per_token,
        "elements",
    )
    total = per_token * tokens * batch
    st.note("total_elements", "For all tokens of every sequence in the batch", total, "elements")
    memory = {"per_token": per_token, "per_sequence": per_token * tokens, "total": total}
    return st.model(
        memory,
        "O(layers·kv_heads·d_head·tokens·batch)",
        "O(layers·kv_heads·d_head·tokens·batch)",
        {
            "heads": "MHA: kv_heads = h; GQA: kv_heads = number of groups; MQA: kv_heads = 1",
            "factor 2": "K and V are both cached",
        },
    )


#: Hoffmann et al. 2022 (arXiv 2203.15556, Table 3): Chinchilla's 70B parameters on 1.4T tokens.
CHINCHILLA_TOKENS_PER_PARAM = 20


@op(
    "training",
    "Training compute C ≈ 6·N·D",
    params=(
        _p("params", 7e9, "parameters N", integer=False),
        _p("tokens", 1e12, "training tokens D", integer=False),
        _p(
            "baseline",
            3.14e23,
            "compute of a run to compare with, FLOPs (default GPT-3's 3.14e23, Brown et al. "
            "2020, Table D.1)",
            integer=False,
        ),
    ),
)
def _training(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n_params, tokens = s["params"], s["tokens"]
    st = _Steps()
    st.flop(
        "forward_flops",
        "Forward: 2 FLOPs per parameter per token (one multiply-add)",
        2 * n_params * tokens,
    )
    st.flop("backward_flops", "Backward: about twice the forward, 4·N·D", 4 * n_params * tokens)
    c = st.total("Training FLOPs C ≈ 6·N·D")
    st.note("times_baseline", "C over the baseline run's compute", c / s["baseline"], "")
    per_param = st.note(
        "tokens_per_param", "Training tokens per parameter, D/N", tokens / n_params, ""
    )
    st.note(
        "times_chinchilla",
        f"In units of Chinchilla's compute-optimal {CHINCHILLA_TOKENS_PER_PARAM} tokens per "
        "parameter (above 1: over-trained)",
        per_param / CHINCHILLA_TOKENS_PER_PARAM,
        "",
    )
    st.note(
        "breakeven_tokens",
        "Served tokens at 2·N FLOPs each whose compute equals training's: C/(2·N) = 3·D",
        c / (2 * n_params),
        "tokens",
    )
    return st.model(
        {},
        "O(N·D)",
        "O(N)",
        {
            "formula": "C ≈ 6·N·D (Kaplan et al. 2020, arXiv 2001.08361); attention FLOPs ignored",
            "recompute": (
                "full activation recomputation runs the forward again: recompute_flops = 8·N·D "
                "(Narayanan et al. 2021, arXiv 2104.04473, §5.1)"
            ),
        },
        total_text="Training FLOPs C ≈ 6·N·D",
        extra={"recompute_flops": 8 * n_params * tokens},
    )


@op(
    "inference",
    "Inference compute ≈ 2·N per token (+ attention)",
    params=(
        _p("params", 7e9, "parameters N", integer=False),
        _p("tokens", 1, "generated tokens"),
        _p("n", 0, "context length (0: ignore attention)", allow_zero=True),
        _p("d", 0, "model width (0: ignore attention)", allow_zero=True),
        _p("layers", 0, "layers (0: ignore attention)", allow_zero=True),
    ),
)
def _inference(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n_params, tokens, n, d, layers = (s[x] for x in ("params", "tokens", "n", "d", "layers"))
    st = _Steps()
    st.flop("weight_flops", "2 FLOPs per parameter per generated token", 2 * n_params * tokens)
    st.flop(
        "attention_flops",
        "Attention over the context: 2·layers·n·d per token (0 when n, d, layers are not given)",
        2 * layers * n * d * tokens,
    )
    return st.model(
        {},
        "O(N·tokens + layers·n·d·tokens)",
        "O(N)",
        {
            "formula": "forward ≈ 2·N + 2·L·n_ctx·d FLOPs per token (Kaplan et al. 2020, Table 1)",
            "attention": "Kaplan's term counts the QKᵀ logits only; P·V over the cache adds as much again",
        },
        extra={"per_token_flops": 2 * n_params + 2 * layers * n * d},
    )


@op(
    "flash",
    "FlashAttention (one head)",
    params=(
        _p("n", 4096, _SIZE),
        _p("d", 64, "head size"),
        _p("sram", 25000, "on-chip SRAM M, in elements"),
    ),
)
def _flash(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d, m = s["n"], s["d"], s["sram"]
    st = _Steps()
    st.matmul("qk_flops", "QKᵀ, block by block: still n·n dot products of length d", n * n, d, 1)
    st.matmul("pv_flops", "PV, accumulated per block: n·d outputs of n terms", n * d, n, 1)
    st.note(
        "extra_memory",
        "Extra memory: the running max m and sum ℓ per query (2·n), not the n×n matrix",
        2 * n,
        "elements",
    )
    st.note(
        "standard_extra_memory",
        "Standard attention stores S and P: 2·n² elements",
        2 * n * n,
        "elements",
    )
    st.note(
        "hbm_standard", "HBM accesses, standard attention: Θ(n·d + n²)", n * d + n * n, "elements"
    )
    st.note("hbm_flash", "HBM accesses, FlashAttention: Θ(n²·d²/M)", n**2 * d**2 / m, "elements")
    memory = {"inputs": 3 * n * d, "output": n * d, "statistics": 2 * n}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(n²·d)",
        "O(n·d)",
        {
            "flops": MULTIPLY_ADD + "; FlashAttention cuts memory traffic, not FLOPs",
            "hbm": "Θ bounds, constants omitted (Dao et al. 2022, arXiv 2205.14135, Thm 2); d ≤ M ≤ n·d",
        },
        extra={"hbm_ratio": (n * d + n * n) / (n**2 * d**2 / m)},
    )


@op(
    "lsh",
    "LSH attention (Reformer)",
    params=(
        _p("n", 65536, _SIZE),
        _p("d", 64, "head size"),
        _p("chunk", 64, "chunk size"),
        _p("rounds", 1, "hashing rounds"),
    ),
)
def _lsh(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d, c, rounds = s["n"], s["d"], s["chunk"], s["rounds"]
    st = _Steps()
    st.note(
        "sort_ops",
        "Sort the n hashed positions into buckets: n·log₂n comparisons per round",
        rounds * n * sp.log(n, 2),
        "ops",
    )
    st.matmul(
        "qk_flops",
        "Each query attends within its chunk and the previous one: 2·chunk keys",
        rounds * n * 2 * c,
        d,
        1,
    )
    st.matmul("pv_flops", "Weighted values over the same 2·chunk keys", rounds * n * d, 2 * c, 1)
    memory = {"qk": n * d, "v": n * d, "scores": rounds * n * 2 * c, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(n·log n)",
        "O(n)",
        {
            "model": "Reformer LSH attention (arXiv 2001.04451): sorting dominates, chunk and d fixed"
        },
    )


@op(
    "window",
    "Sliding-window + global attention (Longformer, BigBird)",
    params=(
        _p("n", 4096, _SIZE),
        _p("d", 64, "head size"),
        _p("w", 512, "window size"),
        _p("g", 0, "global tokens", allow_zero=True),
    ),
)
def _window(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d, w, g = s["n"], s["d"], s["w"], s["g"]
    st = _Steps()
    pairs = n * w + 2 * g * n
    st.note(
        "pairs",
        "Pairs: n·w in the sliding windows plus 2·g·n for g global tokens that see and are seen by all",
        pairs,
        "elements",
    )
    st.matmul("qk_flops", "Scores for those pairs: dot products of length d", pairs, d, 1)
    st.matmul("pv_flops", "Weighted values over the same pairs", pairs, d, 1)
    memory = {"scores": pairs, "qkv": 3 * n * d, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(n·(w + g)·d)",
        "O(n·(w + g) + n·d)",
        {"model": "Longformer/BigBird-style sliding window + global tokens; overlaps ignored"},
    )


@op(
    "linformer",
    "Linformer (sequence projected to k)",
    params=(
        _p("n", 4096, _SIZE),
        _p("d", 64, "head size"),
        _p("k", 256, "projected length"),
    ),
)
def _linformer(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d, k = s["n"], s["d"], s["k"]
    st = _Steps()
    st.matmul("k_proj_flops", "Project K along the sequence: E (k×n)·K (n×d)", k, n, d)
    st.matmul("v_proj_flops", "Project V along the sequence: F (k×n)·V (n×d)", k, n, d)
    st.matmul("qk_flops", "Scores Q·(EK)ᵀ: n×k", n, d, k)
    st.matmul("pv_flops", "Weighted values P·(FV): n×d", n, k, d)
    memory = {"scores": n * k, "qkv": 3 * n * d, "projections": 2 * k * n, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(memory, "O(n·k·d)", "O(n·k + n·d)", {"model": "Linformer (arXiv 2006.04768)"})


@op(
    "linear",
    "Kernelized linear attention",
    params=(
        _p("n", 4096, _SIZE),
        _p("d", 64, "head size"),
    ),
)
def _linear(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d = s["n"], s["d"]
    st = _Steps()
    st.matmul("kv_flops", "φ(K)ᵀ·V: (d × n)·(n × d), summed once for all queries", d, n, d)
    st.flop("ksum_flops", "z = Σ φ(k_j): n·d adds", n * d)
    st.matmul("num_flops", "Numerators φ(Q)·(φ(K)ᵀV): (n × d)·(d × d)", n, d, d)
    st.matmul("den_flops", "Denominators φ(Q)·z: n dot products of length d", n, d, 1)
    memory = {"kv_state": d * d, "z": d, "qkv": 3 * n * d, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(n·d²)",
        "O(n·d + d²)",
        {"model": "kernelized linear attention, feature map φ of size d, its own cost not counted"},
    )


@op(
    "sparse",
    "Sparse Transformer (strided)",
    params=(
        _p("n", 4096, _SIZE),
        _p("d", 64, "head size"),
    ),
)
def _sparse(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, d = s["n"], s["d"]
    st = _Steps()
    keys = 2 * sp.sqrt(n)
    st.note(
        "keys_per_query",
        "Strided pattern: √n keys in the row plus √n in the column",
        keys,
        "elements",
    )
    st.matmul("qk_flops", "Scores for n·2√n pairs", n * keys, d, 1)
    st.matmul("pv_flops", "Weighted values over the same pairs", n * d, keys, 1)
    memory = {"scores": n * keys, "qkv": 3 * n * d, "output": n * d}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(n·√n·d)",
        "O(n·√n + n·d)",
        {"model": "Sparse Transformer strided attention (arXiv 1904.10509), stride √n"},
    )


@op(
    "distance_attention",
    "Distance-based attention −½‖q−k‖² (D2L)",
    params=(
        _p("nq", 1024, "queries"),
        _p("nk", 1024, "keys"),
        _p("d", 64, "query/key size"),
        _p("dv", 64, "value size"),
    ),
)
def _distance(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    nq, nk, d, dv = s["nq"], s["nk"], s["d"], s["dv"]
    st = _Steps()
    st.matmul("qk_flops", "qᵀk for every pair: nq·nk dot products of length d", nq * nk, d, 1)
    st.flop(
        "key_norm_flops", "−½‖k‖² once per key: d multiply-adds and one halving", nk * (2 * d + 1)
    )
    st.flop("bias_flops", "Add −½‖k‖² to each score (‖q‖² cancels in the softmax)", nq * nk)
    st.matmul("pv_flops", "Weighted values: nq·dv outputs of nk terms", nq * dv, nk, 1)
    st.note(
        "naive_flops",
        "Computing ‖q − k‖² pair by pair instead: subtract, square, add, 3·d per pair",
        3 * nq * nk * d,
        "FLOP",
    )
    memory = {"q": nq * d, "k": nk * d, "v": nk * dv, "key_norms": nk, "scores": nq * nk}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(nq·nk·(d + dv))",
        "O(nq·nk + (nq + nk)·d + nk·dv)",
        {"flops": MULTIPLY_ADD, "identity": "−½‖q−k‖² = qᵀk − ½‖k‖² − ½‖q‖² (D2L §11.3)"},
    )


@op(
    "proj_attention",
    "Queries and keys of different sizes through W (dq×dk) (D2L)",
    params=(
        _p("nq", 1024, "queries"),
        _p("nk", 1024, "keys"),
        _p("dq", 32, "query size"),
        _p("dk", 64, "key size"),
        _p("dv", 64, "value size"),
    ),
    options=(
        Option("order", "queries", "which side to project through W first", ("queries", "keys")),
    ),
)
def _proj(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    nq, nk, dq, dk, dv = (s[x] for x in ("nq", "nk", "dq", "dk", "dv"))
    st = _Steps()
    queries_first = 2 * nq * dq * dk + 2 * nq * nk * dk
    keys_first = 2 * nk * dk * dq + 2 * nq * nk * dq
    if opt["order"] == "queries":
        st.matmul("proj_flops", "Q·W: (nq × dq)·(dq × dk), once per query", nq, dq, dk)
        st.matmul("qk_flops", "(QW)·Kᵀ: nq·nk dot products of length dk", nq * nk, dk, 1)
    else:
        st.matmul("proj_flops", "W·K: (nk × dk)·(dk × dq), once per key", nk, dk, dq)
        st.matmul("qk_flops", "Q·(WK)ᵀ: nq·nk dot products of length dq", nq * nk, dq, 1)
    st.matmul("pv_flops", "Weighted values: nq·dv outputs of nk terms", nq * dv, nk, 1)
    memory = {"q": nq * dq, "k": nk * dk, "v": nk * dv, "w": dq * dk, "scores": nq * nk}
    memory["total"] = sp.Add(*memory.values())
    return st.model(
        memory,
        "O(nq·nk·(min(dq, dk) + dv) + (nq + nk)·dq·dk)",
        "O(nq·nk + nq·dq + nk·dk + dq·dk)",
        {"flops": MULTIPLY_ADD, "order": f"project the {opt['order']} through W first"},
        extra={"queries_first_flops": queries_first, "keys_first_flops": keys_first},
    )


# --------------------------------------------------------------------------- training at scale
# Training memory, activations, communication, pipeline bubbles, compute budgets and MFU
# (issue 12). Formulas and sources: ZeRO (arXiv 1910.02054), Korthikanti et al. 2022
# (arXiv 2205.05198), Megatron-LM (arXiv 1909.08053, 2104.04473), Chinchilla
# (arXiv 2203.15556), PaLM (arXiv 2204.02311, App. B).


def _zero_check(values: dict[str, float]) -> None:
    if values["zero"] not in (0, 1, 2, 3):
        raise CostError(f"zero must be a ZeRO stage 0, 1, 2 or 3, got {values['zero']:g}")


@op(
    "train_memory",
    "Training memory per GPU: mixed-precision Adam, ZeRO stages 0–3",
    params=(
        _p("params", 7.5e9, "parameters Ψ", integer=False),
        _p(
            "zero",
            0,
            "ZeRO stage: 0 none, 1 optimizer states, 2 + gradients, 3 + weights partitioned",
            allow_zero=True,
        ),
        _p("gpus", 64, "data-parallel GPUs N_d the states are partitioned over"),
        _p(
            "budget",
            80e9,
            "bytes per GPU you allow the model states (zero3_min_gpus)",
            integer=False,
        ),
    ),
    options=(Option("zero", 0, "set from the zero parameter", (0, 1, 2, 3)),),
    check=_zero_check,
)
def _train_memory(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    psi, gpus = s["params"], s["gpus"]
    stage = int(opt["zero"])
    st = _Steps()

    def held(first_stage: int, what: str) -> tuple[sp.Expr, str]:
        """Partitioned over the GPUs from ZeRO stage `first_stage` on, else replicated."""
        if stage >= first_stage:
            return 1 / gpus, f"{what}, partitioned: ÷ gpus (ZeRO-{first_stage} and up)"
        return sp.Integer(1), f"{what}, replicated on every GPU"

    share, text = held(3, "fp16 weights, 2 bytes per parameter")
    weights = st.note("weight_bytes", text, 2 * psi * share, "B")
    share, text = held(2, "fp16 gradients, 2 bytes per parameter")
    grads = st.note("gradient_bytes", text, 2 * psi * share, "B")
    share, text = held(
        1, "Adam states in fp32: master weights, momentum, variance, 4 + 4 + 4 = 12 bytes"
    )
    optimizer = st.note("optimizer_bytes", text, 12 * psi * share, "B")
    total = st.note(
        "total_bytes", f"Per GPU with ZeRO stage {stage}", weights + grads + optimizer, "B"
    )
    unpartitioned = st.note(
        "unpartitioned_bytes",
        "Without ZeRO every GPU holds all of it: 2 + 2 + 12 = 16 bytes per parameter",
        16 * psi,
        "B",
    )
    st.note(
        "zero3_min_gpus",
        "Fewest GPUs for ZeRO-3's 16·Ψ/N_d to fit the budget: ⌈16·Ψ / budget⌉",
        sp.ceiling(unpartitioned / s["budget"]),
        "GPUs",
    )
    return st.model(
        {},
        "O(Ψ)",
        "O(Ψ/N_d)" if stage == 3 else "O(Ψ)",
        {
            "model": "mixed-precision Adam (ZeRO, Rajbhandari et al. 2020, arXiv 1910.02054, §3)",
            "ignored": "activations, temporary buffers and fragmentation are not counted",
        },
        extra={"bytes_per_param": total / psi},
        fixed_bytes={
            "weights": weights,
            "gradients": grads,
            "optimizer": optimizer,
            "total": total,
        },
    )


def _activations_check(values: dict[str, float]) -> None:
    if values["sp"] not in (0, 1):
        raise CostError("sp must be 0 or 1 (sequence parallelism off or on)")


@op(
    "activations",
    "Activation memory of a transformer (Korthikanti et al. 2022)",
    params=(
        _p("s", 2048, _SIZE),
        _p("b", 1, "micro-batch size"),
        _p("d", 12288, "hidden size h"),
        _p("heads", 96, "attention heads a"),
        _p("layers", 96, "transformer layers"),
        _p("tp", 1, "tensor-parallel size t"),
        _p(
            "sp", 0, "1 with sequence parallelism (needs tp > 1 to matter), else 0", allow_zero=True
        ),
    ),
    options=(
        Option(
            "recompute",
            "none",
            "activation recomputation: none, selective (attention core) or full",
            ("none", "selective", "full"),
        ),
        Option("sp", 0, "set from the sp parameter", (0, 1)),
    ),
    check=_activations_check,
)
def _activations(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    sl, b, h, a, layers, t = (s[x] for x in ("s", "b", "d", "heads", "layers", "tp"))
    seq_par, mode = bool(opt["sp"]), opt["recompute"]
    sbh = sl * b * h
    st = _Steps()
    st.note(
        "attention_block_bytes",
        "Attention block: QKV input 2·sbh, Q and K 4·sbh, softmax output 2·a·s²·b, its dropout "
        "mask a·s²·b, dropout output 2·a·s²·b, V 2·sbh, output-projection input 2·sbh, "
        "dropout mask sbh",
        11 * sbh + 5 * a * sl**2 * b,
        "B",
    )
    st.note(
        "mlp_bytes",
        "MLP: input 2·sbh, GeLU input 8·sbh, GeLU output 8·sbh, dropout mask sbh",
        19 * sbh,
        "B",
    )
    st.note("layernorm_bytes", "Two layer norms keep their inputs: 4·sbh", 4 * sbh, "B")
    unsplit = st.note(
        "unsplit_bytes",
        "Per layer, no parallelism, no recomputation: sbh·(34 + 5·a·s/h)",
        sbh * (34 + 5 * a * sl / h),
        "B",
    )
    st.note(
        "attention_share",
        "Share of the attention core 5·a·s²·b in it: (5·a·s/h) / (34 + 5·a·s/h)",
        5 * a * sl**2 * b / unsplit,
        "",
    )
    if mode == "full":
        per_layer = 2 * sbh
        text = "Full recomputation keeps only each layer's input, 2·sbh; the rest is recomputed"
    elif mode == "selective":
        per_layer = 34 * sbh / t if seq_par else sbh * (10 + 24 / t)
        text = (
            "Selective recomputation drops the 5·a·s²·b attention terms and recomputes them; "
            + (
                "sequence parallel splits the rest t ways: 34·sbh/t"
                if seq_par
                else "the 10·sbh outside the tensor-parallel regions stays whole: sbh·(10 + 24/t)"
            )
        )
    elif seq_par:
        per_layer = sbh * (34 + 5 * a * sl / h) / t
        text = "Tensor + sequence parallel: everything is split t ways, sbh·(34 + 5·a·s/h)/t"
    else:
        per_layer = sbh * (10 + 24 / t + 5 * a * sl / (h * t))
        text = (
            "Tensor parallel t splits 24·sbh and the attention terms; layer norms, dropout masks "
            "and block inputs (10·sbh) are replicated: sbh·(10 + 24/t + 5·a·s/(h·t))"
        )
    per_layer = st.note("per_layer_bytes", text, per_layer, "B")
    total = st.note("total_bytes", "All layers: layers × per layer", layers * per_layer, "B")
    rounds = 3 if mode == "full" else 2  # forward, backward, and the forward again when full
    st.note(
        "tp_allreduces",
        "Tensor-parallel all-reduces per training step: one after attention and one after the "
        "MLP in each forward (g), the same two in the backward (f)"
        + (", and the forward's two again for full recomputation" if mode == "full" else "")
        + (
            "; sequence parallel turns each into a reduce-scatter plus an all-gather"
            if seq_par
            else ""
        )
        + "; none when tp = 1",
        rounds * 2 * layers * sp.Min(1, t - 1),
        "all-reduces",
    )
    return st.model(
        {},
        "O(L·s·b·h + L·a·s²·b)",
        "O(L·s·b·h + L·a·s²·b)" if mode == "none" else "O(L·s·b·h)",
        {
            "model": (
                "16-bit activations, 1-byte dropout masks, per GPU (Korthikanti et al. 2022, "
                "arXiv 2205.05198, §4 and Table 2); embeddings and the output layer not counted"
            ),
            "recompute": (
                f"{mode}: full recomputation costs one more forward pass, 8·N instead of 6·N "
                "FLOPs per token; selective recomputes only the attention core"
            ),
        },
        fixed_bytes={"per_layer": per_layer, "total": total},
    )


def _allreduce_check(values: dict[str, float]) -> None:
    if values["gpus"] < 2:
        raise CostError("an all-reduce needs at least 2 GPUs")


@op(
    "allreduce",
    "Ring all-reduce: bytes each GPU sends, and the time",
    params=(
        _p("bytes", 1e9, "size X of the buffer reduced (e.g. the gradients)", integer=False),
        _p("gpus", 8, "GPUs p in the ring"),
        _p(
            "bandwidth",
            100e9,
            "bytes per second each GPU sends (and receives) at once",
            integer=False,
        ),
    ),
    check=_allreduce_check,
)
def _allreduce(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    x, p, bw = s["bytes"], s["gpus"], s["bandwidth"]
    st = _Steps()
    st.note("chunk_bytes", "The buffer is cut into p chunks of X/p bytes", x / p, "B")
    st.note(
        "steps",
        "Sequential send/receive steps: p − 1 to reduce-scatter, p − 1 to all-gather; each "
        "pays the link latency α",
        2 * (p - 1),
        "steps",
    )
    rs = st.note(
        "reduce_scatter_bytes",
        "Reduce-scatter: p − 1 steps, each sending one chunk to the next GPU",
        (p - 1) * x / p,
        "B",
    )
    st.note(
        "all_gather_bytes",
        "All-gather of the reduced chunks: another p − 1 steps of one chunk",
        (p - 1) * x / p,
        "B",
    )
    per_gpu = st.note(
        "bytes_per_gpu",
        "Each GPU sends (and receives) 2·(p − 1)/p·X, almost 2·X however large p is",
        2 * rs,
        "B",
    )
    st.note(
        "seconds", "Time at the per-GPU bandwidth: bytes_per_gpu / bandwidth", per_gpu / bw, "s"
    )
    st.note(
        "naive_bytes",
        "For contrast, sending the whole buffer to each of the p − 1 others: (p − 1)·X",
        (p - 1) * x,
        "B",
    )
    return st.model(
        {},
        "O(X)",
        "O(X)",
        {
            "model": "bandwidth term of the ring algorithm; latency α·2(p − 1) is ignored",
            "bandwidth": "per GPU, one direction; links are full duplex",
        },
    )


@op(
    "pipeline_bubble",
    "Pipeline bubble of 1F1B / GPipe schedules (optionally interleaved)",
    params=(
        _p("stages", 4, "pipeline stages p"),
        _p("microbatches", 8, "micro-batches m per batch"),
        _p("chunks", 1, "model chunks v per device (interleaved schedule; 1: none)"),
        _p(
            "target",
            0.1,
            "largest bubble you accept, relative to the ideal time (microbatches_needed)",
            integer=False,
        ),
    ),
)
def _pipeline_bubble(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    p, m, v = s["stages"], s["microbatches"], s["chunks"]
    st = _Steps()
    unit = "microbatch times"
    st.note("ideal_time", "Ideal time: m micro-batches, forward and backward", m, unit)
    bubble = st.note(
        "bubble_time",
        "Fill and drain: p − 1 idle slots, shortened v-fold by interleaving",
        (p - 1) / v,
        unit,
    )
    st.note("bubble_ratio", "Bubble relative to the ideal time: (p − 1)/(v·m)", bubble / m, "")
    st.note(
        "microbatches_needed",
        "Micro-batches for a bubble of at most target × the ideal time: m ≥ (p − 1)/(v·target) "
        "(the fewest is the next whole number)",
        (p - 1) / (v * s["target"]),
        "microbatches",
    )
    st.note(
        "bubble_fraction",
        "Bubble as a fraction of the total time: (p − 1)/(v·m + p − 1)",
        (p - 1) / (v * m + p - 1),
        "",
    )
    return st.model(
        {},
        "O(m + p)",
        "O(m)",
        {
            "model": "Narayanan et al. 2021, arXiv 2104.04473, §2.2: equal stages, t_f + t_b per slot",
            "fraction": "bubble_fraction is of the total time; bubble_ratio of the ideal time",
        },
    )


def _chinchilla_check(values: dict[str, float]) -> None:
    n_opt = (values["compute"] / (6 * CHINCHILLA_TOKENS_PER_PARAM)) ** 0.5
    if values["extra_compute"] > 0 and values["params"] >= n_opt:
        raise CostError(
            f"payoff_tokens needs a model smaller than N_opt = {n_opt:.4g}; "
            f"params = {values['params']:g} saves nothing per served token"
        )


@op(
    "chinchilla",
    "Compute-optimal model and data size (Chinchilla, ≈ 20 tokens per parameter)",
    params=(
        _p("compute", 5.88e23, "training compute C in FLOPs", integer=False),
        _p(
            "baseline",
            5.88e23,
            "a smaller budget C₀ to compare with: params_growth = N_opt(C)/N_opt(C₀) "
            "(default: compute)",
            integer=False,
            same_as="compute",
        ),
        _p(
            "params",
            0,
            "a model size N to compare with N_opt (size_ratio); for payoff_tokens, a smaller "
            "model trained longer to the same quality (0: none)",
            integer=False,
            allow_zero=True,
        ),
        _p(
            "extra_compute",
            0,
            "extra training FLOPs ΔC the smaller model needs to match N_opt's quality",
            integer=False,
            allow_zero=True,
        ),
    ),
    check=_chinchilla_check,
)
def _chinchilla(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    c = s["compute"]
    ratio = CHINCHILLA_TOKENS_PER_PARAM
    st = _Steps()
    st.note(
        "tokens_per_param",
        f"Compute-optimal: about {ratio} training tokens per parameter",
        sp.Integer(ratio),
        "",
    )
    st.note(
        "c_over_120",
        f"C = 6·N·D with D = {ratio}·N is C = {6 * ratio}·N², so N² = C/{6 * ratio}",
        c / (6 * ratio),
        "",
    )
    n = st.note(
        "params_opt", f"Parameters N_opt = √(C/{6 * ratio})", sp.sqrt(c / (6 * ratio)), "params"
    )
    st.note("tokens_opt", f"Tokens D_opt = {ratio}·N_opt", ratio * n, "tokens")
    st.note(
        "params_growth",
        "N_opt and D_opt both grow as √C: N_opt(C)/N_opt(baseline) = √(C/baseline)",
        sp.sqrt(c / s["baseline"]),
        "",
    )
    st.note("size_ratio", "A model of N = params over N_opt", s["params"] / n, "")
    st.note(
        "payoff_tokens",
        "Each served token saves 2·(N_opt − params) FLOPs; tokens until that repays "
        "extra_compute: ΔC/(2·(N_opt − params))",
        s["extra_compute"] / (2 * (n - s["params"])),
        "tokens",
    )
    return st.model(
        {},
        "O(√C) for both N_opt and D_opt",
        "O(1)",
        {
            "model": "Hoffmann et al. 2022, arXiv 2203.15556: N and D scale equally with C",
            "rule": "20 tokens per parameter is the rule of thumb from Table 3 (70B on 1.4T)",
        },
    )


@op(
    "mfu",
    "Model FLOPs utilisation (PaLM, with the attention term)",
    params=(
        _p("params", 540.35e9, "parameters N", integer=False),
        _p("tokens_per_second", 238.3e3, "training throughput in tokens/s", integer=False),
        _p("gpus", 6144, "accelerators"),
        _p("peak", 275e12, "peak FLOP/s of one accelerator (dense, 16-bit)", integer=False),
        _p("layers", 118, "layers L (0: leave out attention)", allow_zero=True),
        _p(
            "d",
            12288,
            "attention width H·Q, heads × head size (d_model in most models; 48·256 in "
            "PaLM 540B, whose d_model is 18,432); 0 leaves out attention",
            allow_zero=True,
        ),
        _p("seq", 2048, "sequence length T (0: leave out attention)", allow_zero=True),
        _p(
            "target",
            0.4,
            "an MFU to plan for, 0–1: the throughput it needs is target_tokens_per_second",
            integer=False,
        ),
    ),
)
def _mfu(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    n, tps, gpus, peak = s["params"], s["tokens_per_second"], s["gpus"], s["peak"]
    layers, d, seq = s["layers"], s["d"], s["seq"]
    st = _Steps()
    dense = st.note("dense_flops_per_token", "Weights: 6·N FLOPs per token", 6 * n, "FLOP")
    attention = st.note(
        "attention_flops_per_token",
        "Attention (QKᵀ and PV, forward and backward): 12·L·H·Q·T per token, H·Q = d",
        12 * layers * d * seq,
        "FLOP",
    )
    per_token = st.note("flops_per_token", "Model FLOPs per token", dense + attention, "FLOP")
    st.note(
        "attention_share",
        "Attention's share of the model FLOPs: 12·L·H·Q·T / (6·N + 12·L·H·Q·T)",
        attention / per_token,
        "",
    )
    achieved = st.note(
        "model_flops_per_second",
        "Model FLOP/s: tokens/s × FLOPs per token",
        tps * per_token,
        "FLOP/s",
    )
    available = st.note("peak_flops_per_second", "Peak: accelerators × peak", gpus * peak, "FLOP/s")
    st.note("mfu", "MFU = model FLOP/s / peak FLOP/s", achieved / available, "")
    st.note("mfu_without_attention", "MFU counting 6·N only", tps * dense / available, "")
    st.note(
        "target_tokens_per_second",
        "Throughput at the target MFU: target × peak FLOP/s / FLOPs per token",
        s["target"] * available / per_token,
        "tokens/s",
    )
    return st.model(
        {},
        "O(N + L·d·T) per token",
        "O(1)",
        {
            "model": "Chowdhery et al. 2022, PaLM, arXiv 2204.02311, App. B: 6·N + 12·L·H·Q·T",
            "mfu": "model FLOPs only: rematerialisation is not credited (that would be HFU)",
        },
    )


# --------------------------------------------------------------------------- API


def get_op(name: str) -> Op:
    """The operation called `name`, or a CostError that lists the valid ones."""
    try:
        return OPS[name]
    except KeyError:
        raise CostError(f"unknown operation {name!r}; choose one of: {', '.join(OPS)}") from None


def _resolve_options(op: Op, options: Mapping[str, Any]) -> dict[str, Any]:
    known = {o.name: o for o in op.options}
    unknown = set(options) - set(known)
    if unknown:
        valid = ", ".join(known) or "none"
        raise CostError(f"{op.name} has no option {sorted(unknown)[0]!r}; options: {valid}")
    resolved = {o.name: o.default for o in op.options}
    for name, value in options.items():
        resolved[name] = known[name].read(value)
    return resolved


@cache
def _symbolic(name: str, frozen_options: tuple[tuple[str, Any], ...]) -> Model:
    op = OPS[name]
    symbols = {p.name: sp.Symbol(p.name, positive=True) for p in op.params}
    return op.build(symbols, dict(frozen_options))


def model(name: str, **options: Any) -> Model:
    """The symbolic model of `name` (cached per option set)."""
    op = get_op(name)
    resolved = _resolve_options(op, options)
    return _symbolic(name, tuple(sorted(resolved.items())))


def formula(name: str, quantity: str, **options: Any) -> sp.Expr:
    """A quantity's symbolic expression, in the operation's parameter symbols."""
    m = model(name, **options)
    if quantity == "flops":
        return m.flops
    if quantity == "macs":
        return m.macs
    group, _, key = quantity.partition(".")
    if group == "memory" and key in m.memory:
        return m.memory[key]
    if group == "bytes" and key in m.fixed_bytes:
        return m.fixed_bytes[key]
    if quantity in m.extra:
        return m.extra[quantity]
    raise CostError(f"{name} has no symbolic quantity {quantity!r}")


def quantities(name: str, **options: Any) -> list[str]:
    """Every quantity name `Cost.quantity` accepts for this operation."""
    m = model(name, **options)
    names = ["flops", "macs"]
    names += [f"memory.{k}" for k in m.memory] + [f"bytes.{k}" for k in m.memory]
    names += [f"bytes.{k}" for k in m.fixed_bytes if k not in m.memory]
    return names + list(m.extra)


def _check_params(op: Op, params: Mapping[str, Any]) -> dict[str, float]:
    known = {p.name: p for p in op.params}
    values: dict[str, float] = {}
    for name, raw in params.items():
        if name not in known:
            raise CostError(f"{op.name} has no parameter {name!r}; parameters: {', '.join(known)}")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise CostError(f"{name} must be a number, got {raw!r}") from None
        p = known[name]
        if not value == value or value in (float("inf"), float("-inf")):
            raise CostError(f"{name} must be a finite number, got {raw!r}")
        if value < 0 or (value == 0 and not p.allow_zero):
            raise CostError(f"{name} must be a positive number, got {raw!r}")
        values[name] = value
    defaults = {p.name: p.default for p in op.params}
    return {
        p.name: values.get(p.name, values.get(p.same_as, defaults[p.same_as]))
        if p.same_as
        else values.get(p.name, p.default)
        for p in op.params
    }


def _number(expr: sp.Expr, values: dict[str, Exact]) -> float:
    """Through the formula core: exact integers stay `int` (a 10¹² FLOP count is exact to
    the last FLOP), anything else is a float."""
    return number(evaluate(expr, values))


def _figure(m: Model, name: str | None, expr: sp.Expr, values: dict[str, Exact]) -> float:
    """A named figure's value; infinite for a threshold that is never reached."""
    reached = m.reached_when.get(name or "")
    if reached is not None and evaluate(reached, values) <= 0:
        return math.inf
    return _number(expr, values)


def compute(
    name: str, params: Mapping[str, Any] | None = None, *, dtype: str = "fp32", **options: Any
) -> Cost:
    """Evaluate operation `name` for the given parameters (defaults for the rest).

    A `dtype` given among the parameters (as `quizapp calc kv_cache dtype=fp16` allows)
    takes precedence over the keyword.
    """
    op = get_op(name)
    params = dict(params or {})
    if "dtype" in params:
        dtype = str(params.pop("dtype"))
    if dtype.lower() not in DTYPE_BYTES:
        raise CostError(f"unknown dtype {dtype!r}; choose one of: {', '.join(DTYPE_BYTES)}")
    values = _check_params(op, params)
    for p in op.params:
        if p.integer and not float(values[p.name]).is_integer():
            raise CostError(f"{p.name} must be a whole number, got {values[p.name]:g}")
    if op.check is not None:
        op.check(values)
    selected = {o.name for o in op.options} & set(values)
    options = {**options, **{k: int(values[k]) for k in selected}}
    resolved = _resolve_options(op, options)
    m = _symbolic(name, tuple(sorted(resolved.items())))
    per = dtype_bytes(dtype)
    given = {k: int(v) if float(v).is_integer() else v for k, v in values.items()}
    subs = values_of({**given, ELEMENT_BYTES.name: int(per) if float(per).is_integer() else per})
    memory = {k: _number(e, subs) for k, e in m.memory.items()}
    steps = [
        Step(
            st.text,
            render(st.expr, op.param_names),
            _figure(m, st.name, st.expr, subs),
            st.unit,
            st.name,
        )
        for st in m.steps
    ]
    return Cost(
        op=name,
        params=values,
        dtype=dtype.lower(),
        flops=_number(m.flops, subs),
        macs=_number(m.macs, subs),
        memory=memory,
        bytes={
            **{k: v * per for k, v in memory.items()},
            **{k: _number(e, subs) for k, e in m.fixed_bytes.items()},
        },
        extra={k: _figure(m, k, e, subs) for k, e in m.extra.items()},
        big_o=m.big_o,
        big_o_space=m.big_o_space,
        steps=steps,
        conventions=m.conventions,
        options={k: v for k, v in resolved.items() if k not in selected},
    )


# --------------------------------------------------------------------------- inference costs
# Decode, prefill, the roofline, mixture-of-experts and speculative decoding: the serving
# side of a transformer (Pope et al. 2022, arXiv 2211.05102; Williams et al. 2009).

_BYTES_S = "memory bandwidth, B/s (H100 SXM 3.35e12)"
_PEAK = "peak FLOP/s (H100 SXM dense BF16 989e12)"
_ROOFLINE = (
    "Roofline (Williams, Waterman & Patterson 2009): time = max(FLOPs/peak, bytes/bandwidth)"
)


def _decode_check(values: dict[str, float]) -> None:
    if values["heads"] % values["kv_heads"]:
        raise CostError(
            f"heads = {values['heads']:g} must be a multiple of kv_heads = {values['kv_heads']:g}"
        )


@op(
    "decode",
    "One decode step: bytes read, FLOPs, time per token on the roofline",
    params=(
        _p("params", 6.74e9, "parameters N", integer=False),
        _p("layers", 32, "transformer layers"),
        _p("kv_heads", 32, "KV heads (= heads for MHA, groups for GQA, 1 for MQA)"),
        _p("d_head", 128, "size per head"),
        _p("context", 4096, "tokens already in each sequence's KV cache"),
        _p("batch", 1, "sequences decoded together"),
        _p("bandwidth", 3.35e12, _BYTES_S, integer=False),
        _p("peak", 989e12, _PEAK, integer=False),
        _p("heads", 32, "query heads (default: kv_heads)", same_as="kv_heads"),
    ),
    check=_decode_check,
)
def _decode(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    """A decode step reads every weight once for the batch and each sequence's own KV cache,
    for about 2 FLOPs per weight per sequence: at small batch its time is bytes / bandwidth,
    which is why quantisation, GQA and batching (not FLOP/s) set tokens per second.

    The roofline (facts.md: Williams et al. 2009; Pope et al. 2022) says when that stops:
    the time is max(bytes / bandwidth, FLOPs / peak), and the batch grows the FLOPs faster
    than the bytes until, past the crossover batch, compute sets the pace. `seconds` stays
    the memory-bound time the questions ask for; `roofline_seconds` is the larger of both.
    """
    n_params, layers, kvh, dh, ctx, batch, bw, peak, heads = (
        s[x]
        for x in (
            "params",
            "layers",
            "kv_heads",
            "d_head",
            "context",
            "batch",
            "bandwidth",
            "peak",
            "heads",
        )
    )
    e = ELEMENT_BYTES
    st = _Steps()
    kv_elements = 2 * layers * kvh * dh * ctx * batch
    weight_bytes = st.note(
        "weight_bytes",
        "Every weight is read from memory once per step, shared by the whole batch: params · bytes",
        n_params * e,
        "B",
    )
    kv_bytes = st.note(
        "kv_bytes",
        "Each sequence reads its own KV cache: 2 (K, V) · layers · kv_heads · d_head · context",
        kv_elements * e,
        "B",
    )
    total_bytes = st.note("bytes", "Bytes read per decode step", weight_bytes + kv_bytes, "B")
    flops = sp.Add(
        st.matmul(
            "weight_flops",
            "One new token per sequence meets every weight: one multiply-add each, 2·params·batch",
            batch,
            n_params,
            1,
        ),
        st.matmul(
            "score_flops",
            "Its query against the cached keys: per layer and head, context dot products of d_head",
            batch * layers * heads,
            dh,
            ctx,
        ),
        st.matmul(
            "value_flops",
            "The weighted sum of the cached values: as many again",
            batch * layers * heads,
            ctx,
            dh,
        ),
    )
    st.note(
        "intensity",
        "Arithmetic intensity: FLOPs per byte read (≈ batch / bytes per element before the cache)",
        flops / total_bytes,
        "FLOP/B",
    )
    seconds = st.note(
        "seconds",
        "Time per step when memory-bound: bytes / bandwidth (compare intensity with the ridge)",
        total_bytes / bw,
        "s",
    )
    st.note(
        "tokens_per_second",
        "Tokens generated per second over the batch: batch / seconds per step",
        batch / seconds,
        "tokens/s",
    )
    _roofline_steps(
        st,
        flops,
        total_bytes,
        peak,
        bw,
        seconds,
        ("roofline_seconds", "Roofline time per step: max(bytes / bandwidth, FLOPs / peak)"),
    )
    # What one more sequence adds; the weights' bytes are shared by the batch.
    seq_flops, seq_kv_bytes = sp.expand(flops / batch), sp.expand(kv_bytes / batch)
    st.threshold(
        "crossover_batch",
        "Batch where FLOPs / peak reaches bytes / bandwidth: weight bytes · peak / "
        "(FLOPs per sequence · bandwidth − KV bytes per sequence · peak); ≈ ridge · bytes "
        "per element / 2 before the KV cache; ∞ (never) when the intensity limit below is "
        "at or under the ridge: memory-bound at any batch",
        weight_bytes * peak,
        seq_flops * bw - seq_kv_bytes * peak,
        "sequences",
    )
    st.note(
        "intensity_limit",
        "Intensity as the batch grows without bound: FLOPs / KV bytes of one sequence "
        "(below the ridge, the step stays memory-bound at any batch)",
        seq_flops / seq_kv_bytes,
        "FLOP/B",
    )
    memory = {"weights": n_params, "kv_cache": kv_elements, "total": n_params + kv_elements}
    return st.model(
        memory,
        "O(params·batch + layers·heads·d_head·context·batch)",
        "O(params + layers·kv_heads·d_head·context·batch)",
        {
            "flops": MULTIPLY_ADD,
            "time": "seconds = bytes read / bandwidth (memory-bound, true while intensity < "
            "ridge); roofline_seconds = max(that, FLOPs / peak) (Williams et al. 2009)",
            "reads": "weights once per step for the whole batch; each sequence's KV cache once",
            "heads": "query heads default to kv_heads (MHA); GQA shares a KV head among groups",
        },
        total_text="FLOPs per decode step",
    )


@op(
    "prefill",
    "Prefill of a prompt: FLOPs and time at peak (compute-bound)",
    params=(
        _p("params", 6.74e9, "parameters N", integer=False),
        _p("layers", 32, "transformer layers"),
        _p("d", 4096, "model width"),
        _p("s", 2048, "prompt length"),
        _p("batch", 1, "prompts"),
        _p("peak", 989e12, _PEAK, integer=False),
    ),
    options=(
        Option(
            "causal_flops",
            "full",
            "attention pairs: count all s² (Megatron, PaLM) or skip masked ones",
            ("full", "skip"),
        ),
    ),
)
def _prefill(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    """Prefill pushes every prompt token through every weight at once: thousands of FLOPs per
    byte of weights, so its time (a lower bound on TTFT) is FLOPs / peak."""
    n_params, layers, d, seq, batch, peak = (
        s[x] for x in ("params", "layers", "d", "s", "batch", "peak")
    )
    causal_skip = opt["causal_flops"] == "skip"
    pairs = seq * (seq + 1) / 2 if causal_skip else seq * seq
    which = "the lower triangle, s·(s+1)/2 pairs" if causal_skip else "all s² pairs"
    st = _Steps()
    tokens = st.note("tokens", "Prompt tokens processed at once: s · batch", seq * batch, "tokens")
    st.matmul(
        "weight_flops",
        "Every prompt token meets every weight: 2·params·s·batch",
        tokens,
        n_params,
        1,
    )
    st.matmul(
        "score_flops",
        f"QKᵀ in every layer over {which}, width d",
        batch * layers * pairs,
        d,
        1,
    )
    st.matmul(
        "value_flops", f"P·V in every layer over {which}, width d", batch * layers * pairs, d, 1
    )
    flops = 2 * n_params * seq * batch + 4 * batch * layers * pairs * d
    st.note(
        "flops_per_token", "FLOPs per prompt token (2·params + attention)", flops / tokens, "FLOP"
    )
    st.note(
        "seconds",
        "Time at peak: prefill is compute-bound, so FLOPs / peak (a lower bound on TTFT)",
        flops / peak,
        "s",
    )
    return st.model(
        {},
        "O(params·s·batch + layers·s²·d·batch)",
        "O(params + s·d·batch)",
        {
            "flops": MULTIPLY_ADD,
            "attention": (
                "causal pairs skipped (FlashAttention-2 skips masked blocks)"
                if causal_skip
                else "all s² pairs counted (Megatron 4·b·s²·d per layer, PaLM's 12·L·d·T / 3)"
            ),
            "time": "compute-bound at 100 % of peak; real kernels reach 50–75 %",
        },
        total_text="FLOPs of the prefill",
    )


def _roofline_steps(
    st: _Steps,
    flops: sp.Expr,
    moved: sp.Expr,
    peak: sp.Expr,
    bw: sp.Expr,
    memory_s: sp.Expr,
    time: tuple[str, str],
) -> None:
    """The roofline's steps for `flops` over `moved` bytes whose memory time is `memory_s`:
    ridge, compute time, the time (the larger of the two, named and described by `time`) and
    which roof it is under. One place for every op placed on the roofline (Williams et al.
    2009): the roofline op itself and a decode step."""
    st.note(
        "ridge",
        "Ridge point: peak / bandwidth, the intensity where the roofs meet (H100 SXM ≈ 295 "
        "FLOP/B, facts.md)",
        peak / bw,
        "FLOP/B",
    )
    compute_s = st.note("compute_seconds", "Time if compute-bound: FLOPs / peak", flops / peak, "s")
    st.note(time[0], time[1], sp.Max(memory_s, compute_s), "s")
    st.note(
        "bound",
        "Bound: ⌊min(1, intensity / ridge)⌋, 1 when intensity ≥ ridge (compute), else 0 (memory)",
        sp.floor(sp.Min(1, flops * bw / (peak * moved))),
        "(1 compute-bound, 0 memory-bound)",
    )


@op(
    "roofline",
    "Roofline: time, intensity, ridge point, compute- or memory-bound",
    params=(
        _p("flops", 1.348e10, "FLOPs of the work", integer=False),
        _p("bytes", 1.348e10, "bytes moved to and from memory", integer=False),
        _p("peak", 989e12, _PEAK, integer=False),
        _p("bandwidth", 3.35e12, _BYTES_S, integer=False),
    ),
)
def _roofline(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    """The roofline in one place, so a decode step, a matmul or a prefill can be placed on it
    with the same arithmetic: time is the larger of the compute and the memory time."""
    flops, moved, peak, bw = (s[x] for x in ("flops", "bytes", "peak", "bandwidth"))
    st = _Steps()
    st.flop("work_flops", "The work, as given", flops)
    intensity = st.note("intensity", "Arithmetic intensity: FLOPs / bytes", flops / moved, "FLOP/B")
    memory_s = st.note("memory_seconds", "Time if memory-bound: bytes / bandwidth", moved / bw, "s")
    _roofline_steps(
        st, flops, moved, peak, bw, memory_s, ("seconds", "Time: the larger of the two")
    )
    st.note(
        "attainable",
        "Attainable FLOP/s: min(peak, intensity · bandwidth)",
        sp.Min(peak, intensity * bw),
        "FLOP/s",
    )
    return st.model(
        {},
        "O(flops/peak + bytes/bandwidth)",
        "O(1)",
        {"model": _ROOFLINE, "bound": "1 = compute-bound (intensity ≥ ridge), 0 = memory-bound"},
    )


def _moe_check(values: dict[str, float]) -> None:
    if values["top_k"] > values["experts"]:
        raise CostError("top_k cannot exceed the number of experts")


@op(
    "moe",
    "Mixture of experts: total and active parameters, FLOPs per token",
    params=(
        _p("shared_params", 1_605_636_096, "parameters every token uses", integer=False),
        _p("expert_params", 5_637_144_576, "parameters of one expert", integer=False),
        _p("experts", 8, "experts"),
        _p("top_k", 2, "experts each token is routed to"),
        _p("tokens", 4096, "tokens in a routed batch (for the expert capacity)"),
        _p("capacity_factor", 1.25, "slack over an even share of tokens", integer=False),
    ),
    check=_moe_check,
)
def _moe(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    """Memory follows the total parameters, FLOPs the active ones: the split an interviewer
    checks first (Mixtral 8x7B: 46.7B stored, 12.9B used per token)."""
    shared, expert, experts, top_k = (
        s[x] for x in ("shared_params", "expert_params", "experts", "top_k")
    )
    st = _Steps()
    total = st.note(
        "total_params",
        "Stored: the shared part (attention, embeddings, norms, router) plus every expert",
        shared + experts * expert,
        "params",
    )
    active = st.note(
        "active_params",
        "Used per token: the shared part plus the top_k experts the router picks",
        shared + top_k * expert,
        "params",
    )
    st.flop("token_flops", "FLOPs per token: one multiply-add per active parameter", 2 * active)
    st.note("active_fraction", "Active share of the parameters", active / total, "")
    st.note(
        "expert_capacity",
        "Expert capacity (Switch): top_k·tokens / experts × capacity_factor slots per expert",
        top_k * s["tokens"] / experts * s["capacity_factor"],
        "tokens",
    )
    return st.model(
        {"weights": total},
        "O((shared_params + top_k·expert_params)·tokens)",
        "O(shared_params + experts·expert_params)",
        {
            "flops": "2 FLOPs per active parameter per token; attention over the context ignored",
            "memory": "every expert must be in memory even though only top_k run per token",
            "capacity": "tokens past an expert's capacity are dropped (Switch, arXiv 2101.03961)",
        },
        total_text="FLOPs per token",
    )


def _spec_decode_check(values: dict[str, float]) -> None:
    if values["alpha"] >= 1:
        raise CostError("alpha must be below 1 (an acceptance rate of 1 never stops)")


@op(
    "spec_decode",
    "Speculative decoding: tokens per target call, speedup",
    params=(
        _p("alpha", 0.8, "acceptance rate α, 0 ≤ α < 1", integer=False, allow_zero=True),
        _p("gamma", 4, "tokens drafted per step γ"),
        _p(
            "cost_ratio",
            0,
            "draft/target cost per call c (0: free draft)",
            integer=False,
            allow_zero=True,
        ),
    ),
    check=_spec_decode_check,
)
def _spec_decode(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    """Leviathan et al.'s expected tokens per target call and wall-time factor: the draft's
    tokens are kept until the first rejection, and the target adds one of its own."""
    alpha, gamma, c = s["alpha"], s["gamma"], s["cost_ratio"]
    st = _Steps()
    tokens = st.note(
        "tokens_per_step",
        "Expected tokens per target call: 1 + α + … + α^γ = (1 − α^(γ+1)) / (1 − α)",
        (1 - alpha ** (gamma + 1)) / (1 - alpha),
        "tokens",
    )
    cost = st.note(
        "step_cost",
        "Cost of one step in target calls: γ draft calls at cost_ratio each, plus one target call",
        gamma * c + 1,
        "target calls",
    )
    st.note(
        "speedup", "Expected wall-time speedup: tokens per step / step cost", tokens / cost, "×"
    )
    return st.model(
        {},
        "O(gamma) draft calls + 1 target call per step",
        "O(gamma) drafted tokens",
        {
            "model": "Leviathan et al. 2023 (arXiv 2211.17192): i.i.d. acceptance with rate α",
            "cost_ratio": "c = time of a draft call / time of a target call (0: free draft)",
        },
    )


def _kv_capacity_check(values: dict[str, float]) -> None:
    if values["weights"] >= values["memory"]:
        raise CostError("the weights alone fill the memory; nothing is left for the KV cache")


@op(
    "kv_capacity",
    "KV-cache capacity: sequences and tokens that fit in a memory budget",
    params=(
        _p("memory", 80e9, "memory budget, bytes (e.g. 80e9 for an 80 GB GPU)", integer=False),
        _p("weights", 13.48e9, "bytes taken by the weights", integer=False, allow_zero=True),
        _p("layers", 32, "transformer layers"),
        _p("kv_heads", 32, "KV heads (= heads for MHA, groups for GQA, 1 for MQA)"),
        _p("d_head", 128, "size per head"),
        _p("context", 4096, "tokens per sequence"),
        _p("window", 4096, "sliding window: tokens kept (default: context)", same_as="context"),
        _p("block", 1, "allocation unit in tokens (16 for vLLM's pages)"),
    ),
    check=_kv_capacity_check,
)
def _kv_capacity(s: dict[str, sp.Symbol], opt: dict[str, Any]) -> Model:
    """Capacity planning: what is left after the weights, divided by what a sequence caches
    (capped by a sliding window, rounded up to whole paged blocks)."""
    memory, weights, layers, kvh, dh, ctx, window, block = (
        s[x]
        for x in ("memory", "weights", "layers", "kv_heads", "d_head", "context", "window", "block")
    )
    e = ELEMENT_BYTES
    st = _Steps()
    free = st.note(
        "free_bytes", "Memory left for the cache: budget − weights", memory - weights, "B"
    )
    per_token = st.note(
        "per_token_bytes",
        "KV bytes per token: 2 (K, V) · layers · kv_heads · d_head · bytes per element",
        2 * layers * kvh * dh * e,
        "B",
    )
    kept = st.note(
        "cached_tokens",
        "Tokens cached per sequence: the context, capped by the sliding window",
        sp.Min(ctx, window),
        "tokens",
    )
    slots = st.note(
        "allocated_tokens",
        "Slots allocated per sequence: whole blocks, ⌈cached / block⌉ · block",
        sp.ceiling(kept / block) * block,
        "tokens",
    )
    st.note(
        "padding_tokens", "Slots allocated but unused (under one block)", slots - kept, "tokens"
    )
    per_seq = st.note(
        "per_sequence_bytes",
        "KV bytes per sequence: slots · bytes per token",
        slots * per_token,
        "B",
    )
    st.note(
        "max_batch",
        "Sequences that fit: ⌊free / bytes per sequence⌋",
        sp.floor(free / per_seq),
        "sequences",
    )
    st.note(
        "max_tokens",
        "Token slots that fit in all: ⌊free / bytes per token⌋",
        sp.floor(free / per_token),
        "tokens",
    )
    return st.model(
        {},
        "O(1)",
        "O(layers·kv_heads·d_head·min(context, window))",
        {
            "dtype": "the dtype is the KV cache's element type; weights are given in bytes",
            "window": "a sliding window (Mistral 7B) keeps only the last `window` tokens",
            "block": "paged allocation (vLLM) rounds each sequence up to whole blocks",
        },
    )
