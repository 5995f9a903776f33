"""The question-pack schema: the one definition, in pydantic v2 models.

Everything else derives from these models: `quizapp validate` checks packs against
them, `questions/schema.json` (editor completion through yaml-language-server) is
generated from them by `json_schema()`, and a test keeps that file in sync. The
models describe shape and ranges only; checks that need formulas, draws or other
packs (unknown names, answer/derivation agreement, `calc`, `checks`) live in
`quizapp.validation`, which reports them with the same file:line:column locations.

Models are strict (a quoted "3" is not a difficulty) and forbid unknown keys, so a
typo such as `rel_tolerance:` is an error rather than a silently ignored field.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

#: Pack and question ids: lowercase words joined by dashes (they appear in file names and URLs).
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
#: Parameter and variable names: identifiers usable in formulas and `{name}` placeholders.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: Topic tags: lowercase words with dashes or digits.
TOPIC_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

#: The units a number answer may state (engine.units.UNIT_FAMILIES plus none).
UNITS = ("FLOP", "MAC", "B", "s", "elements", "params", "tokens", "FLOP/s")

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Topic = Annotated[str, StringConstraints(pattern=TOPIC_PATTERN)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1)]
Number = int | float
#: A literal number or a safe formula over the question's params (engine.answers.parse_formula).
NumberOrFormula = int | float | str


class _Model(BaseModel):
    """Common configuration: strict types, unknown keys rejected, value docs in the schema."""

    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


# --------------------------------------------------------------------------- params


class ChoiceParam(_Model):
    """Pick one value from a list, uniformly."""

    choice: list[Number] = Field(min_length=1)
    """The values to pick from."""


class RangeParam(_Model):
    """An integer drawn uniformly from [lo, hi], inclusive, optionally on a step grid."""

    range: list[int] = Field(min_length=2, max_length=2)
    """[lo, hi], both inclusive."""
    step: int = Field(default=1, gt=0)
    """Only lo, lo+step, lo+2·step, … ≤ hi are drawn."""

    @model_validator(mode="after")
    def _ordered(self) -> RangeParam:
        lo, hi = self.range
        if lo > hi:
            raise ValueError(f"range [{lo}, {hi}] is empty: lo must be ≤ hi")
        return self


class Pow2Param(_Model):
    """A power of two drawn uniformly from those between the bounds, inclusive."""

    pow2: list[int] = Field(min_length=2, max_length=2)
    """[lo, hi]; at least one power of two must lie between them."""

    @model_validator(mode="after")
    def _has_power(self) -> Pow2Param:
        lo, hi = self.pow2
        if lo < 1 or hi < lo or 1 << (hi.bit_length() - 1) < lo:
            raise ValueError(f"no power of two lies in [{lo}, {hi}]")
        return self


class FormulaParam(_Model):
    """A value derived from earlier params by a safe formula (never Python)."""

    formula: NumberOrFormula
    """e.g. "2*n^2*d"; may use only params defined above this one."""


def _param_kind(value: Any) -> str | None:
    """Which kind of draw a params entry is, told by its one key (or a bare number)."""
    if isinstance(value, dict):
        for key in ("choice", "range", "pow2", "formula"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):  # serialising a validated model
        return next(k for k in ("choice", "range", "pow2", "formula") if hasattr(value, k))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "constant"
    return None


ParamSpec = Annotated[
    Annotated[ChoiceParam, Tag("choice")]
    | Annotated[RangeParam, Tag("range")]
    | Annotated[Pow2Param, Tag("pow2")]
    | Annotated[FormulaParam, Tag("formula")]
    | Annotated[Number, Tag("constant")],
    Discriminator(
        _param_kind,
        custom_error_type="param_kind",
        custom_error_message=(
            "must be a number or one of {choice: [...]}, {range: [lo, hi]}, "
            '{pow2: [lo, hi]}, {formula: "..."}'
        ),
    ),
]

# --------------------------------------------------------------------------- answers


class NumberAnswer(_Model):
    """A numeric answer; the learner may write 2.1e9, 2.1 G, 2^31, 2.1 GFLOP, …"""

    kind: Literal["number"]
    value: NumberOrFormula
    """A literal or a formula over the params, e.g. "2*n^2*d"."""
    unit: Literal[UNITS] | None = None  # type: ignore[valid-type]
    """The unit family the answer is counted in."""
    rel_tol: float | None = Field(default=None, gt=0, lt=1)
    """Accepted relative error (the checker's default is 0.01)."""
    abs_tol: float | None = Field(default=None, ge=0)
    """Accepted absolute error, for answers near zero."""
    in_unit: NonEmptyText | None = None
    """The unit the prompt asks for (e.g. TiB): a bare number is read in it."""
    estimate: bool | None = None
    """The prompt asks for an estimate: near misses earn more partial credit."""


class ExpressionAnswer(_Model):
    """A symbolic answer such as "2*n^2*d", compared for equivalence."""

    kind: Literal["expression"]
    value: NonEmptyText
    """The model expression."""
    variables: list[Name] = Field(min_length=1)
    """The symbols the learner may use."""


class BigOAnswer(_Model):
    """An asymptotic class such as "n^2*d"."""

    kind: Literal["big_o"]
    value: NonEmptyText
    """The class, without the O(…), e.g. "n^2*d"."""
    variables: list[Name] = Field(min_length=1)
    """The symbols the learner may use."""
    bound: Literal["theta", "O"] = "theta"
    """theta: the tight class is required; O: any valid upper bound is accepted."""
    regime: str | dict[Name, NumberOrFormula] | None = None
    """Assumptions such as {d: constant}, {d: n} or "n >> d"."""
    known: dict[str, NonEmptyText] | None = None
    """Wrong classes with tailored feedback: {"n*d^2": "that is the projection cost"}."""
    assume: NonEmptyText | list[NonEmptyText] | None = None
    """Inequalities between the variables the prompt states, e.g. "d <= M <= n*d"."""
    constants: list[Name] | None = None
    """Names the prompt calls constants (O(c·n³) is read as O(n³))."""


class ChoiceAnswer(_Model):
    """Multiple choice; several keys in `value` means "select all that apply"."""

    kind: Literal["choice"]
    options: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$")], NonEmptyText] = (
        Field(min_length=2)
    )
    """key -> option text (Markdown)."""
    value: list[str] = Field(min_length=1)
    """The correct keys."""
    feedback: dict[str, NonEmptyText] | None = None
    """key -> feedback shown when that option is chosen."""


