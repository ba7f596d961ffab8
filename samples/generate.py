"""Generate the sample data set: ``samples/members.jsonl`` and ``samples/actions.jsonl``.

Regenerate from the repository root with::

    python samples/generate.py

The script needs only the Python 3.11+ standard library (and the system's IANA time zone
database, through :mod:`zoneinfo`).  Every random choice comes from ``random.Random``
instances seeded from :data:`SEED` (one per member, so editing one persona does not reshuffle
the others), and the files are written as UTF-8 with ``\\n`` line endings: every run produces
the same bytes.

The data
--------
One quarter, 2026-07-01 to 2026-09-30 in each member's local time, for 67 employees of a
fictional B2B software company (its product is called Beacon) running an employee-advocacy
programme.  About 80 % of members have opted in.

``members.jsonl``
    ``{"member", "display_name", "team", "timezone", "opted_in"}``, one member a line.

``actions.jsonl``
    ``{"key", "member", "verb", "at", "channel"?, "text"?, "target"?, "metrics"?, "content"?}``,
    one action a line; absent optional fields are omitted, never ``null``.  ``at`` is the
    member's local time with its UTC offset.  Shares and reads carry a ``content`` object from
    a catalogue of 80 items (35 % corporate or promotional); suggestions carry a new content
    object (``sug-...``); only kudos have a ``target``.  Lines are sorted by instant (``at``
    converted to UTC), except for deliberate edge cases:

    * five late actions, each placed after the actions of the following 8 to 20 days, as if
      a network's API had reported them late;
    * a few actions at exactly Monday 00:00 local time (and one at Sunday 23:59:59), in
      Paris, London, New York and Singapore, to exercise week boundaries.

Personas
--------
Each member follows one persona.  The persona is recorded in this table and in
:data:`MEMBERS` only; it is never written to the output.

==  =====================  ===============  =================================================
#   Persona                Members          Behaviour
==  =====================  ===============  =================================================
1   authentic ambassador   m-001 .. m-008   ~3 shares a week in their own words (10-40 words,
                                            never the same twice, sometimes quoting a few
                                            words of the suggested text); varied channels
                                            and topics, ~80 % non-corporate content; some
                                            reads, occasional kudos and training.
2   sandwich board         m-009 .. m-013   ~40 shares a week of corporate and promotional
                                            content, in bursts, all on LinkedIn, text
                                            verbatim from the suggestion or none; sometimes
                                            the same content twice on the same channel.
3   stock-phrase reuser    m-014 .. m-018   Shares with "Great read! " + the suggested text,
                                            or just "Must read" (m-015, m-018), every time.
4   creator                m-019 .. m-022   Original long posts (no content), a few shares.
5   curator                m-023 .. m-026   Content suggestions (new ``sug-`` ids), reads.
6   reader / lurker        m-027 .. m-034   A few intranet reads a week, nothing else.
7   community builder      m-035 .. m-038   Many kudos to various colleagues, some shares.
8   recruiter              m-039 .. m-042   Referrals and shares of job offers.
9   executive              m-043 .. m-045   Rare, highly personalised posts and shares with
                                            a large reach.
10  fatigue                m-046 .. m-049   Very active in July, fading to nothing by the
                                            end of August.
11  new joiner             m-050 .. m-053   Starts mid-August: onboarding training, reads,
                                            then shares.
12  kudos cheater          m-054 .. m-057   m-054 and m-055 give themselves kudos a few
                                            times; m-056 and m-057 give each other kudos
                                            every day.
13  night owl              m-058 .. m-060   Active 21:00-03:00 local time, weekends too, from
                                            Singapore (m-058, m-060) and New York (m-059), so
                                            local and UTC weeks differ.
14  template spinner       m-061 .. m-062   ~15 shares a week, one comment on all of them with
                                            its topic, year, hashtag and mention changed.
15  cross-poster           m-063 .. m-064   ~6 corporate items a week, each relayed verbatim
                                            on LinkedIn, X, Xing and Facebook.
16  thank-you ring         m-065 .. m-067   Thank each other every working day and relay
                                            ~10 items a week without a word of their own.
==  =====================  ===============  =================================================
"""

import json
import math
import random
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

K = TypeVar("K")

SEED: Final = 20260701
OUT_DIR: Final = Path(__file__).resolve().parent
FIRST_DAY: Final = date(2026, 7, 1)
LAST_DAY: Final = date(2026, 9, 30)
LATE_ACTIONS: Final = 5

PARIS: Final = "Europe/Paris"
LONDON: Final = "Europe/London"
BERLIN: Final = "Europe/Berlin"
NEW_YORK: Final = "America/New_York"
SINGAPORE: Final = "Asia/Singapore"


class Persona(StrEnum):
    AMBASSADOR = "authentic ambassador"
    SANDWICH_BOARD = "sandwich board"
    STOCK_PHRASE = "stock-phrase reuser"
    CREATOR = "creator"
    CURATOR = "curator"
    LURKER = "reader / lurker"
    COMMUNITY = "community builder"
    RECRUITER = "recruiter"
    EXECUTIVE = "executive"
    FATIGUE = "fatigue"
    NEW_JOINER = "new joiner"
    CHEATER = "kudos cheater"
    NIGHT_OWL = "night owl"
    SPINNER = "template spinner"
    CROSS_POSTER = "cross-poster"
    THANK_RING = "thank-you ring"


@dataclass(frozen=True)
class Member:
    id: str
    display_name: str
    team: str
    timezone: str
    persona: Persona
    opted_in: bool = True

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0]

    def to_json(self) -> dict[str, object]:
        return {
            "member": self.id,
            "display_name": self.display_name,
            "team": self.team,
            "timezone": self.timezone,
            "opted_in": self.opted_in,
        }


