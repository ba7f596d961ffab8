"""Option types whose refusals read as they did under argparse (scripts grep them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from engagement.cli.errors import CommandError, clip
from engagement.jsonl import YEARS

if TYPE_CHECKING:
    _Choice = click.Choice[str]
    _IntType = click.ParamType[int]
    _DateType = click.ParamType[date]
else:  # generic in recent versions of click only
    _Choice = click.Choice
    _IntType = _DateType = click.ParamType


LARGEST = 2**31 - 1
"""The largest count accepted: databases store limits and offsets in 32 or 64 bits."""


class Count(_IntType):
    """A whole number small enough for the database; the engine checks the rest, so
    its own messages ("limit: between 1 and 1000 entries") stay the contract."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value), 10)
            except ValueError:
                self.fail(f"invalid int value: {clip(repr(value))}", param, ctx)
        if abs(number) > LARGEST:
            self.fail(f"{clip(str(number))} is too large; at most {LARGEST}", param, ctx)
        return number


class Choice(_Choice):
    """:class:`click.Choice` refusing with ``invalid choice: 'x' (choose from …)``."""

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__(choices)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        choices = ", ".join(repr(choice) for choice in self.choices)
        self.fail(f"invalid choice: {clip(repr(value))} (choose from {choices})", param, ctx)


class IsoDate(_DateType):
    """A day as ``YYYY-MM-DD``."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"expected a date as YYYY-MM-DD, got {clip(repr(value))}", param, ctx)
        if day.year not in YEARS:
            self.fail(_out_of_range(day.year), param, ctx)
        return day


def aware_datetime(option: str, text: str) -> datetime:
    """``text`` as an ISO 8601 instant with its UTC offset; :class:`CommandError` if not."""
    shown = clip(repr(text))
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {shown} is not an ISO 8601 date and time") from None
    if at.tzinfo is None:
        raise CommandError(f"{option}: {shown} needs a UTC offset, such as +01:00 or Z")
    if at.year not in YEARS:
        raise CommandError(f"{option}: {_out_of_range(at.year)}")
    return at


def _out_of_range(year: int) -> str:
    return f"year {year} is out of range; give one between {YEARS.start} and {YEARS.stop - 1}"
