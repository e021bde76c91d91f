"""Who uses the lab: companies and people joining over the years."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from werkzeug.security import generate_password_hash

from fablab.accounts.models import Category, Company, Role, User
from fablab.synthetic.bulk import Writer, next_id, reset_sequence

FIRST_NAMES = [
    "Camille",
    "Alex",
    "Sacha",
    "Lou",
    "Noa",
    "Jade",
    "Léo",
    "Inès",
    "Hugo",
    "Emma",
    "Nora",
    "Yanis",
    "Maël",
    "Zoé",
    "Paul",
    "Chloé",
    "Louis",
    "Manon",
    "Nathan",
    "Léa",
    "Tom",
    "Sarah",
    "Lucas",
    "Julie",
    "Karim",
    "Amina",
    "Thomas",
    "Élise",
    "Malik",
    "Anaïs",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
]
COMPANY_WORDS = [
    "Atelier",
    "Menuiserie",
    "Design",
    "Studio",
    "Robotique",
    "Prototypes",
    "Mobilier",
    "Électronique",
    "Optique",
    "Textile",
    "Céramique",
    "Bois",
    "Métal",
    "Innovation",
    "Systèmes",
]
PASSWORD = "synthetic-password"  # noqa: S105  (every synthetic account; a benchmark database)
CATEGORIES = (Category.MEMBER.value,) * 6 + (Category.REDUCED.value, Category.PUBLIC.value)


@dataclass
class Person:
    id: int
    joined: date
    category: str
    company_id: int | None
    email: str
    name: str


@dataclass
class Population:
    """Everyone, in the order they joined, to pick who books on a given day."""

    manager_id: int
    people: list[Person] = field(default_factory=list)
    joined: list[date] = field(default_factory=list)
    companies: int = 0

    def pick(self, day: date, rng: random.Random) -> Person:
        """Someone who had joined by ``day``; early members book more (a few heavy users)."""
        known = max(1, bisect.bisect_right(self.joined, day))
        return self.people[min(known - 1, int(known * rng.random() ** 1.6))]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), UTC)


def _join_day(first: date, days: int, rng: random.Random) -> date:
    """A day in the history, more often in the later years (the lab grows)."""
    return first + timedelta(days=int(days * rng.random() ** 0.7))


def insert_people(*, first: date, last: date, machines: int, rng: random.Random) -> Population:
    """Companies (about one per machine every two years) and people (about 17 per machine and
    year, a fifth of them company employees), plus one manager."""
    days = max(1, (last - first).days)
    years = max(1, round(days / 365))
    company_count = max(2, machines * years // 2)
    companies = _insert_companies(company_count, first, days, rng)
    people_count = max(20, 17 * machines * years)
    password_hash = generate_password_hash(PASSWORD)
    users = Writer(
        User.__table__,
        [
            "id",
            "email",
            "password_hash",
            "name",
            "locale",
            "role",
            "category",
            "company_id",
            "is_company_contact",
            "active",
            "created_at",
        ],
    )
    start_id = next_id(User.__table__)
    manager_id = start_id
    users.add(
        (manager_id, "manager@synthetic.example", password_hash, "Camille Gestion", "fr")
        + (Role.MANAGER.value, Category.MEMBER.value, None, False, True, _at(first))
    )
    population = Population(manager_id=manager_id, companies=company_count)
    contacts: set[int] = set()
    drafts = []
    for n in range(people_count):
        joined = _join_day(first, days, rng)
        company = companies[int(len(companies) * rng.random())] if rng.random() < 0.2 else None
        company_id = None
        if company is not None and company[1] <= joined:
            company_id = company[0]
        drafts.append((joined, n, company_id, rng.choice(CATEGORIES)))
    drafts.sort()
    for offset, (joined, n, company_id, category) in enumerate(drafts, start=1):
        person_id = start_id + offset
        contact = company_id is not None and company_id not in contacts
        if contact:
            contacts.add(company_id)
        category = Category.COMPANY.value if company_id else category
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"person{n}@synthetic.example"
        users.add(
            (person_id, email, password_hash, name, "fr")
            + (Role.MEMBER.value, category, company_id, contact, rng.random() > 0.03, _at(joined))
        )
        population.people.append(Person(person_id, joined, category, company_id, email, name))
        population.joined.append(joined)
    users.flush()
    reset_sequence(User.__table__)
    return population


def _insert_companies(
    count: int, first: date, days: int, rng: random.Random
) -> list[tuple[int, date]]:
    writer = Writer(
        Company.__table__,
        [
            "id",
            "legal_name",
            "siret",
            "vat_number",
            "billing_address",
            "contact_email",
            "created_at",
        ],
    )
    start_id = next_id(Company.__table__)
    made = []
    for n in range(count):
        joined = _join_day(first, days, rng)
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(LAST_NAMES)} {n + 1}"
        siret = f"{rng.randrange(10**13, 10**14)}"
        writer.add(
            (start_id + n, name, siret, f"FR{rng.randrange(10, 99)}{siret[:9]}")
            + (f"{n + 1} rue de l'Industrie\n69000 Lyon", f"compta{n + 1}@company.example")
            + (_at(joined),)
        )
        made.append((start_id + n, joined))
    writer.flush()
    reset_sequence(Company.__table__)
    return made