class RecallAnswer(_Model):
    """A free answer the learner grades themself against the model answer."""

    kind: Literal["recall"]
    value: NonEmptyText
    """The model answer (Markdown)."""


Answer = Annotated[
    NumberAnswer | ExpressionAnswer | BigOAnswer | ChoiceAnswer | RecallAnswer,
    Field(discriminator="kind"),
]

ANSWER_KINDS = ("number", "expression", "big_o", "choice", "recall")

# --------------------------------------------------------------------------- the rest


class Mistake(_Model):
    """A classic wrong answer, recognised before the generic diagnosis."""

    value: NumberOrFormula | list[str]
    """Formula/number (number, expression, big_o answers) or option keys (choice)."""
    feedback: NonEmptyText
    """What the learner most likely did, and the fix."""


class Step(_Model):
    """One derivation step; its formula is evaluated with the drawn params."""

    text: NonEmptyText
    """The reasoning, Markdown with {param} placeholders."""
    formula: NumberOrFormula | None = None
    """The quantity after this step; the last step's formula must equal the answer."""
    unit: str | None = None
    """Optional unit shown next to the value."""


class Calc(_Model):
    """The cost model the answer comes from; validation checks answer == model for many draws."""

    op: NonEmptyText
    """An op of engine.costs.OPS (e.g. sdpa, kv_cache)."""
    params: dict[Name, NumberOrFormula] = Field(default_factory=dict)
    """The op's parameters as formulas over the question's params."""
    quantity: NonEmptyText
    """A Cost.quantity name: flops | macs | memory.<k> | bytes.<k> | an extra name."""
    dtype: str | None = None
    """Element type for byte quantities (fp32 by default)."""
    options: dict[Name, int | float | str | bool] = Field(default_factory=dict)
    """Counting conventions of the op, e.g. {causal_flops: full} (`quizapp calc --list`)."""


