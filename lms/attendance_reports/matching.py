"""Pairing the people of a report with the participants of a workshop."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .records import ReportPerson
from .values import clean_email, normalise_name

MATCHED = "matched"
AMBIGUOUS = "ambiguous"
UNMATCHED = "unmatched"

BY_EMAIL = "email"
BY_ALIAS = "alias"
BY_NAME = "name"


@dataclass(frozen=True)
class Candidate:
    """Someone a report's person may be: `key` is what the caller knows them by."""

    key: Hashable
    name: str
    email: str = ""


@dataclass(frozen=True)
class Match:
    """What became of one person of the report.

    `status` is MATCHED (with `key`), AMBIGUOUS (with the tied keys in `candidates`) or
    UNMATCHED. `how` tells which step decided: BY_EMAIL, BY_ALIAS or BY_NAME (None when
    unmatched).
    """

    person: ReportPerson
    status: str
    how: str | None = None
    key: Hashable | None = None
    candidates: tuple[Hashable, ...] = ()


def _candidate(value: Any) -> Candidate:
    if isinstance(value, Candidate):
        return value
    if isinstance(value, tuple):
        return Candidate(*value)
    return Candidate(value.key, value.name, getattr(value, "email", "") or "")


def _decide(person: ReportPerson, keys: list[Hashable], how: str) -> Match | None:
    unique = list(dict.fromkeys(keys))
    if not unique:
        return None
    if len(unique) == 1:
        return Match(person, MATCHED, how=how, key=unique[0])
    return Match(person, AMBIGUOUS, how=how, candidates=tuple(unique))


def match_people(
    people: Iterable[ReportPerson],
    candidates: Iterable[Any],
    *,
    aliases: Mapping[str, Hashable] | None = None,
) -> list[Match]:
    """One Match per person of the report, in the report's order.

    `candidates` are Candidate objects, (key, name, email) tuples or any objects with
    `key`, `name` and `email` attributes. `aliases` maps names (or emails) remembered from
    earlier reports to candidate keys; names are normalised here, so they may be passed as
    shown. Each person is tried by email (case-insensitive), then by remembered alias, then
    by normalised name (every name the report gives them); the first step that finds anyone
    decides. Aliases pointing to keys not among `candidates` are ignored.
    """
    pool = [_candidate(value) for value in candidates]
    known = {candidate.key for candidate in pool}
    by_email: dict[str, list[Hashable]] = {}
    by_name: dict[str, list[Hashable]] = {}
    for candidate in pool:
        email = clean_email(candidate.email)
        if email:
            by_email.setdefault(email, []).append(candidate.key)
        name = normalise_name(candidate.name)
        if name:
            by_name.setdefault(name, []).append(candidate.key)
    remembered: dict[str, Hashable] = {}
    for alias, key in (aliases or {}).items():
        alias = clean_email(alias) or normalise_name(alias)
        if alias and key in known:
            remembered[alias] = key

    matches = []
    for person in people:
        email = clean_email(person.email)
        names = [name for name in map(normalise_name, person.names) if name]
        match = (
            _decide(person, by_email.get(email, []) if email else [], BY_EMAIL)
            or _decide(
                person,
                [remembered[alias] for alias in [email, *names] if alias in remembered],
                BY_ALIAS,
            )
            or _decide(person, [key for name in names for key in by_name.get(name, [])], BY_NAME)
            or Match(person, UNMATCHED)
        )
        matches.append(match)
    return matches