P = Persona  # keeps the table below on one line a member
MEMBERS: Final = (
    Member("m-001", "Camille Laurent", "Marketing", PARIS, P.AMBASSADOR),
    Member("m-002", "Thomas Bernard", "Sales", PARIS, P.AMBASSADOR),
    Member("m-003", "Priya Natarajan", "Engineering", LONDON, P.AMBASSADOR),
    Member("m-004", "Léa Moreau", "Customer Success", PARIS, P.AMBASSADOR),
    Member("m-005", "Jonas Weber", "Engineering", BERLIN, P.AMBASSADOR),
    Member("m-006", "Inès Haddad", "HR", PARIS, P.AMBASSADOR),
    Member("m-007", "Oliver Grant", "Sales", LONDON, P.AMBASSADOR),
    Member("m-008", "Sofia Rossi", "Marketing", PARIS, P.AMBASSADOR),
    Member("m-009", "Kevin Martin", "Sales", PARIS, P.SANDWICH_BOARD),
    Member("m-010", "Julien Petit", "Sales", PARIS, P.SANDWICH_BOARD),
    Member("m-011", "Sarah Cohen", "Sales", PARIS, P.SANDWICH_BOARD, opted_in=False),
    Member("m-012", "Maxime Durand", "Marketing", PARIS, P.SANDWICH_BOARD),
    Member("m-013", "Lukas Schneider", "Sales", BERLIN, P.SANDWICH_BOARD),
    Member("m-014", "Nicolas Roux", "Finance", PARIS, P.STOCK_PHRASE),
    Member("m-015", "Emma Clarke", "Customer Success", LONDON, P.STOCK_PHRASE),
    Member("m-016", "Hugo Lefebvre", "Sales", PARIS, P.STOCK_PHRASE, opted_in=False),
    Member("m-017", "Anna Fischer", "Finance", BERLIN, P.STOCK_PHRASE),
    Member("m-018", "Chloé Girard", "Customer Success", PARIS, P.STOCK_PHRASE),
    Member("m-019", "Aïcha Diallo", "Engineering", PARIS, P.CREATOR),
    Member("m-020", "Daniel Okafor", "Engineering", LONDON, P.CREATOR),
    Member("m-021", "Marie Dubois", "Marketing", PARIS, P.CREATOR),
    Member("m-022", "Rachel Kim", "Customer Success", NEW_YORK, P.CREATOR),
    Member("m-023", "Pierre Fontaine", "Marketing", PARIS, P.CURATOR),
    Member("m-024", "Grace Tan", "Marketing", SINGAPORE, P.CURATOR),
    Member("m-025", "Clara Vogel", "Engineering", BERLIN, P.CURATOR),
    Member("m-026", "Antoine Mercier", "Finance", PARIS, P.CURATOR, opted_in=False),
    Member("m-027", "Isabelle Lambert", "Finance", PARIS, P.LURKER, opted_in=False),
    Member("m-028", "François Garnier", "Engineering", PARIS, P.LURKER, opted_in=False),
    Member("m-029", "Hannah Wright", "HR", LONDON, P.LURKER),
    Member("m-030", "Mathieu Chevalier", "Customer Success", PARIS, P.LURKER, opted_in=False),
    Member("m-031", "Elena Petrova", "Engineering", BERLIN, P.LURKER, opted_in=False),
    Member("m-032", "Raj Mehta", "Engineering", SINGAPORE, P.LURKER),
    Member("m-033", "Sophie Blanc", "Finance", PARIS, P.LURKER, opted_in=False),
    Member("m-034", "Michael Brennan", "Sales", NEW_YORK, P.LURKER, opted_in=False),
    Member("m-035", "Nadia Benali", "HR", PARIS, P.COMMUNITY),
    Member("m-036", "Georgia Hughes", "Customer Success", LONDON, P.COMMUNITY),
    Member("m-037", "Yann Le Gall", "Engineering", PARIS, P.COMMUNITY),
    Member("m-038", "Laura Becker", "Marketing", BERLIN, P.COMMUNITY),
    Member("m-039", "Manon Perrin", "HR", PARIS, P.RECRUITER),
    Member("m-040", "James Whitfield", "HR", LONDON, P.RECRUITER),
    Member("m-041", "Siti Rahman", "HR", SINGAPORE, P.RECRUITER),
    Member("m-042", "Charlotte Faure", "HR", PARIS, P.RECRUITER),
    Member("m-043", "Hélène Marchand", "Leadership", PARIS, P.EXECUTIVE),
    Member("m-044", "David Sterling", "Leadership", NEW_YORK, P.EXECUTIVE),
    Member("m-045", "Olivier Delacroix", "Leadership", PARIS, P.EXECUTIVE),
    Member("m-046", "Lucas Bonnet", "Sales", PARIS, P.FATIGUE),
    Member("m-047", "Amelia Scott", "Marketing", LONDON, P.FATIGUE, opted_in=False),
    Member("m-048", "Romain Gauthier", "Customer Success", PARIS, P.FATIGUE),
    Member("m-049", "Julia Hoffmann", "Sales", BERLIN, P.FATIGUE),
    Member("m-050", "Zoé Renaud", "Marketing", PARIS, P.NEW_JOINER),
    Member("m-051", "Arjun Iyer", "Engineering", SINGAPORE, P.NEW_JOINER),
    Member("m-052", "Baptiste Robin", "Sales", PARIS, P.NEW_JOINER),
    Member("m-053", "Emily Carter", "Customer Success", NEW_YORK, P.NEW_JOINER, opted_in=False),
    Member("m-054", "Alexandre Colin", "Sales", PARIS, P.CHEATER),
    Member("m-055", "Megan Foster", "Sales", LONDON, P.CHEATER),
    Member("m-056", "Quentin Morel", "Sales", PARIS, P.CHEATER),
    Member("m-057", "Théo Masson", "Sales", PARIS, P.CHEATER),
    Member("m-058", "Marcus Ong", "Engineering", SINGAPORE, P.NIGHT_OWL),
    Member("m-059", "Tyler Brooks", "Marketing", NEW_YORK, P.NIGHT_OWL),
    Member("m-060", "Darren Koh", "Sales", SINGAPORE, P.NIGHT_OWL, opted_in=False),
    Member("m-061", "Kevin Lambert", "Sales", PARIS, P.SPINNER),
    Member("m-062", "Oliver Grant", "Marketing", LONDON, P.SPINNER),
    Member("m-063", "Sabine Roux", "Marketing", PARIS, P.CROSS_POSTER),
    Member("m-064", "Lukas Fischer", "Sales", BERLIN, P.CROSS_POSTER),
    Member("m-065", "Nadia Benali", "Customer Success", PARIS, P.THANK_RING),
    Member("m-066", "Hugo Lefort", "Customer Success", PARIS, P.THANK_RING),
    Member("m-067", "Sophie Walker", "Customer Success", LONDON, P.THANK_RING),
)
THANK_RING: Final = ("m-065", "m-066", "m-067")
SPIN_ADJECTIVES: Final = ("insightful", "interesting", "valuable", "thoughtful")
CROSS_CHANNELS: Final = ("linkedin", "x", "xing", "facebook")
MUST_READ_ONLY: Final = frozenset({"m-015", "m-018"})
KUDOS_RING: Final = ("m-056", "m-057")

# --------------------------------------------------------------------------------------------
# Content catalogue: (kind, topics, suggested_text).  Ids are c-001... in this order.
# --------------------------------------------------------------------------------------------

CORPORATE_KINDS: Final = frozenset({"corporate", "promotional"})
OTHER_KINDS: Final = frozenset({"industry", "thought_leadership", "culture", "jobs"})
ALL_KINDS: Final = CORPORATE_KINDS | OTHER_KINDS
TOPICS: Final = (
    "ai",
    "sustainability",
    "hiring",
    "product",
    "customers",
    "security",
    "diversity",
    "events",
    "finance",
    "cloud",
)

