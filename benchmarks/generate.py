"""Generated visit files (format ``visit/1``) of realistic size, for the benchmarks.

Every visit is made from a seed, so the same arguments always give the same file.
A "realistic" visit is about the size of the shipped state visit (its pack has as
many pages): two or three parties, five events, three statements, six figures, five
to seven topics with one to three points and up to two projects each, eight to
twelve agreements, five follow-ups and five sources, in English, Russian and Kazakh
words.
``agreements=`` makes an agreement summary of any length (the ``big`` scenario).

    python benchmarks/generate.py OUT_DIR [--count N] [--agreements N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

COUNTRIES = [
    ("kz", "Kazakhstan", "Kassym-Jomart Tokayev", "President of the Republic of Kazakhstan"),
    ("ru", "Russia", "Vladimir Putin", "President of the Russian Federation"),
    ("uz", "Uzbekistan", "Shavkat Mirziyoyev", "President of the Republic of Uzbekistan"),
    ("kg", "Kyrgyzstan", "Sadyr Japarov", "President of the Kyrgyz Republic"),
    ("az", "Azerbaijan", "Ilham Aliyev", "President of the Republic of Azerbaijan"),
    ("tj", "Tajikistan", "Emomali Rahmon", "President of the Republic of Tajikistan"),
]
VENUES = ["Kremlin", "Akorda", "Palace of Independence", "Government House"]
CITIES = ["Moscow", "Astana", "Tashkent", "Bishkek", "Baku", "Dushanbe", "Almaty", "Kazan"]
TOPICS = [
    ("economy", "Economy and trade"),
    ("energy", "Energy"),
    ("transport", "Transport and logistics"),
    ("education", "Education"),
    ("culture", "Cultural and humanitarian cooperation"),
    ("space", "Space cooperation"),
    ("health", "Health care"),
    ("digital", "Digital economy"),
    ("agriculture", "Agriculture and food security"),
    ("water", "Water resources"),
]
KINDS = ["declaration", "agreement", "memorandum", "programme", "protocol", "plan", "letter"]
STATUSES = ["signed", "signed", "signed", "adopted", "exchanged", "announced"]
_WORD_TEXT = (
    "cooperation partnership development investment transit corridor railway energy "
    "industrial programme agreement ministry government joint project infrastructure "
    "logistics border crossing settlement currency trade turnover growth education "
    "students university branch culture humanitarian exchange nuclear power plant "
    "electricity gas oil production transportation digital platform customs union "
    "agriculture grain water resources health care research space launch complex "
    "Қазақстан Ресей ынтымақтастық серіктестік сауда инвестиция Астана Мәскеу "
    "сотрудничество партнёрство развитие торговля инвестиции транзит"
)
WORDS = _WORD_TEXT.split()
SIGNERS = [
    "Minister of Foreign Affairs",
    "Minister of Transport",
    "Minister of Energy",
    "Minister of Education",
    "Minister of Economy",
    "Deputy Prime Minister",
]
NAMES = [
    "Aigerim Nurlanova",
    "Dmitry Sokolov",
    "Yerlan Karin",
    "Olga Petrova",
    "Timur Bekov",
    "Anna Volkova",
    "Marat Seitkali",
    "Sergei Ivanov",
]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _text(rng: random.Random, sentences: int, words: tuple[int, int] = (10, 22)) -> str:
    return " ".join(_sentence(rng, rng.randint(*words)) for _ in range(sentences))


def visit(seed: int = 0, agreements: int | None = None, prefix: str = "gen") -> dict[str, Any]:
    """One visit as a plain mapping (dump it as YAML or JSON)."""
    rng = random.Random(seed)
    nparties = 3 if rng.random() < 0.2 else 2
    chosen = rng.sample(COUNTRIES, nparties)
    parties = [
        {
            "id": pid,
            "country": country,
            "role": "host" if i == 0 else "guest",
            "leader": {"name": leader, "title": title},
            "delegation": [
                {"name": rng.choice(NAMES), "title": rng.choice(SIGNERS)} for _ in range(2)
            ],
        }
        for i, (pid, country, leader, title) in enumerate(chosen)
    ]
    pids = [p["id"] for p in parties]
    start = date(2025, 1, 1) + timedelta(days=rng.randrange(600))
    sources = [
        {
            "id": f"src-{i}",
            "title": _sentence(rng, 8).rstrip("."),
            "publisher": rng.choice(["Kazinform", "TASS", "Akorda", "Kremlin", "Fergana"]),
            "kind": rng.choice(["press release", "article", "transcript", "official document"]),
            "date": start + timedelta(days=1),
        }
        for i in range(5)
    ]
    src = [s["id"] for s in sources]
    events = [
        {
            "id": f"event-{i}",
            "kind": kind,
            "title": _sentence(rng, 5).rstrip("."),
            "date": start + timedelta(days=min(i, 1)),
            "venue": rng.choice(VENUES),
            "summary": _text(rng, 1),
            "source": rng.choice(src),
        }
        for i, kind in enumerate(["ceremony", "talks", "talks", "signing", "press"])
    ]
    statements = [
        {
            "speaker": pids[i % nparties],
            "event": f"event-{1 + i % 2}",
            "context": "Said during the talks",
            "text": _text(rng, 2),
            "source": rng.choice(src),
        }
        for i in range(3)
    ]
    topic_list = rng.sample(TOPICS, rng.randint(5, 7))
    topics = [
        {
            "id": tid,
            "title": title,
            "summary": _text(rng, 1),
            "points": [
                {"text": _text(rng, 1), "source": rng.choice(src)} for _ in range(rng.randint(1, 3))
            ],
            "projects": [
                {
                    "id": f"{tid}-project-{j}",
                    "name": _sentence(rng, 4).rstrip("."),
                    "partner": rng.choice(["Rosatom", "KTZ", "Samruk-Kazyna", "Gazprom"]),
                    "summary": _text(rng, 1),
                    "source": rng.choice(src),
                }
                for j in range(rng.randint(0, 2))
            ],
        }
        for tid, title in topic_list
    ]
    tids = [t["id"] for t in topics]
    figures = [
        {
            "id": "trade",
            "label": "Trade turnover",
            "value": rng.randrange(1, 40) * 1_000_000_000,
            "unit": "USD",
            "period": str(start.year - 1),
            "target": {"value": 50_000_000_000, "unit": "USD"},
            "topic": tids[0],
            "source": src[0],
        },
        {
            "id": "share",
            "label": "Share of national currencies",
            "value": rng.randint(50, 99),
            "unit": "%",
            "qualifier": "more_than",
            "source": src[1],
        },
        {
            "id": "projects",
            "label": "Joint projects",
            "value": rng.randint(20, 300),
            "unit": "projects",
            "source": src[0],
        },
        {
            "id": "students",
            "label": "Students studying abroad",
            "value": rng.randint(1000, 90000),
            "unit": "students",
            "qualifier": "about",
            "source": src[2],
        },
        {
            "id": "invest",
            "label": "Investment",
            "value": rng.randrange(1, 90) * 100_000_000,
            "unit": "EUR",
            "target": {"value": 10_000_000_000, "unit": "EUR", "by": "2030"},
            "source": src[3],
        },
        {
            "id": "cargo",
            "label": "Transit cargo",
            "value": rng.randint(1, 30) * 100_000,
            "unit": "tonnes",
            "source": src[4],
        },
    ]
    count = agreements if agreements is not None else rng.randint(8, 12)
    agreement_list = []
    for i in range(count):
        item: dict[str, Any] = {
            "id": f"agreement-{i}",
            "title": _sentence(rng, rng.randint(8, 18)).rstrip("."),
            "kind": rng.choice(KINDS),
            "status": rng.choice(STATUSES),
            "parties": pids[:2],
            "summary": _text(rng, 1),
            "source": rng.choice(src),
        }
        if rng.random() < 0.4:
            item["signatories"] = [f"{rng.choice(NAMES)}, {rng.choice(SIGNERS)}" for _ in range(2)]
        if rng.random() < 0.6:
            item["topic"] = rng.choice(tids)
        agreement_list.append(item)
    return {
        "schema": "visit/1",
        "id": f"{prefix}-{seed}",
        "title": f"State visit of the President of {chosen[1][1]} to {chosen[0][1]}",
        "kind": "State visit",
        "classification": "public",
        "summary": _text(rng, 4),
        "dates": {"start": start, "end": start + timedelta(days=1)},
        "location": {"city": rng.choice(CITIES), "country": chosen[0][1], "venue": "Kremlin"},
        "parties": parties,
        "events": events,
        "statements": statements,
        "figures": figures,
        "topics": topics,
        "agreements": agreement_list,
        "follow_ups": [{"text": _text(rng, 1), "source": rng.choice(src)} for _ in range(5)],
        "sources": sources,
    }


def write_visit(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    return path


def write_visits(
    out: Path, count: int, agreements: int | None = None, seed: int = 0, prefix: str = "gen"
) -> list[Path]:
    """Write ``count`` visits into ``out`` (one YAML file each); return their paths."""
    return [
        write_visit(out / f"{prefix}-{seed + i}.yaml", visit(seed + i, agreements, prefix))
        for i in range(count)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--agreements", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for path in write_visits(args.out, args.count, args.agreements, args.seed):
        print(path)


if __name__ == "__main__":
    main()