class Demo(BaseModel):
    """A live demo from engine.demos that illustrates the question (extra keys go to the demo)."""

    model_config = ConfigDict(extra="allow", strict=True, use_attribute_docstrings=True)

    name: NonEmptyText
    """A name in engine.demos.DEMOS."""
    vary: Name | None = None
    """The parameter the demo sweeps."""


class Check(_Model):
    """The author's own test of the grader: a response and the score it must get."""

    response: str
    """What a learner might type; {param} placeholders are filled with the draw."""
    score: float = Field(ge=0, le=1)
    """The expected score (compared ± 0.05)."""


class Question(_Model):
    """One question; a variant is drawn from `params` with a seed, reproducibly."""

    id: Id
    """Unique in its pack; addressed as pack-id/question-id."""
    topics: list[Topic] = Field(min_length=1)
    """Lowercase tags; reuse the topics `quizapp packs` lists, so practice can choose by them."""
    difficulty: int = Field(ge=1, le=5)
    """1 (warm-up) … 5 (hard interview question)."""
    time: int = Field(gt=0, le=3600)
    """Time budget in seconds (mock interviews)."""
    params: dict[Name, ParamSpec] = Field(default_factory=dict)
    """Random draws in order; later entries may use earlier ones."""
    prompt: NonEmptyText
    """Markdown; {name} is replaced by the drawn value, {{ and }} are literal braces."""
    answer: Answer
    """The checker's spec."""
    mistakes: list[Mistake] = Field(default_factory=list)
    """Classic wrong answers with feedback."""
    hints: list[NonEmptyText] = Field(default_factory=list)
    """Shown one at a time."""
    derivation: list[Step] = Field(default_factory=list)
    """Worked steps; the last formula equals the answer."""
    explanation: NonEmptyText
    """Why it matters, in two to five sentences."""
    calc: Calc | None = None
    """Optional cost-model cross-check."""
    demo: Demo | None = None
    """Optional live demo."""
    follow_ups: list[NonEmptyText] = Field(default_factory=list)
    """Question ids (same pack: bare id; other pack: pack/id)."""
    checks: list[Check] = Field(default_factory=list)
    """Author's grader tests."""
    source: NonEmptyText
    """Where the fact comes from (paper, section, table)."""

    @field_validator("topics")
    @classmethod
    def _unique_topics(cls, topics: list[str]) -> list[str]:
        if len(set(topics)) != len(topics):
            raise ValueError("topics must not repeat")
        return topics


class Pack(_Model):
    """A question pack: one YAML file, named <id>.yaml."""

    id: Id
    """Lowercase, [a-z0-9-]; also the file name."""
    title: NonEmptyText
    """Shown in the pack list."""
    version: int = Field(ge=1)
    """Bump when questions change meaning (shown with the pack; the history is kept by question id)."""
    description: NonEmptyText
    """One paragraph on what this pack trains."""
    questions: list[Question] = Field(min_length=1)
    """The questions."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a pack file, as written to questions/schema.json."""
    schema = _closed(Pack.model_json_schema())
    return {"$schema": SCHEMA_URL, "$id": "quizapp-pack.schema.json", **schema}


def _closed(node: Any) -> Any:
    """Make the editor refuse what `quizapp validate` refuses, where JSON Schema can say it.

    pydantic writes a key pattern (param names, option keys) as `patternProperties`
    alone, which lets any key that misses the pattern through; and it has no word for
    the "topics must not repeat" validator.
    """
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _closed(value) for key, value in node.items()}
    if "patternProperties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.get("title") == "Topics" and out.get("type") == "array":
        out["uniqueItems"] = True
    return out


def schema_text() -> str:
    """`json_schema()` as the exact text of questions/schema.json (stable key order)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