CATALOGUE: Final[tuple[tuple[str, tuple[str, ...], str], ...]] = (
    (
        "corporate",
        ("sustainability", "events"),
        "We just opened our new Lyon office, built to be carbon neutral. "
        "Come and see what we're building!",
    ),
    (
        "corporate",
        ("finance", "cloud"),
        "Q2 results are in: recurring revenue up 18% year on year, with our cloud business now "
        "more than half of sales.",
    ),
    (
        "corporate",
        ("security",),
        "We're proud to be ISO 27001 certified across all six of our sites. Security is a team "
        "sport, and this is a team win.",
    ),
    (
        "corporate",
        ("product", "ai"),
        "Please welcome our new Chief Technology Officer, Ana Ribeiro, who joins us after ten "
        "years building healthcare software.",
    ),
    (
        "corporate",
        ("customers", "cloud"),
        "We've signed a multi-year partnership with a leading European rail operator to "
        "modernise their passenger data platform.",
    ),
    (
        "corporate",
        ("sustainability",),
        "Our 2025 impact report is out: 42% lower emissions per employee since 2021, and every "
        "site now runs on renewable power.",
    ),
    (
        "corporate",
        ("hiring", "diversity"),
        "We've been named one of the best places to work in tech for the third year running. "
        "Thank you to everyone who makes it true.",
    ),
    (
        "corporate",
        ("hiring", "events"),
        "Our Berlin team has moved into a bigger home in Kreuzberg, with room for another 80 "
        "colleagues over the next two years.",
    ),
    (
        "corporate",
        ("sustainability",),
        "We've committed to net zero across our whole value chain by 2035, and had the target "
        "checked independently.",
    ),
    (
        "corporate",
        ("diversity",),
        "Half of our new managers this year are women. There's still work to do, and we'll keep "
        "publishing the numbers every quarter.",
    ),
    (
        "corporate",
        ("customers",),
        "Our customer satisfaction score hit 71 this quarter, the highest in our history. Thank "
        "you to our support teams around the world.",
    ),
    (
        "corporate",
        ("security", "ai"),
        "We've completed the acquisition of Datalune, a small team doing great work on "
        "privacy-preserving analytics. Welcome aboard!",
    ),
    (
        "corporate",
        ("customers",),
        "Our Singapore office is now our hub for Asia-Pacific, serving customers from Sydney to "
        "Seoul.",
    ),
    (
        "corporate",
        ("ai", "security"),
        "We've published our AI principles: transparency, human oversight, and no training on "
        "customer data without consent.",
    ),
    (
        "corporate",
        ("sustainability", "diversity"),
        "Every employee gets a paid volunteering week again this year. Last year that added up "
        "to 11,000 hours for local causes.",
    ),
    (
        "corporate",
        ("finance", "cloud"),
        "Our annual shareholder letter is out. The short version: steady growth, disciplined "
        "spending and a big bet on the cloud.",
    ),
    (
        "corporate",
        ("security", "customers"),
        "We've achieved SOC 2 Type II for our entire platform, an important milestone for our "
        "customers in regulated industries.",
    ),
    (
        "corporate",
        ("finance", "hiring"),
        "Our board has approved a new employee share plan, open to every permanent employee in "
        "every country.",
    ),
    (
        "promotional",
        ("product", "ai"),
        "Beacon 5 is here: faster dashboards, natural-language search and a brand-new mobile "
        "app. See what's new.",
    ),
    (
        "promotional",
        ("events", "customers"),
        "Join our webinar on 16 September: how mid-sized insurers are cutting claims "
        "processing time in half.",
    ),
    (
        "promotional",
        ("events", "cloud"),
        "Meet us at Cloud Summit Paris on 24-25 September, stand B12. Book a demo slot with our "
        "team in advance.",
    ),
    (
        "promotional",
        ("security", "product"),
        "Try Beacon Guard free for 30 days and see every risky login across your cloud accounts "
        "in one place.",
    ),
    (
        "promotional",
        ("customers", "product"),
        "How a regional grocery chain saved 9,000 staff hours a year with Beacon. Read the full "
        "case study.",
    ),
    (
        "promotional",
        ("sustainability", "product"),
        "Our new sustainability module tracks scope 3 emissions straight from your supplier "
        "invoices. Launching this month.",
    ),
    (
        "promotional",
        ("events", "product"),
        "Register now for Beacon Live in London on 8 October: product roadmap, customer stories "
        "and a few surprises.",
    ),
    (
        "promotional",
        ("finance", "cloud"),
        "New e-book: the five questions every CFO should ask before moving finance data to the "
        "cloud.",
    ),
    (
        "promotional",
        ("product", "cloud"),
        "Beacon now connects to more than 200 data sources out of the box, including the major "
        "ERP and CRM platforms.",
    ),
    (
        "promotional",
        ("ai", "product"),
        "Watch the replay: our product team demos the new AI assistant live, on real (and "
        "anonymised) customer data.",
    ),
    (
        "industry",
        ("security",),
        "A new industry report finds that ransomware attacks on European manufacturers doubled "
        "last year. Supply chains are the weak spot.",
    ),
    (
        "industry",
        ("ai",),
        "The EU AI Act's first obligations now apply. Here's a clear summary of what changes for "
        "companies deploying AI.",
    ),
    (
        "industry",
        ("cloud",),
        "Most large companies now run some form of hybrid cloud. The question is no longer "
        "whether, but how to keep it manageable.",
    ),
    (
        "industry",
        ("sustainability", "cloud"),
        "Data centres use a growing share of Europe's electricity. This piece looks at how "
        "operators are reusing their waste heat.",
    ),
    (
        "industry",
        ("diversity", "finance"),
        "Interesting study: companies that publish their pay gap data close the gap faster than "
        "those that don't.",
    ),
    (
        "industry",
        ("sustainability", "finance"),
        "The CSRD is changing how thousands of companies report on climate. A good explainer "
        "for anyone outside the finance team.",
    ),
    (
        "industry",
        ("security",),
        "Phishing is still the top way in for attackers, but passkeys are finally gaining "
        "ground. A useful overview of the state of play.",
    ),
    (
        "industry",
        ("ai", "finance"),
        "Retail banks are spending more on AI than most sectors this year, mostly on fraud "
        "detection and customer service.",
    ),
    (
        "industry",
        ("hiring",),
        "Tech hiring in Europe picked up again in the second quarter, led by data and security "
        "roles.",
    ),
    (
        "industry",
        ("cloud", "finance"),
        "A thoughtful analysis of why so many cloud migrations go over budget, and what the "
        "successful ones did differently.",
    ),
    (
        "industry",
        ("security", "hiring"),
        "The cybersecurity skills gap keeps growing. Training the people you already have is "
        "a big part of the answer.",
    ),
    (
        "industry",
        ("customers",),
        "Buyers now expect a reply within the hour, on every channel. This survey breaks down "
        "what actually matters to them.",
    ),
    (
        "industry",
        ("ai", "cloud"),
        "Why small language models running on your own infrastructure are getting serious "
        "attention from regulated industries.",
    ),
    (
        "industry",
        ("events", "sustainability"),
        "Tech conferences are going greener: no printed badges, plant-based catering and "
        "train-first travel policies.",
    ),
    (
        "industry",
        ("diversity", "product"),
        "A sobering read on accessibility: the vast majority of popular websites still fail "
        "basic standards.",
    ),
    (
        "industry",
        ("finance", "customers"),
        "Tighter budgets and longer sales cycles: a good overview of how B2B software buyers "
        "are behaving this year.",
    ),
    (
        "thought_leadership",
        ("ai",),
        "Our head of data science argues that the best AI projects start with a boring "
        "question: what decision are we trying to improve?",
    ),
    (
        "thought_leadership",
        ("sustainability", "finance"),
        "Sustainability reporting doesn't have to be a compliance exercise. Our CFO explains "
        "how we turned it into a planning tool.",
    ),
    (
        "thought_leadership",
        ("security",),
        "'Zero trust' has become a buzzword. Our CISO explains what it means in practice, in "
        "plain language and five steps.",
    ),
    (
        "thought_leadership",
        ("customers", "product"),
        "What we learned from 300 customer interviews: people don't want more dashboards, they "
        "want fewer, better ones.",
    ),
    (
        "thought_leadership",
        ("cloud", "finance"),
        "Our VP of Engineering on how we cut our cloud bill by a third without slowing anyone "
        "down.",
    ),
    (
        "thought_leadership",
        ("hiring", "diversity"),
        "Hiring for potential rather than pedigree: our talent team on what changed when we "
        "dropped degree requirements.",
    ),
    (
        "thought_leadership",
        ("ai", "customers"),
        "Five lessons from rolling out an AI assistant to 2,000 support agents, including the "
        "mistakes we'd rather not repeat.",
    ),
    (
        "thought_leadership",
        ("product", "customers"),
        "Why every product manager should spend a day a month on the support desk. A short "
        "essay from our Chief Product Officer.",
    ),
    (
        "thought_leadership",
        ("diversity", "product"),
        "Inclusive design is good design. Our UX lead on building products that work for people "
        "with low vision or limited mobility.",
    ),
    (
        "thought_leadership",
        ("events", "sustainability"),
        "Event season is back. Our events team on how to make a conference stand worth the "
        "carbon and the money.",
    ),
    (
        "thought_leadership",
        ("security", "customers"),
        "The real cost of a data breach isn't the fine, it's the trust. Our general counsel on "
        "preparing for the worst day.",
    ),
    (
        "thought_leadership",
        ("finance",),
        "Forecasting in uncertain times: our finance director explains why we moved from annual "
        "budgets to rolling forecasts.",
    ),
    (
        "thought_leadership",
        ("cloud", "product"),
        "Open source is how we build. Our platform team on giving back to the projects our "
        "product depends on.",
    ),
    (
        "thought_leadership",
        ("ai", "hiring", "diversity"),
        "Can AI make recruiting fairer? Our people analytics lead looks at the evidence, both "
        "good and bad.",
    ),
    (
        "culture",
        ("sustainability",),
        "Our Paris team spent Friday planting 400 trees with a local reforestation charity. "
        "Sore backs, happy faces.",
    ),
    (
        "culture",
        ("ai", "events"),
        "Hackathon week is over: 34 teams, 61 hours of coding and a winning project that routes "
        "support tickets by mood.",
    ),
    (
        "culture",
        ("hiring", "diversity"),
        "Meet Fatou, who went from our support desk to leading a data engineering team in four "
        "years.",
    ),
    (
        "culture",
        ("diversity",),
        "Pride month may be over, but our LGBTQ+ network keeps going all year. Here's what "
        "they've been working on.",
    ),
    (
        "culture",
        ("events",),
        "Summer party in London: a rooftop, some rain and a surprisingly competitive game of "
        "office trivia.",
    ),
    (
        "culture",
        ("diversity", "hiring"),
        "Our mentoring programme paired 120 colleagues across countries this year. Two of them "
        "share what they learned.",
    ),
    (
        "culture",
        ("hiring",),
        "We tried a four-day week in our Berlin office for six months. Here's what happened to "
        "wellbeing, and to delivery.",
    ),
    (
        "culture",
        ("events", "sustainability"),
        "From Lyon to Singapore, our teams ran, cycled and swam 18,000 km for charity this summer.",
    ),
    (
        "culture",
        ("security",),
        "Lunch and learn: our security team ran a live phishing demo and half the room still "
        "clicked. Lesson learned.",
    ),
    (
        "culture",
        ("hiring",),
        "Say hello to our newest interns! Twelve students from eight countries are joining us "
        "for the autumn.",
    ),
    (
        "culture",
        ("diversity", "hiring"),
        "Our updated parental leave gives 20 paid weeks to every parent, whatever their gender "
        "or country.",
    ),
    (
        "culture",
        ("customers",),
        "Behind the scenes of our customer success team's listening week, when everyone, "
        "managers included, answers the phones.",
    ),
    (
        "jobs",
        ("hiring", "cloud"),
        "We're hiring a Senior Backend Engineer in Lyon to work on our data pipeline. Python, "
        "Postgres and a very friendly team.",
    ),
    (
        "jobs",
        ("hiring", "customers"),
        "Join our Customer Success team in London as an Enterprise CSM. You'll look after some "
        "of our largest banking customers.",
    ),
    (
        "jobs",
        ("hiring", "security"),
        "We're looking for a Security Engineer in Berlin to help us harden our platform. "
        "Remote-friendly within Germany.",
    ),
    (
        "jobs",
        ("hiring", "finance"),
        "Our finance team in Paris is hiring an FP&A analyst. A great role for someone who loves "
        "spreadsheets and good questions.",
    ),
    (
        "jobs",
        ("hiring", "ai"),
        "Open role: Machine Learning Engineer, in Paris or remote in France. Help us ship AI "
        "features people actually use.",
    ),
    (
        "jobs",
        ("hiring", "customers"),
        "We're hiring Account Executives in New York to grow our North American business. "
        "Strong team, ambitious targets.",
    ),
    (
        "jobs",
        ("hiring", "events"),
        "Events Manager wanted in Paris! Help us run our flagship customer conference and a "
        "dozen smaller meetups.",
    ),
    (
        "jobs",
        ("hiring", "cloud"),
        "Our Singapore hub is hiring a Solutions Architect to work with customers across "
        "Asia-Pacific.",
    ),
    (
        "jobs",
        ("hiring", "diversity"),
        "Applications for our graduate programme are open: 18 months, three rotations, two "
        "countries. Apply by 15 September.",
    ),
    (
        "jobs",
        ("hiring", "sustainability"),
        "We're hiring a Sustainability Data Analyst to help our customers measure their "
        "footprint accurately.",
    ),
)

