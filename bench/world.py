"""A synthetic temporal world for benchmarks: people who move, change jobs and partners, keep pets,
make and lose friends, change tastes; employers with headquarters that sometimes move; districts in
cities. Deterministic for a seed. No LLM, no network.

    .venv/bin/python -m bench.world --facts 10000 --out bench/.worlds/10k
    .venv/bin/python -m bench.world --facts 1000000 --users 1000 --out bench/.worlds/1m-1k-users

The world is first drawn as true timelines (intervals ``[valid_from, valid_until)``, an open end
meaning "still true"). It is then *told* as statements the way a memory receives them:

* every interval is stated once with its true start (``first``), a few days to weeks after it began;
* some intervals are stated again later (``restated``): with the same start, with a date inside the
  interval, or undated while it holds, sometimes from another source, sometimes with the subject
  spelled in lower case;
* some superseded values of cardinality-one predicates arrive late (``late``): observed after the
  value that replaced them;
* explicit ends (a pet dies, a job is left, a couple splits, a friendship or a taste fades) come either
  as a separate statement observed after the end (``end``: no ``valid_from``, only ``valid_until``),
  or inside the first statement when the end was already known (``first`` with both dates).

Every true interval is stated with its true start, so the true timelines are exactly what a correct
memory must conclude from the statements: ``truth.json`` is that world.

Output folder (the contract the mem0g bench and the peer adapters read; keep it stable):

``facts.jsonl``
    One fact per line in mem0g's facts-JSONL contract (docs/architecture.md, "Public contracts"):
    ``subject, predicate, object, subject_type, object_type, fact, valid_from, valid_until,
    observed_at, source (list), cardinality, user_id, metadata`` (``metadata.kind`` is
    ``first|restated|late|end|static``). Dates are ISO dates,
    ``observed_at`` an ISO datetime with ``+00:00``. Lines are in observation order (``observed_at``
    ascending, ties in generation order), late arrivals included.
``truth.json``
    ``{"format": 1, "now": ISO date, "predicates": {predicate: "one"|"many"},
    "users": {user_id: {subject: {predicate: [{"object", "valid_from", "valid_until"}, ...]}}},
    "entities": {user_id: number of distinct entity names (normalised)}}``; ``valid_until`` null = open.
``queries.jsonl``
    One query per line: ``{"id", "user_id", "kind": "current"|"as_of"|"history"|"multi_hop", "query",
    "as_of": ISO date or null, "include_history": bool, "expected": [{"subject","predicate","object"}],
    "must_not_be_current": [{"subject","predicate","object"}]}``. ``expected``: facts a correct answer
    must contain among its hits; ``must_not_be_current``: facts that must not come back with status
    ``current`` (values of the asked (subject, predicate) that do not hold now).
``world.json``
    The generator's parameters (seed, sizes, counts) for the record.

Matching is on normalised names (:func:`norm`: NFKC, case-folded, whitespace squashed) and predicates
(:func:`norm_predicate`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

FORMAT = 1
START = date(2016, 1, 1)
NOW = date(2025, 6, 30)
STATIC_FROM = date(2000, 1, 1)
#: Statements per primary person (their first and end statements are ~19.5; the rest are restatements).
PER_PERSON = 27.0


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(sep) if w.strip())


FIRST = _words(
    "Maya Liam Ava Noah Zoe Omar Lena Ravi Yuki Ines Tomas Nadia Hugo Sara Kenji Amara Felix Priya Jonas "
    "Elif Mateo Chloe Arjun Freya Diego Hana Leon Aisha Oscar Mila Ezra Lucia Tariq Nora Pablo Ingrid "
    "Kofi Alma Ivan Rosa Malik Greta Sami Clara Rohan Vera Emil Dalia Anton Leila Marco Sofia Idris "
    "Julia Kai Esme Bruno Layla Otto Iris Nikhil Petra Rafael Asha Lars Beatriz Yusuf Helena Dario "
    "Selin Arnav Frida Luca Noor Theo Camila Milan Zara Henrik Alina Caleb Rania Stefan Maren Jorge "
    "Keiko Viktor Amina Boris Lucie Andre Salma Pedro Ayla Finn Talia"
)
LAST = _words(
    "Chen Berg Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Lopez Moreau Novak Okafor "
    "Petrov Quinn Rossi Sato Tanaka Weber Alvarez Bakker Castro Dimitrov Ekwueme Ferreira Gunnarsson "
    "Horvat Iqbal Janssen Kaur Lindqvist Mbeki Nakamura Oliveira Park Quispe Rahman Schmidt Torres "
    "Usman Varga Wojcik Xu Yilmaz Zielinski Abbasi Bianchi Carvalho Delgado Engel Farah Grant Hoffmann "
    "Ivanova Jovanovic Kim Larsen Mendes Nguyen Ortiz Pereira Romano Silva Takahashi Ueda Vogel Walsh "
    "Yamamoto Zhang Andersen Brennan Cruz Dahl Estrada Fontaine Greco Holm Ibrahim Jaramillo Keller "
    "Lambert Moretti Nilsen Oduya Pham Reyes Santos Tran Ulloa Valdez Winter Young Zamora Adler Brandt"
)
CITIES = _words(
    "Lisbon Osaka Nairobi Montreal Krakow Valencia Hanoi Tallinn Porto Leeds Bergen Cusco Daegu Ghent "
    "Izmir Kyoto Lyon Malmo Nantes Perth Quito Recife Sapporo Tartu Utrecht Vilnius Windhoek Yerevan "
    "Zagreb Aarhus Bilbao Cordoba Dresden Edinburgh Florence Gdansk Hobart Innsbruck Jaipur Kaunas"
)
_D_PRE = _words(
    "Alder Bright Cedar Dun Elm Fair Glen Hollow Iron Juniper Kings Lark Maple North Oak Pine Queens "
    "Raven Silver Thorn Upper Vale West Willow Amber Brook Copper Dover Ember Fern Granite Heather"
)
_D_SUF = _words("field gate haven hill market moor park quay ridge side stead view wharf wood bridge ford")
_CO_PRE = _words(
    "Acme Apex Beacon Blue Cobalt Crest Delta Echo Falcon Granite Harbor Helix Indigo Juno Keystone "
    "Lumen Meridian Nimbus Northstar Orion Pioneer Quantum Redwood Summit Tidal Umbra Vertex Willow "
    "Zenith Atlas Borealis Cascade Dynamo Ember Fjord Gale Horizon Ion Jade Kestrel"
)
_CO_SUF = _words(
    "Robotics Foods Energy Textiles Logistics Media Pharma Software Analytics Bank Studios Labs "
    "Motors Health Airlines Foundry"
)
FOODS = _words(
    "ramen|tacos|falafel|sushi|pierogi|curry|paella|pho|risotto|kimchi|dumplings|lasagna|tagine|"
    "ceviche|moussaka|biryani|goulash|empanadas|bibimbap|shakshuka|laksa|gnocchi|arepas|khachapuri|"
    "pad thai|croissants|borscht|jollof rice|poutine|baklava",
    sep="|",
)
ACTIVITIES = _words(
    "hiking|chess|rock climbing|salsa dancing|birdwatching|pottery|jazz|sailing|yoga|photography|"
    "cycling|gardening|knitting|surfing|board games|astronomy|baking|running|painting|fishing|"
    "skiing|calligraphy|karaoke|tennis|woodworking|poetry|camping|swimming|origami|opera",
    sep="|",
)
PET_NAMES = _words(
    "Biscuit Pepper Luna Milo Rex Coco Nala Ziggy Olive Bruno Mochi Pickles Juniper Tofu Waffles "
    "Hazel Ginger Pixel Socks Noodle Maple Rocket Bean Clover Sprout Basil Otis Poppy Ruby Scout "
    "Tango Willow Yoshi Ziggy Fig Kiwi Lulu Nacho Oreo Pumpkin"
)
SPECIES = ("dog", "cat", "parrot", "rabbit", "tortoise", "hamster")
CHANNELS = ("chat", "email", "notes", "calendar", "crm")

PREDICATES: dict[str, str] = {
    "lives_in": "one",
    "works_at": "one",
    "partner_of": "one",
    "married_to": "one",
    "favorite_food": "one",
    "headquartered_in": "one",
    "located_in": "one",
    "has_pet": "many",
    "likes": "many",
    "friend_of": "many",
}

_SPACES = re.compile(r"\s+")


def norm(name: str) -> str:
    """Names as the bench compares them: NFKC, case-folded, whitespace squashed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(name)).casefold()).strip()


