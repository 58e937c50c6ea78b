"""The labelled texts the bundled model learns from, and the evaluation split kept out of training.

Two sources: the public corpora with open licences (`../shared/data/sentiment-train/`,
columns text,label,lang,source) and the project's own corpus of reviews and posts
(`sentiment/corpus/`, columns text,label,lang,domain,channel,rating). The
evaluation split is a fixed fifth of the project's corpus chosen by a hash of the
normalised text, so it never depends on file order or on a random seed; a public
text equal to an evaluation text is dropped from training.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sentiment.model import LABELS

CORPUS_DIR = Path(__file__).with_name("corpus")
PUBLIC_DATA_ENV = "REPUTATION_SENTIMENT_DATA"
# Beside a checkout of the project, as the team's shared folder lays it out.
DEFAULT_PUBLIC_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment-train"
EVAL_HASH_BELOW = 52  # of 256: about 20 % of the corpus


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # index into LABELS
    lang: str
    source: str
    in_domain: bool


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def in_evaluation_split(text: str) -> bool:
    return hashlib.sha1(normalised(text).encode("utf-8")).digest()[0] < EVAL_HASH_BELOW


def public_dir(explicit: Path | None = None) -> Path:
    """The folder of public corpora: the option, else the environment variable, else the shared folder."""
    folder = explicit or Path(os.environ.get(PUBLIC_DATA_ENV) or DEFAULT_PUBLIC_DIR)
    if not any(folder.glob("*.csv")):
        raise FileNotFoundError(
            f"no public sentiment corpora (*.csv) in {folder}; pass --data DIR or set {PUBLIC_DATA_ENV}"
        )
    return folder


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _examples(path: Path, source: str | None, in_domain: bool) -> list[Example]:
    return [
        Example(row["text"], LABELS.index(row["label"]), row["lang"], source or row.get("source", path.stem), in_domain)
        for row in _rows(path)
        if row.get("label") in LABELS and (row.get("text") or "").strip()
    ]


def own_corpus(corpus_dir: Path = CORPUS_DIR) -> tuple[list[Example], list[Example]]:
    """The project's corpus as (training, evaluation)."""
    train, evaluation = [], []
    for path in sorted(corpus_dir.glob("*.csv")):
        for example in _examples(path, f"corpus_{path.stem}", in_domain=True):
            (evaluation if in_evaluation_split(example.text) else train).append(example)
    return train, evaluation


def load(public: Path, corpus_dir: Path = CORPUS_DIR) -> tuple[list[Example], list[Example]]:
    """Training examples (public + own corpus) and the evaluation split."""
    train, evaluation = own_corpus(corpus_dir)
    held_out = {normalised(example.text) for example in evaluation}
    for path in sorted(public.glob("*.csv")):
        train += [e for e in _examples(path, None, in_domain=False) if normalised(e.text) not in held_out]
    return train, evaluation


def write_csv(examples: list[Example], path: Path) -> None:
    """The columns `reputation sentiment eval` reads: text,label,lang."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "lang"])
        writer.writerows([e.text, LABELS[e.label], e.lang] for e in examples)
