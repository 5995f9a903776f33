"""`quizapp calc`: a cost model's derivation with the user's numbers, as a table or JSON."""

from __future__ import annotations

import json
from typing import Any

import click


def _parse_assignments(pairs: tuple[str, ...], what: str) -> dict[str, str]:
    """`name=value` words into a dict; anything else is a usage error naming the form."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise click.UsageError(f"expected {what} as name=value (e.g. n=1024), got {pair!r}")
        name = name.strip()
        if name in out:
            raise click.UsageError(
                f"{name} is given twice ({name}={out[name]} and {name}={value.strip()}); keep one"
            )
        out[name] = value.strip()
    return out


def _number(name: str, text: str) -> str:
    """A parameter value as typed: 4096, 1e6, 65_536 or 1,000,000 (the model checks it)."""
    return text if name == "dtype" else text.replace("_", "").replace(",", "")


def _list_ops() -> None:
    from engine.costs import OPS

    for op in OPS.values():
        params = " ".join(f"{p.name}={p.same_as or format(p.default, 'g')}" for p in op.params)
        click.echo(f"{op.name:<19} {op.title}")
        click.echo(f"{'':<19} {params}")
        for opt in op.options:
            if opt.name not in op.param_names:  # set by the parameter of that name
                default = str(opt.default).lower()  # as typed: count_scale=false
                click.echo(
                    f"{'':<19} option {opt.name}={default}: {opt.help}; takes {opt.accepted}"
                )


def _human(value: float, unit: str, per_byte: float | None = None) -> str:
    from engine.units import format_bytes, format_count, format_exact

    exact = format_exact(value)
    if unit == "FLOP":
        return f"{exact} ({format_count(value, 'FLOP')})"
    if unit == "B":
        return f"{exact} B ({format_bytes(value)})"
    if unit == "elements" and per_byte:
        return f"{exact} ({format_bytes(value * per_byte)})"
    return f"{exact} {unit}".rstrip()


def _print_table(cost: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from engine.units import dtype_bytes, format_bytes, format_count

    per = dtype_bytes(cost.dtype)
    params = ", ".join(f"{k}={v:g}" for k, v in cost.params.items())
    table = Table(title=f"{cost.op}({params})", title_justify="left", show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("step")
    table.add_column("formula", style="cyan", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    for i, step in enumerate(cost.steps, 1):
        table.add_row(str(i), step.text, step.expr, _human(step.value, step.unit, per))
    console = Console(highlight=False, soft_wrap=False)
    console.print(table)
    console.print(
        f"FLOPs:  {format_count(cost.flops, 'FLOP')} ({cost.flops:,}); MACs: {cost.macs:,}"
    )
    if cost.memory:
        shown = ", ".join(f"{k} {format_bytes(v)}" for k, v in cost.bytes.items())
        console.print(f"Memory ({cost.dtype}, {per:g} B/element): {shown}")
    fixed = {k: v for k, v in cost.bytes.items() if k not in cost.memory}
    if fixed:
        shown = ", ".join(f"{k} {format_bytes(v)}" for k, v in fixed.items())
        console.print(f"Bytes (set by the model, not by --dtype): {shown}")
    console.print(f"Time:   {cost.big_o}    Space: {cost.big_o_space}")
    for key, text in cost.conventions.items():
        console.print(f"[dim]convention {key}: {text}[/dim]")


@click.command()
@click.argument("op", required=False)
@click.argument("params", nargs=-1)
@click.option("--dtype", default="fp32", show_default=True, help="Element type for byte figures.")
@click.option(
    "-o",
    "--option",
    "options",
    multiple=True,
    help="A counting convention as name=value, e.g. -o softmax_flops=3 (see --list).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--list", "list_ops", is_flag=True, help="List operations, parameters and defaults.")
def calc(
    op: str | None,
    params: tuple[str, ...],
    dtype: str,
    options: tuple[str, ...],
    as_json: bool,
    list_ops: bool,
) -> None:
    """Show the FLOPs, memory and Big-O of OP step by step with your numbers.

    \b
    Examples:
      quizapp calc sdpa b=2 h=8 nq=1024 nk=1024 dk=64 dv=64
      quizapp calc kv_cache layers=32 kv_heads=8 d_head=128 tokens=8192 --dtype fp16
      quizapp calc decode params=6.74e9 context=4096 batch=8 --dtype fp16
      quizapp calc --list
    """
    if list_ops:
        _list_ops()
        return
    if op is None:
        raise click.UsageError("expected an operation name (see quizapp calc --list)")
    from engine.costs import CostError, compute

    raw = _parse_assignments(params, "parameters")
    values = {name: _number(name, text) for name, text in raw.items()}
    opts = _parse_assignments(options, "options")  # as typed: each option reads its own type
    try:
        cost = compute(op, values, dtype=dtype, **opts)
    except CostError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        if as_json:
            click.echo(json.dumps(cost.to_json(), indent=2))
        else:
            _print_table(cost)  # every row is formatted before the table prints
    except OverflowError:  # a figure past a float's range (1.8e308) cannot be shown
        raise click.UsageError(
            "the results are too large to show (a figure passes 1.8e308); use smaller values"
        ) from None