def norm_predicate(predicate: str) -> str:
    return re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", str(predicate)).casefold().strip())


def triple_key(subject: str, predicate: str, obj: str) -> tuple[str, str, str]:
    return (norm(subject), norm_predicate(predicate), norm(obj))


@dataclass
class Interval:
    subject: str
    predicate: str
    object: str
    start: date
    end: date | None  # None: still true
    subject_type: str
    object_type: str
    explicit_end: bool = False  # ended by its own statement (not by a successor)
    detail: str = ""  # e.g. the pet's species, for sentences

    @property
    def cardinality(self) -> str:
        return PREDICATES[self.predicate]


@dataclass
class _Said:
    observed: datetime
    seq: int
    fact: dict[str, Any]


@dataclass
class UserWorld:
    user_id: str
    intervals: list[Interval] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # primary people (query subjects)
    statements: list[_Said] = field(default_factory=list)

    def timelines(self) -> dict[str, dict[str, list[Interval]]]:
        out: dict[str, dict[str, list[Interval]]] = {}
        for iv in self.intervals:
            out.setdefault(iv.subject, {}).setdefault(iv.predicate, []).append(iv)
        for preds in out.values():
            for ivs in preds.values():
                ivs.sort(key=lambda i: (i.start, i.object))
        return out


class _Names:
    """Unique names within one user (entity names must identify one real thing)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def take(self, make: Any, *, fallback: Any) -> str:
        for _ in range(40):
            name = make()
            if norm(name) not in self.taken:
                self.taken.add(norm(name))
                return name
        n = 2
        base = fallback()
        while norm(f"{base} {n}") in self.taken:
            n += 1
        self.taken.add(norm(f"{base} {n}"))
        return f"{base} {n}"

    def person(self) -> str:
        rng = self.rng

        def plain() -> str:
            return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

        def middle() -> str:
            return f"{rng.choice(FIRST)} {chr(65 + rng.randrange(26))}. {rng.choice(LAST)}"

        name = self.take(plain, fallback=plain) if rng.random() < 0.8 else None
        if name is None or name[-1].isdigit():
            if name is not None:
                self.taken.discard(norm(name))
            name = self.take(middle, fallback=middle)
        return name


def _days(rng: random.Random, lo: int, hi: int) -> timedelta:
    return timedelta(days=rng.randint(lo, hi))


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(
        seconds=rng.randint(8 * 3600, 22 * 3600)
    )


_NOW_END = datetime(NOW.year, NOW.month, NOW.day, 23, 59, tzinfo=timezone.utc)


def _cap(when: datetime) -> datetime:
    return min(when, _NOW_END)


# -- sentences ------------------------------------------------------------------------------------

_FIRST_SENTENCES: dict[str, tuple[str, ...]] = {
    "lives_in": ("{s} lives in {o}.", "{s} moved to {o}.", "{s} has been living in {o} since {d}."),
    "works_at": ("{s} works at {o}.", "{s} started a new job at {o}.", "{s} joined {o} in {m}."),
    "partner_of": ("{s} is in a relationship with {o}.", "{s} and {o} got together in {m}."),
    "married_to": ("{s} is married to {o}.", "{s} married {o} in {m}."),
    "favorite_food": ("{s}'s favorite food is {o}.", "These days {s} loves {o} more than any other dish."),
    "has_pet": ("{s} adopted a {x} named {o}.", "{s} has a {x} called {o}."),
    "likes": ("{s} enjoys {o}.", "{s} took up {o} in {m}."),
    "friend_of": ("{s} is friends with {o}.", "{s} became friends with {o} in {m}."),
    "headquartered_in": ("{s} is headquartered in {o}.", "{s} moved its headquarters to {o}."),
    "located_in": ("{s} is a district of {o}.",),
}
_STILL: dict[str, tuple[str, ...]] = {  # undated restatements, said while the fact holds
    "lives_in": ("{s} still lives in {o}.", "{s} is living in {o}."),
    "works_at": ("{s} is still working at {o}.", "{s} works for {o}."),
    "partner_of": ("{s} is still with {o}.",),
    "married_to": ("{s} and {o} are married.",),
    "favorite_food": ("{s} says {o} is their favorite food.",),
    "has_pet": ("{s} talked about their {x} {o}.",),
    "likes": ("{s} still enjoys {o}.",),
    "friend_of": ("{s} met up with their friend {o}.",),
    "headquartered_in": ("{s} has its headquarters in {o}.",),
    "located_in": ("{s} is in {o}.",),
}
_RESTATED: dict[str, tuple[str, ...]] = {  # dated restatements (valid_from says since when)
    "lives_in": ("{s} lived in {o} at that time.", "{s} mentioned living in {o}."),
    "works_at": ("{s} mentioned working at {o}.", "{s} was employed by {o} then."),
    "partner_of": ("{s} mentioned being with {o}.",),
    "married_to": ("{s} mentioned being married to {o}.",),
    "favorite_food": ("{s} mentioned that {o} was their favorite food.",),
    "has_pet": ("{s} mentioned their {x} {o}.",),
    "likes": ("{s} mentioned enjoying {o}.",),
    "friend_of": ("{s} mentioned their friend {o}.",),
    "headquartered_in": ("{s} had its headquarters in {o}.",),
    "located_in": ("{s} is in {o}.",),
}
_ENDED: dict[str, tuple[str, ...]] = {
    "works_at": ("{s} left {o}.",),
    "partner_of": ("{s} and {o} broke up.",),
    "married_to": ("{s} and {o} divorced.",),
    "has_pet": ("{s}'s {x} {o} died.",),
    "likes": ("{s} no longer enjoys {o}.",),
    "friend_of": ("{s} and {o} are no longer friends.",),
}
_PERIOD: dict[str, tuple[str, ...]] = {
    "works_at": ("{s} worked at {o} from {d} to {e}.",),
    "partner_of": ("{s} was in a relationship with {o} from {d} to {e}.",),
    "married_to": ("{s} was married to {o} from {d} to {e}.",),
    "has_pet": ("{s} had a {x} named {o} from {d} until it died in {e}.",),
    "likes": ("{s} enjoyed {o} from {d} to {e}.",),
    "friend_of": ("{s} was friends with {o} from {d} to {e}.",),
}


def _month(d: date) -> str:
    return d.strftime("%B %Y")


def _sentence(templates: tuple[str, ...], rng: random.Random, iv: Interval, subject: str) -> str:
    return rng.choice(templates).format(
        s=subject,
        o=iv.object,
        x=iv.detail,
        d=iv.start.isoformat(),
        m=_month(iv.start),
        e=iv.end.isoformat() if iv.end else "",
    )


# -- the true world -------------------------------------------------------------------------------


def _timeline_one(
    rng: random.Random,
    *,
    subject: str,
    predicate: str,
    subject_type: str,
    object_type: str,
    pick: Any,
    first_start: date,
    min_days: int,
    max_days: int,
    end_chance: float = 0.0,
    gap: tuple[int, int] = (30, 300),
    resume_chance: float = 1.0,
) -> list[Interval]:
    """Consecutive values of a cardinality-one predicate; a value changes after min..max days, or
    (with ``end_chance``) ends explicitly and, after a gap, maybe a new one starts."""
    out: list[Interval] = []
    start = first_start
    previous: str | None = None
    while start < NOW:
        value = pick(previous, [iv.object for iv in out])
        length = _days(rng, min_days, max_days)
        end = start + length
        if end >= NOW:
            out.append(Interval(subject, predicate, value, start, None, subject_type, object_type))
            break
        if rng.random() < end_chance:
            out.append(Interval(subject, predicate, value, start, end, subject_type, object_type, True))
            if rng.random() > resume_chance:
                break
            start = end + _days(rng, *gap)
            previous = None
        else:
            out.append(Interval(subject, predicate, value, start, end, subject_type, object_type))
            start = end
            previous = value
    return out


@dataclass
class _Scale:
    cities: list[str]
    districts: dict[str, str]  # district -> city
    companies: dict[str, list[tuple[date, str]]]  # company -> [(from, city)]


def _places_and_companies(rng: random.Random, names: _Names, n_people: int) -> _Scale:
    n_cities = min(len(CITIES), max(6, n_people // 60))
    cities = rng.sample(CITIES, n_cities)
    for city in cities:
        names.taken.add(norm(city))
    districts: dict[str, str] = {}
    per_city = max(3, min(12, n_people // (4 * n_cities) + 3))
    for city in cities:
        for _ in range(per_city):
            district = names.take(
                lambda: f"{rng.choice(_D_PRE)}{rng.choice(_D_SUF)}",
                fallback=lambda: f"{rng.choice(_D_PRE)}{rng.choice(_D_SUF)}",
            )
            districts[district] = city
    n_companies = max(6, n_people // 12)
    companies: dict[str, list[tuple[date, str]]] = {}
    for _ in range(n_companies):
        company = names.take(
            lambda: f"{rng.choice(_CO_PRE)} {rng.choice(_CO_SUF)}",
            fallback=lambda: f"{rng.choice(_CO_PRE)} {rng.choice(_CO_SUF)}",
        )
        hq = [(date(2005, 1, 1), rng.choice(cities))]
        if rng.random() < 0.15:
            moved = START + _days(rng, 200, (NOW - START).days - 100)
            hq.append((moved, rng.choice([c for c in cities if c != hq[0][1]])))
        companies[company] = hq
    return _Scale(cities, districts, companies)


def _person_life(rng: random.Random, names: _Names, person: str, scale: _Scale) -> list[Interval]:
    out: list[Interval] = []
    districts = list(scale.districts)
    companies = list(scale.companies)

    def district(previous: str | None, earlier: list[str]) -> str:
        if earlier and rng.random() < 0.1:
            back = [d for d in earlier if d != previous]
            if back:
                return rng.choice(back)
        return rng.choice([d for d in districts if d != previous])

    out += _timeline_one(
        rng,
        subject=person,
        predicate="lives_in",
        subject_type="Person",
        object_type="Location",
        pick=district,
        first_start=START + _days(rng, 0, 400),
        min_days=365,
        max_days=1500,
    )
    out += _timeline_one(
        rng,
        subject=person,
        predicate="works_at",
        subject_type="Person",
        object_type="Organization",
        pick=lambda prev, _: rng.choice([c for c in companies if c != prev]),
        first_start=START + _days(rng, 0, 700),
        min_days=365,
        max_days=1800,
        end_chance=0.2,
        gap=(30, 300),
        resume_chance=0.8,
    )
    if rng.random() < 0.7:
        predicate = "married_to" if rng.random() < 0.4 else "partner_of"
        out += _timeline_one(
            rng,
            subject=person,
            predicate=predicate,
            subject_type="Person",
            object_type="Person",
            pick=lambda prev, _: names.person(),
            first_start=START + _days(rng, 0, 2000),
            min_days=700,
            max_days=3000,
            end_chance=0.5,
            gap=(60, 700),
            resume_chance=0.6,
        )
    out += _timeline_one(
        rng,
        subject=person,
        predicate="favorite_food",
        subject_type="Person",
        object_type="Food",
        pick=lambda prev, _: rng.choice([f for f in FOODS if f != prev]),
        first_start=START + _days(rng, 0, 500),
        min_days=365,
        max_days=1500,
    )
    last = person.split()[-1]
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        species = rng.choice(SPECIES)
        pet = names.take(
            lambda: f"{rng.choice(PET_NAMES)} {last}",
            fallback=lambda: f"{rng.choice(PET_NAMES)} {rng.choice(PET_NAMES)} {last}",
        )
        start = START + _days(rng, 0, (NOW - START).days - 30)
        end = start + _days(rng, 365, 3000) if rng.random() < 0.35 else None
        if end is not None and end >= NOW:
            end = None
        out.append(Interval(person, "has_pet", pet, start, end, "Person", "Animal", end is not None, species))
    for activity in rng.sample(ACTIVITIES, rng.randint(1, 4)):
        start = START + _days(rng, 0, (NOW - START).days - 30)
        end = start + _days(rng, 200, 2500) if rng.random() < 0.3 else None
        if end is not None and end >= NOW:
            end = None
        out.append(Interval(person, "likes", activity, start, end, "Person", "Activity", end is not None))
    return out


def build_user(user_id: str, n_facts: int, seed: int) -> UserWorld:
    """The true world of one user, sized so that its statements number about ``n_facts``."""
    rng = random.Random(f"{seed}:{user_id}")
    names = _Names(rng)
    n_people = max(4, round(n_facts / PER_PERSON))
    scale = _places_and_companies(rng, names, n_people)
    world = UserWorld(user_id)
    for _ in range(n_people):
        world.people.append(names.person())
    for person in world.people:
        world.intervals += _person_life(rng, names, person, scale)
    for person in world.people:
        others = [p for p in world.people if p != person]
        for friend in rng.sample(others, min(len(others), rng.randint(1, 4))):
            start = START + _days(rng, 0, (NOW - START).days - 30)
            end = start + _days(rng, 300, 2500) if rng.random() < 0.2 else None
            if end is not None and end >= NOW:
                end = None
            world.intervals.append(
                Interval(person, "friend_of", friend, start, end, "Person", "Person", end is not None)
            )
    used_districts = {iv.object for iv in world.intervals if iv.predicate == "lives_in"}
    for district, city in scale.districts.items():
        if district in used_districts:
            world.intervals.append(
                Interval(district, "located_in", city, STATIC_FROM, None, "Location", "Location")
            )
    used_companies = {iv.object for iv in world.intervals if iv.predicate == "works_at"}
    for company, hq in scale.companies.items():
        if company not in used_companies:
            continue
        for i, (start, city) in enumerate(hq):
            end = hq[i + 1][0] if i + 1 < len(hq) else None
            world.intervals.append(
                Interval(company, "headquartered_in", city, start, end, "Organization", "Location")
            )
    _tell(world, rng, n_facts)
    return world


# -- telling the world as statements ----------------------------------------------------------------


def _fact(iv: Interval, sentence: str, subject: str, **fields: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "predicate": iv.predicate,
        "object": iv.object,
        "subject_type": iv.subject_type,
        "object_type": iv.object_type,
        "fact": sentence,
        "cardinality": iv.cardinality,
        **fields,
    }


def _tell(world: UserWorld, rng: random.Random, n_facts: int) -> None:
    said: list[_Said] = []
    seq = 0
    source_no = 0

    def new_source() -> str:
        nonlocal source_no
        source_no += 1
        return f"{rng.choice(CHANNELS)}:{world.user_id}:{source_no}"

    def emit(observed: datetime, fact: dict[str, Any], kind: str) -> None:
        nonlocal seq
        seq += 1
        fact["observed_at"] = observed.isoformat()
        fact["user_id"] = world.user_id
        fact["metadata"] = {"kind": kind}
        said.append(_Said(observed, seq, fact))

    timelines = world.timelines()
    first_seen: dict[int, datetime] = {}
    first_source: dict[int, str] = {}
    as_period: set[int] = set()  # ended intervals told once, with both dates, after their end
    late: set[int] = set()
    # When each interval is first told. Late arrivals are told after the value that replaced them,
    # so successors are handled first (reverse order).
    for preds in timelines.values():
        for predicate, ivs in preds.items():
            for index in range(len(ivs) - 1, -1, -1):
                iv = ivs[index]
                if iv.start <= STATIC_FROM:
                    first_seen[id(iv)] = _at(START - _days(rng, 1, 60), rng)
                    continue
                observed = _at(iv.start + _days(rng, 0, 45), rng)
                if iv.explicit_end and iv.end is not None and rng.random() < 0.3:
                    as_period.add(id(iv))
                    observed = max(observed, _at(iv.end + _days(rng, 0, 45), rng))
                elif (
                    PREDICATES[predicate] == "one"
                    and not iv.explicit_end
                    and iv.end is not None
                    and index + 1 < len(ivs)
                    and ivs[index + 1].start == iv.end
                    and rng.random() < 0.12
                ):
                    late.add(id(iv))
                    observed = first_seen[id(ivs[index + 1])] + _days(rng, 1, 400)
                first_seen[id(iv)] = _cap(observed)
    for preds in timelines.values():
        for predicate, ivs in preds.items():
            for index, iv in enumerate(ivs):
                observed = first_seen[id(iv)]
                source = new_source()
                first_source[id(iv)] = source
                kind = "static" if iv.start <= STATIC_FROM else ("late" if id(iv) in late else "first")
                if id(iv) in as_period:
                    assert iv.end is not None
                    sentence = _sentence(_PERIOD[predicate], rng, iv, iv.subject)
                    fields = {"valid_from": iv.start.isoformat(), "valid_until": iv.end.isoformat()}
                    emit(observed, _fact(iv, sentence, iv.subject, **fields, source=[source]), kind)
                    continue
                templates = _FIRST_SENTENCES[predicate]
                if predicate == "headquartered_in":  # a company's first seat, then moves
                    templates = templates[:1] if index == 0 else templates[1:]
                sentence = _sentence(templates, rng, iv, iv.subject)
                fields = {"valid_from": iv.start.isoformat(), "valid_until": None}
                emit(observed, _fact(iv, sentence, iv.subject, **fields, source=[source]), kind)
                if iv.explicit_end and iv.end is not None:
                    ended = _cap(max(_at(iv.end + _days(rng, 0, 30), rng), observed + timedelta(days=1)))
                    sentence = _sentence(_ENDED[predicate], rng, iv, iv.subject)
                    fields = {"valid_from": None, "valid_until": iv.end.isoformat()}
                    emit(ended, _fact(iv, sentence, iv.subject, **fields, source=[new_source()]), "end")
    # Restatements fill the count up to n_facts (about a fifth of all statements).
    candidates = [iv for iv in world.intervals if iv.start > STATIC_FROM] or list(world.intervals)
    wanted = max(n_facts - len(said), 0)
    for _ in range(wanted):
        iv = rng.choice(candidates)
        first = first_seen[id(iv)]
        if first >= _NOW_END - timedelta(days=2):
            iv = rng.choice(candidates)
            first = first_seen[id(iv)]
        observed = _cap(first + _days(rng, 1, 900))
        if observed <= first:
            observed = first + timedelta(minutes=1)
        subject = iv.subject.lower() if rng.random() < 0.15 else iv.subject
        source = first_source[id(iv)] if rng.random() < 0.5 else new_source()
        end = iv.end or NOW + timedelta(days=1)
        style = rng.random()
        inside_from = observed.date() > iv.start and observed.date() < end and observed.date() <= NOW
        if style < 0.3 and inside_from:
            valid_from = None  # undated: "still lives in X", said while true
        elif style < 0.65:
            span = (min(end, NOW) - iv.start).days
            valid_from = (iv.start + timedelta(days=rng.randint(0, max(0, span - 1)))).isoformat()
        else:
            valid_from = iv.start.isoformat()
        if valid_from is not None and date.fromisoformat(valid_from) > observed.date():
            valid_from = iv.start.isoformat()
        sentence = _sentence(
            _STILL[iv.predicate] if valid_from is None else _RESTATED[iv.predicate], rng, iv, subject
        )
        emit(
            observed,
            _fact(iv, sentence, subject, valid_from=valid_from, valid_until=None, source=[source]),
            "restated",
        )
    said.sort(key=lambda s: (s.observed, s.seq))
    world.statements = said


# -- outputs --------------------------------------------------------------------------------------


def truth_of(world: UserWorld) -> dict[str, dict[str, list[dict[str, Any]]]]:
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for subject, preds in world.timelines().items():
        for predicate, ivs in preds.items():
            out.setdefault(subject, {})[predicate] = [
                {
                    "object": iv.object,
                    "valid_from": iv.start.isoformat(),
                    "valid_until": iv.end.isoformat() if iv.end else None,
                }
                for iv in ivs
            ]
    return out


def entity_count(world: UserWorld) -> int:
    return len({norm(iv.subject) for iv in world.intervals} | {norm(iv.object) for iv in world.intervals})


class Truth:
    """Ground truth loaded from ``truth.json``, queried on normalised names."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.now = date.fromisoformat(data["now"])
        self.predicates: dict[str, str] = data["predicates"]
        self.entities: dict[str, int] = data.get("entities", {})
        self._by_group: dict[tuple[str, str, str], list[tuple[str, date, date | None]]] = {}
        self._per_user: dict[str, list[tuple[str, str]]] = {}
        for user, subjects in data["users"].items():
            for subject, preds in subjects.items():
                for predicate, ivs in preds.items():
                    self._per_user.setdefault(user, []).append((norm(subject), norm_predicate(predicate)))
                    self._by_group[(user, norm(subject), norm_predicate(predicate))] = [
                        (
                            norm(iv["object"]),
                            date.fromisoformat(iv["valid_from"]),
                            date.fromisoformat(iv["valid_until"]) if iv["valid_until"] else None,
                        )
                        for iv in ivs
                    ]

    @classmethod
    def load(cls, path: Path) -> Truth:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def known(self, user: str, subject: str, predicate: str) -> bool:
        return (user, norm(subject), norm_predicate(predicate)) in self._by_group

    def holds(self, user: str, subject: str, predicate: str, obj: str, at: date | None = None) -> bool:
        """Whether the triple is true at ``at`` (default: now, the end of the world's timeline)."""
        when = at or self.now
        for o, start, end in self._by_group.get((user, norm(subject), norm_predicate(predicate)), []):
            if o == norm(obj) and start <= when and (end is None or when < end):
                return True
        return False

    def groups(self, user: str) -> Iterator[tuple[str, str, list[tuple[str, date, date | None]]]]:
        """(normalised subject, predicate, [(normalised object, start, end)]) of one user."""
        for subject, predicate in self._per_user.get(user, []):
            yield subject, predicate, self._by_group[(user, subject, predicate)]

    def intervals(self, user: str, subject: str, predicate: str, obj: str) -> list[tuple[date, date | None]]:
        return [
            (start, end)
            for o, start, end in self._by_group.get((user, norm(subject), norm_predicate(predicate)), [])
            if o == norm(obj)
        ]