# --------------------------------------------------------------------------------------------
# Phrase banks for the texts members write.  Templates may use {city}, {client}, {event},
# {when}, {n}, {m} (> n), {pct}, {big}, {weekday} (a recent working day), {month} and
# {topic_phrase}; see Simulator.fill.
# --------------------------------------------------------------------------------------------

CITIES: Final = (
    "Lyon",
    "Paris",
    "London",
    "Berlin",
    "Singapore",
    "New York",
    "Nantes",
    "Munich",
    "Manchester",
    "Toulouse",
)
CLIENTS: Final = (
    "a logistics client",
    "one of our insurance customers",
    "a hospital group we work with",
    "a regional retailer",
    "a large bank in Frankfurt",
    "a manufacturer near Lille",
    "a public transport operator",
    "a fast-growing fintech",
)
EVENTS: Final = (
    "last week's customer roundtable",
    "the Lyon meetup",
    "our partner day",
    "a panel in Berlin",
    "the summer sales kickoff",
    "a CIO breakfast in London",
)
HOME_CITIES: Final[Mapping[str, str]] = {
    PARIS: "Paris",
    LONDON: "London",
    BERLIN: "Berlin",
    NEW_YORK: "New York",
    SINGAPORE: "Singapore",
}
WHEN: Final = ("last spring", "in June", "earlier this year", "last autumn", "two years ago")
WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
MONTH_NAMES: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

TOPIC_REMARKS: Final[Mapping[str, tuple[str, ...]]] = {
    "ai": (
        "We tested an AI assistant with {client} {when}, and the hardest part was the data, "
        "not the model.",
        "My rule after {n} AI pilots: start with one decision you want to improve, not ten.",
        "Half the questions I got at {event} were about AI, and most were about trust rather "
        "than technology.",
        "I've used our assistant to prepare customer calls for {n} weeks now, and it gives me "
        "back most of my {weekday} mornings.",
    ),
    "sustainability": (
        "I cycled to the {city} office {n} times this month, so this topic is close to my heart.",
        "{client} asked about our carbon footprint on {weekday}, and for once I had real numbers "
        "to show.",
        "Small things add up: our floor in {city} has cut printing by {pct}% since the spring.",
        "Honest question to myself: what was the carbon cost of my last {n} trips to {city}?",
    ),
    "security": (
        "After {n} years in this field, I still think most breaches start with a rushed click on "
        "a {weekday} afternoon.",
        "We had exactly this discussion with {client} on {weekday}, and it took an hour to agree "
        "on who owns what.",
        "Reminder to my team in {city}: passkeys on, password reuse off, and report the weird "
        "emails.",
        "Security came up in {n} of my last {m} customer calls, usually as the very first "
        "question.",
    ),
    "hiring": (
        "I joined {n} years ago through a referral, so I'm biased: this is a great place to grow.",
        "If you know someone in {city} who likes hard problems and kind colleagues, send them my "
        "way.",
        "Our team has welcomed {n} new people since June, and each of them changed how we work "
        "for the better.",
        "The best interview I ever had felt like a conversation about a real problem, not a quiz.",
    ),
    "product": (
        "I showed the new release to {client} on {weekday}, and their first question was when "
        "they could have it.",
        "I've used the new version for {n} weeks, and the search alone saves me ten minutes a day.",
        "Proud of the {city} product team: they read every piece of feedback from the beta, all "
        "{big:,} of them.",
        "Every feature we removed this year made the product easier to sell and easier to support.",
    ),
    "customers": (
        "I spent {weekday} with {client} and heard the same thing again: fewer tools, better "
        "answers.",
        "I had {n} customer calls this week and this topic came up in almost every one.",
        "The best part of my job is hearing from {client} that something we built actually helped.",
        "Our {city} support team answered {big:,} tickets last month, and behind every one was a "
        "real person with a deadline.",
    ),
    "diversity": (
        "Our {city} team is far more diverse than when I joined {n} years ago, and our work is "
        "better for it.",
        "I mentored {n} people this year and learned more from them than they did from me.",
        "Representation matters, and we still have a long way to go, including in my own team.",
        "The first time I saw someone like me on a conference stage was {when}, and I still "
        "remember how it felt.",
    ),
    "events": (
        "Come and say hi if you're at the {city} event, I'll be the one with too many stickers.",
        "I met {n} customers at {event}, and those conversations were the highlight of my quarter.",
        "Our {city} crew is already planning the trip, and the slide deck is only half finished.",
        "I've been to {n} conferences this year, and the best talks were always the ones with "
        "real numbers.",
    ),
    "finance": (
        "{client} asked me about cash-flow forecasting on {weekday}, and I realised I couldn't "
        "explain it properly.",
        "As someone who builds forecasts for a living, I know a plan is only as good as its "
        "assumptions.",
        "Good numbers are only useful if people trust them, and trust takes years to earn and a "
        "day to lose.",
        "We moved to rolling forecasts {when}, and budget season went from {n} weeks to a few "
        "days.",
    ),
    "cloud": (
        "We moved {client} to the cloud over {n} months, and the technology was the easy part.",
        "Our {city} engineers have been arguing about cloud costs for weeks, in the best possible "
        "way.",
        "Cost, control, compliance: those are the three questions I hear whenever a customer "
        "talks about cloud.",
        "We cut {pct}% from our own cloud bill just by switching off what nobody was using.",
    ),
}
TOPIC_PHRASES: Final[Mapping[str, str]] = {
    "ai": "AI in everyday work",
    "sustainability": "measuring our footprint honestly",
    "hiring": "how we hire",
    "product": "building fewer, better features",
    "customers": "listening to customers",
    "security": "security culture",
    "diversity": "inclusion at work",
    "events": "what makes an event worth attending",
    "finance": "forecasting in uncertain times",
    "cloud": "cloud costs",
}
HASHTAGS: Final[Mapping[str, str]] = {
    "ai": "#AI",
    "sustainability": "#Sustainability",
    "hiring": "#Hiring",
    "product": "#Product",
    "customers": "#CustomerSuccess",
    "security": "#CyberSecurity",
    "diversity": "#Inclusion",
    "events": "#Events",
    "finance": "#Finance",
    "cloud": "#Cloud",
}
REACTIONS: Final = (
    "Worth ten minutes of anyone's time.",
    "Bookmarking this one.",
    "This made me think.",
    "A good one for the commute.",
    "Spot on.",
    "Clear and honest, which is rare.",
    "Couldn't agree more.",
    "Read it twice, sharing it once.",
    "Finally someone says it.",
    "Saving this for my team.",
)
QUOTES: Final = (
    'Love this line: "{quote}".',
    '"{quote}" is the part that stuck with me.',
    'Key line for me: "{quote}".',
    'Especially this: "{quote}".',
)
CLOSERS: Final = (
    "What's your take?",
    "Curious how others see it.",
    "Would love to hear from people in {city}.",
    "Thoughts welcome.",
    "Happy to chat if you want to know more.",
    "Tell me I'm not the only one.",
    "What would you add?",
)
POST_HOOKS: Final = (
    "Three things I learned from {n} customer workshops this summer.",
    "A small story from my {weekday} at the {city} office.",
    "I've been thinking about {topic_phrase} all week.",
    "{n} months ago our team started working on {topic_phrase}. A quick update.",
    "Unpopular opinion: {topic_phrase} is more about people than technology.",
    "Back from {event} with a full notebook and a few strong opinions.",
    "Something I wish I had known when I started: {topic_phrase} rewards patience.",
)
EXECUTIVE_HOOKS: Final = (
    "Back from {n} customer visits in {city} this week.",
    "This quarter I spent {n} days with our teams in {city}, and I came back with a long list.",
    "A note I shared with our leadership team on {weekday}, slightly edited.",
    "Every quarter I ask our newest colleagues what surprised them. This time it was "
    "{topic_phrase}.",
    "What I told our board in {month} about {topic_phrase}, in plain words.",
)
REFLECTIONS: Final = (
    "None of this is glamorous, which is probably why it works.",
    "The tools change every year; the habits that make a team good don't.",
    "I got this wrong for years, so I'm writing it down for my past self.",
    "It's a team effort, and I'm lucky to work with people who disagree well.",
    "The data helped, but the conversations helped more.",
    "We are not done, but we are a lot further than a year ago.",
)
THANKS: Final = (
    "Thanks for covering my demo on {weekday}, {first}!",
    "Huge thanks for your help on the renewal, {first}.",
    "Thank you for the brilliant onboarding session!",
    "Thanks for staying late to fix the release, {first}.",
    "Your slides saved my pitch on {weekday}. Thank you!",
    "Thanks for always answering my questions, {first}.",
    "Great workshop today, thank you {first}!",
    "Thanks for the coffee and the honest advice.",
    "{first}, thank you for jumping on that customer call at short notice.",
    "Thanks for mentoring me this month, {first}.",
)
SELF_KUDOS: Final = (
    "Closed the biggest deal of the quarter. Proud of myself!",
    "Great week, well deserved 💪",
    "Kudos to me for hitting target early.",
    "Shout-out to myself for the {city} demo.",
)
RING_KUDOS: Final = (
    "Thanks!",
    "Great job today!",
    "Thanks for the help 🙌",
    "Nice one",
    "Kudos!",
    "Cheers mate",
    "Great teamwork today",
)
RECRUITER_LINES: Final = (
    "We're growing the team in {city}! Message me if you'd like to hear what it's really like "
    "to work here.",
    "One of my favourite teams to hire for: a great manager, interesting problems and flexible "
    "hours.",
    "Know someone who would be a great fit? Referrals are the best way in, and I read every one.",
    "I've interviewed {n} people for this team so far and we still haven't found the right "
    "person. Could it be you?",
    "Happy to answer questions about this role over a coffee in {city} or a quick call.",
    "Still open, and still one of the best roles on our careers page. Share it with someone who "
    "deserves it.",
)
REFERRALS: Final = (
    "a former colleague",
    "a friend from university",
    "someone I met at the Lyon meetup",
    "an ex-teammate from my last company",
    "one of our summer interns",
)
ROLES: Final = (
    "Senior Backend Engineer",
    "Enterprise CSM",
    "Security Engineer",
    "FP&A Analyst",
    "Machine Learning Engineer",
    "Account Executive",
    "Events Manager",
    "Solutions Architect",
    "Sustainability Data Analyst",
)
REFERRAL_REASONS: Final = (
    "",
    " We worked together for three years.",
    " Strong Python, very calm under pressure.",
    " Great with customers.",
    " Exactly the profile the team described.",
)
SUGGESTION_SUBJECTS: Final[Mapping[str, tuple[str, ...]]] = {
    "ai": (
        "how insurers evaluate AI assistants",
        "the next phase of the EU AI Act",
        "why small language models are back in fashion",
    ),
    "sustainability": (
        "the carbon cost of video calls",
        "scope 3 reporting for software companies",
        "heat reuse in data centres",
    ),
    "security": (
        "the rise of passkeys",
        "social engineering attacks on help desks",
        "supply-chain attacks on open-source packages",
    ),
    "hiring": (
        "skills-based hiring",
        "what candidates read before applying",
        "the return of apprenticeships in tech",
    ),
    "product": (
        "designing dashboards people actually open",
        "pricing pages that don't confuse buyers",
        "product-led onboarding",
    ),
    "customers": (
        "what buyers expect from support",
        "customer advisory boards that work",
        "the early warning signs of churn",
    ),
    "diversity": (
        "inclusive job descriptions",
        "neurodiversity at work",
        "the gender gap in engineering leadership",
    ),
    "events": (
        "hybrid conferences done well",
        "measuring the return on trade shows",
        "greener business travel",
    ),
    "finance": (
        "rolling forecasts",
        "how CFOs are budgeting for AI",
        "the cost of capital for software companies",
    ),
    "cloud": (
        "FinOps for mid-sized companies",
        "sovereign cloud in Europe",
        "the hidden costs of multi-cloud",
    ),
}
SOURCES: Final = (
    "a trade journal",
    "a university research group",
    "an industry newsletter I follow",
    "a podcast I like",
    "a customer's engineering blog",
    "a business school",
)
SUGGESTION_TEMPLATES: Final = (
    "Great explainer on {subject} from {source}: clear, well sourced and refreshingly short.",
    "{source} has a thoughtful piece on {subject}. Worth a few minutes before your next "
    "customer meeting.",
    "New research on {subject}, with charts that make the point better than any slide deck.",
    "A jargon-free read on {subject}, from {source}. Useful when customers ask about it.",
    "If you read only one thing on {subject} this month, make it this one.",
)
SUGGESTION_NOTES: Final = (
    "Could fit the {month} newsletter.",
    "Might be useful for the sales team.",
    "Found this on my commute and thought of our customers.",
    "Our {city} team has been discussing this all week.",
    "Happy to write a longer intro if needed.",
)

