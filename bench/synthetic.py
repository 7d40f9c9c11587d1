"""A synthetic temporal world: people who move, change jobs, keep pets and friends, like foods.

Deterministic for a seed. Emits facts in the facts-JSONL contract plus the ground truth needed to
check current and as-of answers (the value of each cardinality-one (subject, predicate) over time).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

FIRST = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Zoe",
    "Omar",
    "Lena",
    "Ravi",
    "Yuki",
    "Ines",
    "Tomas",
    "Nadia",
    "Hugo",
    "Sara",
    "Kenji",
    "Amara",
    "Felix",
    "Priya",
    "Jonas",
    "Elif",
]
LAST = [
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Sato",
    "Tanaka",
    "Weber",
]
CITIES = [
    "Lisbon",
    "Osaka",
    "Nairobi",
    "Montreal",
    "Krakow",
    "Valencia",
    "Hanoi",
    "Tallinn",
    "Porto",
    "Leeds",
    "Bergen",
    "Cusco",
    "Daegu",
    "Ghent",
    "Izmir",
    "Kyoto",
    "Lyon",
    "Malmo",
    "Nantes",
    "Perth",
]
FOODS = ["ramen", "tacos", "falafel", "sushi", "pierogi", "curry", "paella", "pho", "risotto", "kimchi"]
PETS = ["dog", "cat", "parrot", "rabbit", "tortoise"]
SECTORS = ["Robotics", "Foods", "Energy", "Textiles", "Logistics", "Media", "Pharma", "Software"]

START = date(2015, 1, 1)


@dataclass
class World:
    facts: list[dict[str, object]] = field(default_factory=list)
    # (subject, predicate) -> [(valid_from, object)] for cardinality-one predicates, sorted.
    timelines: dict[tuple[str, str], list[tuple[date, str]]] = field(default_factory=dict)
    people: list[str] = field(default_factory=list)
    employers: dict[str, str] = field(default_factory=dict)  # company -> headquarters city


def _day(rng: random.Random, lo: int = 0, hi: int = 3650) -> date:
    return START + timedelta(days=rng.randint(lo, hi))


def generate(n_facts: int, *, seed: int = 7, user_id: str | None = None) -> World:
    rng = random.Random(seed)
    world = World()
    n_people = max(5, n_facts // 10)
    companies = [f"{rng.choice(LAST)} {rng.choice(SECTORS)} {i}" for i in range(max(3, n_people // 5))]
    for company in companies:
        city = rng.choice(CITIES)
        world.employers[company] = city
        world.facts.append(
            {
                "subject": company,
                "subject_type": "Organization",
                "predicate": "headquartered_in",
                "object": city,
                "object_type": "Location",
                "fact": f"{company} is headquartered in {city}",
                "valid_from": "2010-01-01",
                "source": "synthetic",
            }
        )
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}" for i in range(n_people)]
    world.people = people
    while len(world.facts) < n_facts:
        person = rng.choice(people)
        kind = rng.random()
        when = _day(rng)
        if kind < 0.3:
            city = rng.choice(CITIES)
            fact = {
                "subject": person,
                "subject_type": "Person",
                "predicate": "lives_in",
                "object": city,
                "object_type": "Location",
                "fact": f"{person} lives in {city}",
            }
            world.timelines.setdefault((person, "lives_in"), []).append((when, city))
        elif kind < 0.55:
            company = rng.choice(companies)
            fact = {
                "subject": person,
                "subject_type": "Person",
                "predicate": "works_at",
                "object": company,
                "object_type": "Organization",
                "fact": f"{person} works at {company}",
            }
            world.timelines.setdefault((person, "works_at"), []).append((when, company))
        elif kind < 0.7:
            friend = rng.choice(people)
            if friend == person:
                continue
            fact = {
                "subject": person,
                "predicate": "friend_of",
                "object": friend,
                "object_type": "Person",
                "fact": f"{person} is a friend of {friend}",
            }
        elif kind < 0.85:
            food = rng.choice(FOODS)
            fact = {
                "subject": person,
                "predicate": "likes",
                "object": food,
                "object_type": "Food",
                "fact": f"{person} likes {food}",
            }
        else:
            pet = f"{rng.choice(PETS)} of {person}"
            fact = {
                "subject": person,
                "predicate": "has_pet",
                "object": pet,
                "object_type": "Animal",
                "fact": f"{person} has a {pet.split(' of ')[0]}",
            }
            if rng.random() < 0.3:
                end = when + timedelta(days=rng.randint(200, 2000))
                fact["valid_until"] = end.isoformat()
        fact["valid_from"] = when.isoformat()
        fact["source"] = "synthetic"
        if user_id:
            fact["user_id"] = user_id
        world.facts.append(fact)
    for timeline in world.timelines.values():
        timeline.sort()
    return world


def value_at(world: World, subject: str, predicate: str, when: date) -> str | None:
    """Ground truth: the object of the latest statement at or before ``when``."""
    current = None
    for start, obj in world.timelines.get((subject, predicate), []):
        if start <= when:
            current = obj
    return current