# -- queries --------------------------------------------------------------------------------------

_CURRENT_Q = {
    "lives_in": ("Where does {s} live?", "Which district does {s} live in?"),
    "works_at": ("Who does {s} work for?", "Where does {s} work?"),
    "partner_of": ("Who is {s}'s partner?",),
    "married_to": ("Who is {s} married to?",),
    "favorite_food": ("What is {s}'s favorite food?",),
    "has_pet": ("What pets does {s} have?",),
    "likes": ("What does {s} enjoy doing?",),
    "friend_of": ("Who are {s}'s friends?",),
}
_AS_OF_Q = {
    "lives_in": "Where did {s} live on {t}?",
    "works_at": "Who did {s} work for on {t}?",
    "partner_of": "Who was {s}'s partner on {t}?",
    "married_to": "Who was {s} married to on {t}?",
    "favorite_food": "What was {s}'s favorite food on {t}?",
    "has_pet": "What pets did {s} have on {t}?",
}
_HISTORY_Q = {
    "lives_in": "Where has {s} lived?",
    "works_at": "Where has {s} worked?",
    "favorite_food": "What have {s}'s favorite foods been over the years?",
    "has_pet": "What pets has {s} had?",
    "partner_of": "Who have {s}'s partners been?",
    "married_to": "Who has {s} been married to?",
}
KINDS = ("current", "as_of", "history", "multi_hop")