# --------------------------------------------------------------------------------------------
# Channels, reach and time of day.
# --------------------------------------------------------------------------------------------

AUTHENTIC_CHANNELS: Final[Mapping[str, int]] = {
    "linkedin": 55,
    "x": 12,
    "facebook": 8,
    "instagram": 6,
    "xing": 3,
    "email": 8,
    "intranet": 8,
}
POST_CHANNELS: Final[Mapping[str, int]] = {"linkedin": 75, "x": 20, "facebook": 5}
RECRUITER_CHANNELS: Final[Mapping[str, int]] = {
    "linkedin": 70,
    "x": 10,
    "facebook": 10,
}
# Median impressions of an ordinary member's share; email has no tracking, hence no metrics.
CHANNEL_REACH: Final[Mapping[str, int]] = {
    "linkedin": 900,
    "x": 400,
    "facebook": 300,
    "instagram": 500,
    "xing": 250,
    "intranet": 150,
}
# Relative weight of each local hour of the day.
WORK_HOURS: Final[Mapping[int, int]] = {
    7: 2,
    8: 6,
    9: 12,
    10: 10,
    11: 8,
    12: 6,
    13: 7,
    14: 9,
    15: 8,
    16: 7,
    17: 7,
    18: 4,
    19: 2,
    20: 2,
    21: 1,
    22: 1,
}
WEEKEND_HOURS: Final[Mapping[int, int]] = {h: 3 if 10 <= h <= 21 else 1 for h in range(8, 24)}


@dataclass(frozen=True)
class Content:
    id: str
    kind: str
    topics: tuple[str, ...]
    suggested_text: str
    published: date  # available for sharing from this day; not written out

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "topics": list(self.topics),
            "suggested_text": self.suggested_text,
        }


@dataclass
class Action:
    member: str
    verb: str
    at: datetime
    channel: str | None = None
    text: str | None = None
    target: str | None = None
    metrics: Mapping[str, int] | None = None
    content: Content | None = None
    edge_case: str | None = None  # why the action is special, for the summary; not written out

    def to_json(self, key: str) -> dict[str, object]:
        record: dict[str, object] = {
            "key": key,
            "member": self.member,
            "verb": self.verb,
            "at": self.at.isoformat(timespec="seconds"),
        }
        optional: dict[str, object | None] = {
            "channel": self.channel,
            "text": self.text,
            "target": self.target,
            "metrics": dict(self.metrics) if self.metrics is not None else None,
            "content": self.content.to_json() if self.content is not None else None,
        }
        record.update((name, value) for name, value in optional.items() if value is not None)
        return record


@dataclass(frozen=True)
class World:
    catalogue: tuple[Content, ...]
    members: tuple[Member, ...]

    def member(self, member_id: str) -> Member:
        return next(m for m in self.members if m.id == member_id)


def build_catalogue(rng: random.Random) -> tuple[Content, ...]:
    """The content library; about a quarter of it was published before the quarter began."""
    return tuple(
        Content(
            id=f"c-{number:03d}",
            kind=kind,
            topics=topics,
            suggested_text=text,
            published=FIRST_DAY + timedelta(days=rng.randint(-30, 80)),
        )
        for number, (kind, topics, text) in enumerate(CATALOGUE, start=1)
    )


