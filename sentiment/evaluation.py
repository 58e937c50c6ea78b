"""Accuracy, macro-F1 and per-class precision/recall/F1, per language and overall."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sentiment.model import LABELS


@dataclass
class Report:
    count: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support


def evaluate(gold: list[str], predicted: list[str]) -> Report:
    pairs = Counter(zip(gold, predicted))
    per_class = {}
    for label in LABELS:
        true_positive = pairs[(label, label)]
        predicted_as = sum(n for (_, p), n in pairs.items() if p == label)
        support = sum(n for (g, _), n in pairs.items() if g == label)
        precision = true_positive / predicted_as if predicted_as else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = (precision, recall, f1, support)
    # Like scikit-learn: average over the classes that occur in the gold labels or the predictions.
    present = [label for label in LABELS if label in gold or label in predicted]
    macro = sum(per_class[label][2] for label in present) / len(present) if present else 0.0
    correct = sum(n for (g, p), n in pairs.items() if g == p)
    return Report(len(gold), correct / len(gold) if gold else 0.0, macro, per_class)


def flagged_shares(gold: list[str], flags: list[bool]) -> tuple[float | None, float | None]:
    """The share of the negative texts flagged for reply, and of the others (None without any)."""
    negatives = [flag for label, flag in zip(gold, flags) if label == "negative"]
    others = [flag for label, flag in zip(gold, flags) if label != "negative"]
    return (sum(negatives) / len(negatives) if negatives else None, sum(others) / len(others) if others else None)


def format_flagged(gold: list[str], flags: list[bool], threshold: float) -> str:
    """What goes to the reply queue: the figure that matters most is the negatives flagged."""
    negatives, others = (f"{share:.1%}" if share is not None else "–" for share in flagged_shares(gold, flags))
    return f"  flagged for reply (negative, or P(negative) ≥ {threshold:g}): {negatives} of the negatives, {others} of the others"


def read_labelled(path: Path) -> list[dict]:
    """Rows of a `text,label[,lang]` CSV; a bad label stops with its row number."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}; expected text,label[,lang]")
        rows = list(reader)
    for number, row in enumerate(rows, start=2):
        if row["label"] not in LABELS:
            raise ValueError(f"{path}: row {number}: label {row['label']!r} is not one of {', '.join(LABELS)}")
    return rows


def format_report(name: str, report: Report) -> list[str]:
    lines = [f"{name}: {report.count} texts, accuracy {report.accuracy:.3f}, macro-F1 {report.macro_f1:.3f}"]
    for label, (precision, recall, f1, support) in report.per_class.items():
        lines.append(f"  {label:<9} precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  ({support})")
    return lines