def _triple(s: str, p: str, o: str) -> dict[str, str]:
    return {"subject": s, "predicate": p, "object": o}


def _at_day(ivs: list[Interval], when: date) -> list[Interval]:
    return [iv for iv in ivs if iv.start <= when and (iv.end is None or when < iv.end)]


def _not_now(ivs: list[Interval]) -> list[dict[str, str]]:
    now_objects = {iv.object for iv in _at_day(ivs, NOW)}
    seen: dict[str, dict[str, str]] = {}
    for iv in ivs:
        if iv.object not in now_objects:
            seen.setdefault(iv.object, _triple(iv.subject, iv.predicate, iv.object))
    return list(seen.values())


def make_queries(
    world: UserWorld, rng: random.Random, per_kind: int, *, max_expected: int = 5
) -> list[dict[str, Any]]:
    """``per_kind`` queries of each kind about the user's people (subjects drawn with replacement)."""
    timelines = world.timelines()
    out: list[dict[str, Any]] = []

    def add(
        kind: str,
        query: str,
        expected: list[dict[str, str]],
        bad: list[dict[str, str]],
        as_of: date | None = None,
    ) -> None:
        out.append(
            {
                "id": "",
                "user_id": world.user_id,
                "kind": kind,
                "query": query,
                "as_of": as_of.isoformat() if as_of else None,
                "include_history": kind == "history",
                "expected": expected,
                "must_not_be_current": bad,
            }
        )

    def draw(kind: str, attempts: int = 200) -> bool:
        for _ in range(attempts):
            person = rng.choice(world.people)
            preds = timelines.get(person, {})
            if kind == "current":
                predicate = rng.choice(list(_CURRENT_Q))
                ivs = preds.get(predicate, [])
                now = _at_day(ivs, NOW)
                if not now or len(now) > max_expected:
                    continue
                add(
                    kind,
                    rng.choice(_CURRENT_Q[predicate]).format(s=person),
                    [_triple(person, predicate, iv.object) for iv in now],
                    _not_now(ivs),
                )
                return True
            if kind == "as_of":
                predicate = rng.choice(list(_AS_OF_Q))
                ivs = preds.get(predicate, [])
                # Prefer instants whose answer differs from today's (otherwise as-of is trivial).
                past = [iv for iv in ivs if iv.end is not None and (iv.end - iv.start).days > 2]
                pool = past if past and rng.random() < 0.8 else ivs
                if not pool:
                    continue
                iv = rng.choice(pool)
                last = (iv.end or NOW) - timedelta(days=1)
                if last < iv.start:
                    continue
                when = iv.start + timedelta(days=rng.randint(0, (last - iv.start).days))
                held = _at_day(ivs, when)
                if not held or len(held) > max_expected:
                    continue
                add(
                    kind,
                    _AS_OF_Q[predicate].format(s=person, t=when.isoformat()),
                    [_triple(person, predicate, h.object) for h in held],
                    _not_now(ivs),
                    as_of=when,
                )
                return True
            if kind == "history":
                options = [p for p in _HISTORY_Q if p in preds]
                if not options:
                    continue
                predicate = rng.choice(options)
                ivs = preds[predicate]
                objects = list(dict.fromkeys(iv.object for iv in ivs))
                if len(ivs) < 2 and rng.random() < 0.7:
                    continue  # history of a value that never changed says little
                if len(objects) > max_expected:
                    continue
                add(
                    kind,
                    _HISTORY_Q[predicate].format(s=person),
                    [_triple(person, predicate, o) for o in objects],
                    _not_now(ivs),
                )
                return True
            # multi_hop
            if rng.random() < 0.5:
                jobs = _at_day(preds.get("works_at", []), NOW)
                if not jobs:
                    continue
                company = jobs[0].object
                hq_ivs = timelines.get(company, {}).get("headquartered_in", [])
                hq = _at_day(hq_ivs, NOW)
                if not hq:
                    continue
                add(
                    kind,
                    f"Where is the headquarters of the company {person} works for?",
                    [
                        _triple(person, "works_at", company),
                        _triple(company, "headquartered_in", hq[0].object),
                    ],
                    _not_now(preds["works_at"]) + _not_now(hq_ivs),
                )
                return True
            homes = _at_day(preds.get("lives_in", []), NOW)
            if not homes:
                continue
            district = homes[0].object
            city = _at_day(timelines.get(district, {}).get("located_in", []), NOW)
            if not city:
                continue
            add(
                kind,
                rng.choice((f"Which city is {person}'s district in?", f"In which city does {person} live?")),
                [_triple(person, "lives_in", district), _triple(district, "located_in", city[0].object)],
                _not_now(preds["lives_in"]),
            )
            return True
        return False

    for kind in KINDS:
        for _ in range(per_kind):
            draw(kind)
    return out