def days(first: date = FIRST_DAY, last: date = LAST_DAY) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; fine for the small means used here)."""
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def weighted(rng: random.Random, weights: Mapping[K, int]) -> K:
    """One key of ``weights``, drawn in proportion to its value."""
    return rng.choices(list(weights), list(weights.values()))[0]


class Simulator:
    """Generates the actions of one member over the quarter, following their persona."""

    def __init__(self, world: World, member: Member, salt: str = "") -> None:
        self.world = world
        self.member = member
        self.rng = random.Random(f"{SEED}:{member.id}{salt}")
        self.tz = ZoneInfo(member.timezone)
        self.actions: list[Action] = []
        self._texts: set[str] = set()
        self._uses: Counter[str] = Counter()
        self._suggestions = 0

    def run(self) -> list[Action]:
        behaviours: Mapping[Persona, Callable[[], None]] = {
            Persona.AMBASSADOR: self.ambassador,
            Persona.SANDWICH_BOARD: self.sandwich_board,
            Persona.STOCK_PHRASE: self.stock_phrase,
            Persona.CREATOR: self.creator,
            Persona.CURATOR: self.curator,
            Persona.LURKER: self.lurker,
            Persona.COMMUNITY: self.community_builder,
            Persona.RECRUITER: self.recruiter,
            Persona.EXECUTIVE: self.executive,
            Persona.FATIGUE: self.fatigue,
            Persona.NEW_JOINER: self.new_joiner,
            Persona.CHEATER: self.cheater,
            Persona.NIGHT_OWL: self.night_owl,
            Persona.SPINNER: self.spinner,
            Persona.CROSS_POSTER: self.cross_poster,
            Persona.THANK_RING: self.thank_ring,
        }
        behaviours[self.member.persona]()
        return self.actions

    # -- personas ----------------------------------------------------------------------------

    def ambassador(self) -> None:
        for day in days():
            for _ in range(self.count(day, 0.6)):
                self.authentic_share(self.work_time(day))
            for _ in range(self.count(day, 0.4)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))
            for _ in range(self.count(day, 0.05)):
                self.kudos(self.work_time(day), self.colleague())
            for _ in range(self.count(day, 0.02, weekend=0)):
                self.training(self.work_time(day))

    def sandwich_board(self) -> None:
        verbatim_rate = self.rng.uniform(0.5, 0.9)
        for day in days():
            today: list[Content] = []
            if day.weekday() < 5:
                total = max(0, round(self.rng.gauss(8, 2.5)))
            else:
                total = self.rng.randint(1, 5) if self.rng.random() < 0.15 else 0
            bursts = self.rng.randint(1, 3)
            for burst in range(bursts):
                size = total if burst == bursts - 1 else self.rng.randint(0, total)
                total -= size
                at = self.work_time(day)
                for _ in range(size):
                    if today and self.rng.random() < 0.06:  # the same content, again
                        content = self.rng.choice(today)
                    else:
                        content = self.pick_content(day, CORPORATE_KINDS, avoid=today)
                    today.append(content)
                    text = content.suggested_text if self.rng.random() < verbatim_rate else None
                    self.share(at, content, "linkedin", text, reach=0.3, engagement=0.3)
                    at += timedelta(seconds=self.rng.randint(15, 240))

    def stock_phrase(self) -> None:
        for day in days():
            for _ in range(self.count(day, 1.0)):
                content = self.pick_content(day, ALL_KINDS)
                if self.member.id in MUST_READ_ONLY:
                    text = "Must read"
                else:
                    text = "Great read! " + content.suggested_text
                channel = weighted(self.rng, {"linkedin": 8, "x": 2})
                self.share(self.work_time(day), content, channel, text, engagement=0.6)
            for _ in range(self.count(day, 0.2)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))

    def creator(self) -> None:
        favourites = self.rng.sample(TOPICS, 3)
        for day in days():
            for _ in range(self.count(day, 0.4, weekend=0.25)):
                text = self.long_text(day, favourites, POST_HOOKS, 45, 130)
                channel = self.pick_channel(POST_CHANNELS)
                self.post(self.work_time(day), channel, text, reach=2.0, engagement=2.0)
            for _ in range(self.count(day, 0.15)):
                self.authentic_share(self.work_time(day))
            for _ in range(self.count(day, 0.2)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))

    def curator(self) -> None:
        for day in days():
            for _ in range(self.count(day, 0.6)):
                self.suggest(self.work_time(day))
            for _ in range(self.count(day, 0.8, weekend=0.2)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))
            for _ in range(self.count(day, 0.1)):
                self.authentic_share(self.work_time(day))

    def lurker(self) -> None:
        for day in days():
            for _ in range(self.count(day, 0.6)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS), "intranet")

    def community_builder(self) -> None:
        for day in days():
            for _ in range(self.count(day, 1.6)):
                self.kudos(self.work_time(day), self.colleague())
            for _ in range(self.count(day, 0.3)):
                self.authentic_share(self.work_time(day))
            for _ in range(self.count(day, 0.2)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))

    def recruiter(self) -> None:
        for day in days():
            for _ in range(self.count(day, 0.4)):
                self.referral(self.work_time(day))
            for _ in range(self.count(day, 0.8)):
                kinds = {"jobs"} if self.rng.random() < 0.9 else {"culture"}
                content = self.pick_content(day, kinds)
                text = self.fill(self.rng.choice(RECRUITER_LINES), day)
                if self.rng.random() < 0.4:
                    text += " #hiring"
                channel = self.pick_channel(RECRUITER_CHANNELS)
                self.share(self.work_time(day), content, channel, text, reach=1.5)
            for _ in range(self.count(day, 0.2)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))

    def executive(self) -> None:
        for day in days():
            for _ in range(self.count(day, 0.1, weekend=0.5)):
                topics = [self.rng.choice(TOPICS)]
                text = self.long_text(day, topics, EXECUTIVE_HOOKS, 70, 160)
                self.post(self.work_time(day), "linkedin", text, reach=10, engagement=2.0)
            for _ in range(self.count(day, 0.15)):
                self.authentic_share(self.work_time(day), min_words=18, reach=6)
            for _ in range(self.count(day, 0.05)):
                self.kudos(self.work_time(day), self.colleague())

    def fatigue(self) -> None:
        fade_start = date(2026, 7, 13) + timedelta(days=self.rng.randint(0, 10))
        fade_end = date(2026, 8, 20) + timedelta(days=self.rng.randint(0, 11))
        for day in days(last=fade_end):
            if day < fade_start:
                energy = 1.0
            else:
                energy = 1 - (day - fade_start).days / (fade_end - fade_start).days
            for _ in range(self.count(day, 1.6 * energy)):
                self.authentic_share(self.work_time(day))
            for _ in range(self.count(day, 0.8 * energy)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))
            for _ in range(self.count(day, 0.15 * energy)):
                self.kudos(self.work_time(day), self.colleague())
            if day < FIRST_DAY + timedelta(days=7):
                for _ in range(self.count(day, 0.3, weekend=0)):
                    self.training(self.work_time(day))

    def new_joiner(self) -> None:
        start = date(2026, 8, self.rng.randint(10, 21))
        while start.weekday() >= 5:
            start += timedelta(days=1)
        for _ in range(3):  # onboarding modules on day one
            self.training(self.work_time(start))
        for day in days(first=start):
            for _ in range(self.count(day, 0.6)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))
            for _ in range(self.count(day, 0.1, weekend=0)):
                self.training(self.work_time(day))
            if day < start + timedelta(days=5):
                continue
            for _ in range(self.count(day, 0.5)):
                if self.rng.random() < 0.5:
                    content = self.pick_content(day, ALL_KINDS)
                    text = content.suggested_text
                    self.share(self.work_time(day), content, "linkedin", text, engagement=0.8)
                else:
                    self.authentic_share(self.work_time(day))

    def cheater(self) -> None:
        if self.member.id in KUDOS_RING:
            partner = next(m for m in KUDOS_RING if m != self.member.id)
            for day in days():
                thanks = self.rng.choice(RING_KUDOS)
                self.kudos(self.work_time(day), self.world.member(partner), thanks)
        else:
            weekdays = [day for day in days() if day.weekday() < 5]
            for day in sorted(self.rng.sample(weekdays, self.rng.randint(3, 5))):
                thanks = self.fill(self.rng.choice(SELF_KUDOS), day)
                self.kudos(self.work_time(day), self.member, thanks)
        for day in days():
            for _ in range(self.count(day, 0.5)):
                content = self.pick_content(day, ALL_KINDS)
                text = content.suggested_text if self.rng.random() < 0.7 else None
                self.share(self.work_time(day), content, "linkedin", text, engagement=0.5)
            for _ in range(self.count(day, 0.1)):
                self.kudos(self.work_time(day), self.colleague())
            for _ in range(self.count(day, 0.2)):
                self.read(self.work_time(day), self.pick_content(day, ALL_KINDS))

    def spinner(self) -> None:
        """One comment on every share, its topic, number, hashtag and mention changed."""
        for day in days():
            for _ in range(self.count(day, 3.0)):
                content = self.pick_content(day, ALL_KINDS)
                topic = content.topics[0]
                text = (
                    f"Really {self.rng.choice(SPIN_ADJECTIVES)} piece on {topic}! Everyone "
                    f"working on {topic} should read this before planning "
                    f"{self.rng.randint(2026, 2028)} budgets {HASHTAGS.get(topic, '#News')} "
                    f"@{self.colleague().first_name}"
                )
                channel = self.pick_channel(AUTHENTIC_CHANNELS)
                self.share(self.work_time(day), content, channel, text, engagement=0.5)

    def cross_poster(self) -> None:
        """Corporate items relayed verbatim on four networks, minutes apart."""
        for day in days():
            for _ in range(self.count(day, 1.2)):
                content = self.pick_content(day, CORPORATE_KINDS)
                at = self.work_time(day)
                for channel in CROSS_CHANNELS:
                    self.share(at, content, channel, content.suggested_text, engagement=0.3)
                    at += timedelta(seconds=self.rng.randint(30, 300))

    def thank_ring(self) -> None:
        """Three colleagues thanking each other every working day, plus plain relays."""
        for day in days():
            if day.weekday() < 5:
                for other in THANK_RING:
                    if other != self.member.id:
                        self.kudos(self.work_time(day), self.world.member(other), "Thanks!")
            for _ in range(self.count(day, 2.0)):
                content = self.pick_content(day, ALL_KINDS)
                self.share(self.work_time(day), content, "linkedin", None, engagement=0.4)

    def night_owl(self) -> None:
        favourites = self.rng.sample(TOPICS, 3)
        for day in days():
            for _ in range(self.count(day, 0.5, weekend=1)):
                self.authentic_share(self.night_time(day))
            for _ in range(self.count(day, 0.1, weekend=1)):
                text = self.long_text(day, favourites, POST_HOOKS, 45, 130)
                channel = self.pick_channel(POST_CHANNELS)
                self.post(self.night_time(day), channel, text)
            for _ in range(self.count(day, 0.3, weekend=1)):
                self.read(self.night_time(day), self.pick_content(day, ALL_KINDS))

    # -- actions -----------------------------------------------------------------------------

    def share(
        self,
        at: datetime,
        content: Content,
        channel: str,
        text: str | None,
        *,
        reach: float = 1.0,
        engagement: float = 1.0,
    ) -> None:
        metrics = self.metrics(channel, reach, engagement)
        self.actions.append(
            Action(self.member.id, "share", at, channel, text, metrics=metrics, content=content)
        )

    def authentic_share(self, at: datetime, *, min_words: int = 10, reach: float = 1) -> None:
        """A share of mostly non-corporate content (80/20), in the member's own words."""
        day = at.date()
        kinds = CORPORATE_KINDS if self.rng.random() < 0.2 else OTHER_KINDS
        content = self.pick_content(day, kinds)
        channel = self.pick_channel(AUTHENTIC_CHANNELS)
        text = self.personal_text(day, content, min_words)
        self.share(at, content, channel, text, reach=reach, engagement=1.5)

    def post(
        self, at: datetime, channel: str, text: str, *, reach: float = 1, engagement: float = 1
    ) -> None:
        metrics = self.metrics(channel, reach, engagement)
        self.actions.append(Action(self.member.id, "post", at, channel, text, metrics=metrics))

    def read(self, at: datetime, content: Content, channel: str | None = None) -> None:
        if channel is None:
            channel = "intranet" if self.rng.random() < 0.85 else "email"
        self.actions.append(Action(self.member.id, "read", at, channel, content=content))

    def training(self, at: datetime) -> None:
        self.actions.append(Action(self.member.id, "training", at, "intranet"))

    def kudos(self, at: datetime, target: Member, text: str | None = None) -> None:
        if text is None:
            template = self.rng.choice(THANKS)
            text = self.fill(template.replace("{first}", target.first_name), at.date())
        self.actions.append(Action(self.member.id, "kudos", at, "intranet", text, target.id))

    def referral(self, at: datetime) -> None:
        who, role = self.rng.choice(REFERRALS), self.rng.choice(ROLES)
        text = f"Referred {who} for the {role} role.{self.rng.choice(REFERRAL_REASONS)}"
        channel = "email" if self.rng.random() < 0.6 else "intranet"
        self.actions.append(Action(self.member.id, "referral", at, channel, text))

    def suggest(self, at: datetime) -> None:
        """Suggest new content for the library (it gets a fresh ``sug-`` id)."""
        self._suggestions += 1
        topic = self.rng.choice(TOPICS)
        others = [t for t in TOPICS if t != topic]
        topics = (topic, *self.rng.sample(others, self.rng.randint(0, 1)))
        suggested = self.rng.choice(SUGGESTION_TEMPLATES).format(
            subject=self.rng.choice(SUGGESTION_SUBJECTS[topic]), source=self.rng.choice(SOURCES)
        )
        kind = weighted(self.rng, {"industry": 6, "thought_leadership": 3, "culture": 1})
        content = Content(
            id=f"sug-{self.member.id.removeprefix('m-')}-{self._suggestions:03d}",
            kind=kind,
            topics=topics,
            suggested_text=suggested[0].upper() + suggested[1:],
            published=at.date(),
        )
        note = None
        if self.rng.random() < 0.5:
            note = self.fill(self.rng.choice(SUGGESTION_NOTES), at.date())
        self.actions.append(Action(self.member.id, "suggest", at, text=note, content=content))

    # -- helpers -----------------------------------------------------------------------------

    def count(self, day: date, per_weekday: float, weekend: float = 0.1) -> int:
        """How many times something happens on ``day``, given its mean on a working day."""
        return poisson(self.rng, per_weekday * (weekend if day.weekday() >= 5 else 1))

    def local(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def work_time(self, day: date) -> datetime:
        hour = weighted(self.rng, WEEKEND_HOURS if day.weekday() >= 5 else WORK_HOURS)
        return self.local(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)))

    def night_time(self, day: date) -> datetime:
        """Between 21:00 and 03:00 the next morning (midnight on the quarter's last day)."""
        span = 3 if day == LAST_DAY else 6
        return self.local(day, time(21)) + timedelta(seconds=self.rng.randrange(span * 3600))

    def pick_channel(self, weights: Mapping[str, int]) -> str:
        """A channel; members in Germany use Xing a lot more than others."""
        if self.member.timezone == BERLIN:
            weights = {**weights, "xing": 20}
        return weighted(self.rng, weights)

    def pick_content(
        self, day: date, kinds: Collection[str], avoid: Collection[Content] = ()
    ) -> Content:
        """Published content of one of ``kinds``, favouring the most recent.

        Content in ``avoid`` is picked only when nothing else has been published yet.
        """
        pool = [c for c in self.world.catalogue if c.kind in kinds]
        published = [c for c in pool if c.published <= day] or pool
        available = [c for c in published if c not in avoid] or published
        weights = [1 / (1 + max(0, (day - c.published).days) / 10) for c in available]
        return self.rng.choices(available, weights)[0]

    def colleague(self) -> Member:
        """Someone else, more likely from the member's own team."""
        others = [m for m in self.world.members if m.id != self.member.id]
        weights = [3 if m.team == self.member.team else 1 for m in others]
        return self.rng.choices(others, weights)[0]

    def metrics(self, channel: str, reach: float, engagement: float) -> dict[str, int] | None:
        if channel not in CHANNEL_REACH or self.rng.random() < 0.07:  # not reported
            return None
        median = CHANNEL_REACH[channel] * reach
        impressions = max(3, round(self.rng.lognormvariate(math.log(median), 0.6)))
        clicks = round(impressions * self.rng.uniform(0.002, 0.02) * engagement)
        reactions = round(impressions * self.rng.uniform(0.005, 0.03) * engagement)
        return {
            "impressions": impressions,
            "clicks": min(clicks, impressions),
            "reactions": min(reactions, impressions),
        }

    def fill(self, template: str, day: date, topic: str = "") -> str:
        """``template`` with its placeholders filled in, first letter capitalised."""
        rng = self.rng
        n = rng.randint(2, 12)
        recent = day - timedelta(days=rng.randint(1, 4))
        while recent.weekday() >= 5:
            recent -= timedelta(days=1)
        city = HOME_CITIES[self.member.timezone] if rng.random() < 0.6 else rng.choice(CITIES)
        text = template.format(
            city=city,
            client=rng.choice(CLIENTS),
            event=rng.choice(EVENTS),
            when=rng.choice(WHEN),
            n=n,
            m=n + rng.randint(2, 6),
            pct=rng.randint(8, 45),
            big=rng.randint(150, 2400),
            weekday=WEEKDAY_NAMES[recent.weekday()],
            month=MONTH_NAMES[day.month - 1],
            topic_phrase=TOPIC_PHRASES.get(topic, "our work"),
        )
        return text[0].upper() + text[1:]

    def quote(self, content: Content) -> str | None:
        """A short clause of the suggested text in quotation marks, if it has one."""
        clauses = re.split(r"[.,:;!?]+(?:\s+|$)", content.suggested_text)
        short = [c.strip(" '\"") for c in clauses if 3 <= len(c.split()) <= 9]
        return self.rng.choice(QUOTES).format(quote=self.rng.choice(short)) if short else None

    def fresh(self, options: Sequence[str]) -> str:
        """One of ``options``, among those this member has used least so far."""
        fewest = min(self._uses[option] for option in options)
        choice = self.rng.choice([option for option in options if self._uses[option] == fewest])
        self._uses[choice] += 1
        return choice

    def personal_text(self, day: date, content: Content, min_words: int = 10) -> str:
        """The member's own comment on ``content``: 10-40 words, never the same twice."""

        def compose() -> str:
            parts = []
            if self.rng.random() < 0.4:
                parts.append(self.rng.choice(REACTIONS))
            topic = self.rng.choice(content.topics)
            parts.append(self.fill(self.fresh(TOPIC_REMARKS[topic]), day))
            quote = self.quote(content) if self.rng.random() < 0.35 else None
            if quote is not None:
                parts.append(quote)
            if self.rng.random() < 0.4:
                parts.append(self.fill(self.rng.choice(CLOSERS), day))
            return " ".join(parts)

        return self.unique(compose, min_words, 40)

    def long_text(
        self, day: date, topics: Sequence[str], hooks: Sequence[str], min_words: int, max_words: int
    ) -> str:
        """An original post: a hook, a few first-hand remarks, a reflection, a question."""

        def compose() -> str:
            topic = self.rng.choice(topics)
            parts = [self.fill(self.fresh(hooks), day, topic)]
            remarks = self.rng.sample(TOPIC_REMARKS[topic], self.rng.randint(2, 3))
            parts += [self.fill(remark, day) for remark in remarks]
            parts.append(self.rng.choice(REFLECTIONS))
            parts.append(self.fill(self.rng.choice(CLOSERS), day))
            if self.rng.random() < 0.5:
                other = self.rng.choice([t for t in TOPICS if t != topic])
                parts.append(f"{HASHTAGS[topic]} {HASHTAGS[other]}")
            return " ".join(parts)

        return self.unique(compose, min_words, max_words)

    def unique(self, compose: Callable[[], str], min_words: int, max_words: int) -> str:
        for _ in range(200):
            text = compose()
            if min_words <= len(text.split()) <= max_words and text not in self._texts:
                self._texts.add(text)
                return text
        raise RuntimeError(f"no new text of {min_words}-{max_words} words for {self.member.id}")


# --------------------------------------------------------------------------------------------
# Edge cases and file order.
# --------------------------------------------------------------------------------------------


def boundary_actions(world: World) -> list[Action]:
    """Actions at exactly Monday 00:00 local time, plus one a second before a Monday."""
    actions: list[Action] = []

    def simulator(member_id: str) -> Simulator:
        return Simulator(world, world.member(member_id), salt=":boundary")

    midnight = time(0)
    # A Paris sandwich board whose scheduling tool fires at midnight.
    sim = simulator("m-009")
    day = date(2026, 7, 13)
    content = sim.pick_content(day, CORPORATE_KINDS)
    sim.share(sim.local(day, midnight), content, "linkedin", content.suggested_text, reach=0.3)
    actions += sim.actions
    # Singapore night owl: Monday 00:00 in Singapore is still Sunday in Europe.
    sim = simulator("m-058")
    day = date(2026, 8, 3)
    sim.post(
        sim.local(day, midnight), "linkedin", sim.long_text(day, ["cloud"], POST_HOOKS, 45, 130)
    )
    actions += sim.actions
    # New York night owl: one read a second before the week ends, one share as the next begins.
    sim = simulator("m-059")
    day = date(2026, 9, 13)
    sim.read(sim.local(day, time(23, 59, 59)), sim.pick_content(day, ALL_KINDS), "intranet")
    day = date(2026, 9, 14)
    sim.authentic_share(sim.local(day, midnight))
    actions += sim.actions
    # The kudos ring, at the stroke of midnight, on top of its daily kudos.
    sim = simulator("m-056")
    sim.kudos(sim.local(date(2026, 8, 24), midnight), world.member("m-057"), "Thanks!")
    actions += sim.actions
    # A London reader.
    sim = simulator("m-029")
    day = date(2026, 9, 7)
    sim.read(sim.local(day, midnight), sim.pick_content(day, ALL_KINDS), "intranet")
    actions += sim.actions
    for action in actions:
        local = action.at.strftime("%a %H:%M:%S")
        action.edge_case = f"{local} {action.at.tzinfo} ({action.verb} by {action.member})"
    return actions