# -- writing --------------------------------------------------------------------------------------


def _users(n_users: int) -> list[str]:
    if n_users == 1:
        return ["bench-user"]
    width = len(str(n_users - 1))
    return [f"bench-user-{i:0{width}d}" for i in range(n_users)]


def generate(
    out: Path,
    *,
    n_facts: int,
    n_users: int = 1,
    seed: int = 7,
    queries: int = 1200,
    progress: bool = False,
) -> dict[str, Any]:
    """Write a world folder (facts.jsonl, truth.json, queries.jsonl, world.json); returns world.json."""
    out.mkdir(parents=True, exist_ok=True)
    users = _users(n_users)
    per_user = n_facts // n_users
    rng = random.Random(f"queries:{seed}")
    lines: list[tuple[str, int, int, str]] = []
    truth_users: dict[str, Any] = {}
    entities: dict[str, int] = {}
    queries_out: list[dict[str, Any]] = []
    per_kind_total = max(1, -(-queries // len(KINDS)))
    kinds_per_user = [
        per_kind_total // n_users + (1 if i < per_kind_total % n_users else 0) for i in range(n_users)
    ]
    kinds = dict.fromkeys(("first", "restated", "late", "end", "static"), 0)
    for index, user in enumerate(users):
        size = per_user + (n_facts - per_user * n_users if index == n_users - 1 else 0)
        world = build_user(user, size, seed)
        for said in world.statements:
            kinds[said.fact["metadata"]["kind"]] += 1
            lines.append(
                (said.observed.isoformat(), index, said.seq, json.dumps(said.fact, ensure_ascii=False))
            )
        truth_users[user] = truth_of(world)
        entities[user] = entity_count(world)
        if kinds_per_user[index]:
            queries_out += make_queries(world, rng, kinds_per_user[index])
        if progress and (index + 1) % 50 == 0:
            print(f"  {index + 1}/{n_users} users", file=sys.stderr)
    lines.sort()
    with (out / "facts.jsonl").open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line[3] + "\n")
    (out / "truth.json").write_text(
        json.dumps(
            {
                "format": FORMAT,
                "now": NOW.isoformat(),
                "predicates": PREDICATES,
                "users": truth_users,
                "entities": entities,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    queries_out.sort(key=lambda q: (KINDS.index(q["kind"]), q["user_id"]))
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for number, query in enumerate(queries_out):
            query["id"] = f"q{number:05d}"
            fh.write(json.dumps(query, ensure_ascii=False) + "\n")
    meta = {
        "format": FORMAT,
        "generator": "bench.world",
        "seed": seed,
        "generator_sha": generator_sha(),
        "facts_asked": n_facts,
        "queries_asked": queries,
        "facts": len(lines),
        "users": n_users,
        "queries": len(queries_out),
        "queries_by_kind": {k: sum(1 for q in queries_out if q["kind"] == k) for k in KINDS},
        "statements_by_kind": kinds,
        "entities": sum(entities.values()),
        "now": NOW.isoformat(),
    }
    (out / "world.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def generator_sha() -> str:
    """Hash of this file: a cached world is regenerated when the generator changes."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def read_facts(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_queries(path: Path) -> list[dict[str, Any]]:
    return list(read_facts(path))


def ensure_world(
    folder: Path, *, n_facts: int, n_users: int = 1, seed: int = 7, queries: int = 1200
) -> dict[str, Any]:
    """Generate the world folder unless one with the same parameters is already there."""
    meta_path = folder / "world.json"
    if meta_path.is_file() and all(
        (folder / f).is_file() for f in ("facts.jsonl", "truth.json", "queries.jsonl")
    ):
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        wanted = (generator_sha(), seed, n_users, n_facts, queries)
        keys = ("generator_sha", "seed", "users", "facts_asked", "queries_asked")
        if tuple(meta.get(k) for k in keys) == wanted:
            return meta
    return generate(
        folder, n_facts=n_facts, n_users=n_users, seed=seed, queries=queries, progress=n_users > 50
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--facts", type=int, required=True, help="total facts (statements) to emit")
    parser.add_argument("--users", type=int, default=1, help="users sharing the facts equally")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=1200, help="queries in total, spread over the kinds")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    meta = ensure_world(
        args.out, n_facts=args.facts, n_users=args.users, seed=args.seed, queries=args.queries
    )
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