def with_late_arrivals(actions: list[Action], rng: random.Random, count: int) -> list[Action]:
    """``actions`` (sorted by instant) in file order: ``count`` of them arrive late.

    Each late action keeps its ``at`` but is placed after every action of the following 8 to
    20 days, as if the network's API had reported it late.
    """
    eligible = {"share", "post", "read", "training"}
    candidates = [
        i
        for i, action in enumerate(actions[: len(actions) * 7 // 10])
        if action.verb in eligible and action.edge_case is None
    ]
    chosen = sorted(rng.sample(candidates, count))
    skipped = set(chosen)
    on_time = [action for i, action in enumerate(actions) if i not in skipped]
    instants = [action.at for action in on_time]
    arrivals: dict[int, list[Action]] = {}
    for i in chosen:
        delay = rng.randint(8, 20)
        late = actions[i]
        late.edge_case = (
            f"late by {delay} days ({late.verb} by {late.member} at {late.at.isoformat()})"
        )
        position = bisect_right(instants, late.at + timedelta(days=delay))
        arrivals.setdefault(position, []).append(late)
    ordered: list[Action] = []
    for position, action in enumerate(on_time):
        ordered += arrivals.get(position, [])
        ordered.append(action)
    ordered += arrivals.get(len(on_time), [])
    return ordered


def write_jsonl(path: Path, records: Iterable[Mapping[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def summarise(members: Sequence[Member], keyed: Sequence[tuple[str, Action]], path: Path) -> None:
    personas = {m.id: m.persona for m in members}
    verbs = Counter(action.verb for _, action in keyed)
    per_persona = Counter(personas[action.member] for _, action in keyed)
    print(f"members: {len(members)} ({sum(m.opted_in for m in members)} opted in)")
    print(f"actions: {len(keyed)}")
    print("per verb: " + ", ".join(f"{verb} {n}" for verb, n in verbs.most_common()))
    print("per persona:")
    for persona in Persona:
        print(f"  {persona:<22} {per_persona[persona]:>5}")
    print("edge cases:")
    for key, action in keyed:
        if action.edge_case is not None:
            print(f"  {key}: {action.edge_case}")
    print(f"first 3 lines of {path.name}:")
    with path.open(encoding="utf-8") as lines:
        for _ in range(3):
            print("  " + lines.readline().rstrip("\n"))


def main() -> None:
    rng = random.Random(SEED)
    world = World(build_catalogue(rng), MEMBERS)
    actions = [action for member in MEMBERS for action in Simulator(world, member).run()]
    actions += boundary_actions(world)
    actions.sort(key=lambda action: (action.at, action.member))  # stable: ties keep their order
    keyed = [
        (f"act-{number:06d}", action)
        for number, action in enumerate(with_late_arrivals(actions, rng, LATE_ACTIONS), start=1)
    ]
    write_jsonl(OUT_DIR / "members.jsonl", (member.to_json() for member in MEMBERS))
    write_jsonl(OUT_DIR / "actions.jsonl", (action.to_json(key) for key, action in keyed))
    summarise(MEMBERS, keyed, OUT_DIR / "actions.jsonl")


if __name__ == "__main__":
    main()
