"""The reply checker's false-positive rate on good replies, its recall on bad ones, and its speed.

Good replies: tests/replies/good.yaml (the rules were tuned against it) and
bench/replies_heldout.yaml (written afterwards, never tuned against). Bad ones:
tests/replies/bad.yaml, each with the findings expected. Beside the checker's
stem matching, a baseline matches the same phrase lists word for word (no
stemming), to show what inflection tolerance adds.

    .venv/bin/python bench/replies.py [--model FOLDER_OR_ID]

With --model, the tone check runs too, with that sentiment model (the bundled
one: sentiment/bundled), so its false positives on good replies count.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reputation.config import Config  # noqa: E402
from reputation.replies.checker import findings, review_context  # noqa: E402
from reputation.replies.matching import GAP, compile_phrase  # noqa: E402
from reputation.replies.reviews import ReviewFacts, _polarity  # noqa: E402
from reputation.replies.rules import rule_book  # noqa: E402

CONFIG = Config.model_validate(
    {"company": {"name": "Кофемания", "contact": {"phone": "+7 495 123-45-67", "email": "care@kofemania.example"}}}
)


def _word_for_word(book):
    """The same rule book with every phrase matched word for word instead of by stems."""
    def exact(phrases):
        return tuple(
            compile_phrase(" ".join(w if w == GAP or w.startswith("=") else "=" + w for w in p.source.split()),
                           book.stemmer, p.suggestion)
            for p in phrases
        )
    return dataclasses.replace(
        book,
        phrases={rule: exact(phrases) for rule, phrases in book.phrases.items()},
        markers={key: exact(phrases) for key, phrases in book.markers.items()},
    )


def _context(book, language, review):
    facts = ReviewFacts(1, review.get("author"), review["text"], language,
                        _polarity(False, review.get("label"), review.get("rating")), "otzovik", "otzovik", "review_site")
    return review_context(book, CONFIG, facts, [])


def false_positives(path: Path, stemmed: bool, model=None) -> tuple[int, int]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    flagged = total = 0
    for language, replies in cases.items():
        book = rule_book(language) if stemmed else _word_for_word(rule_book(language))
        for case in replies:
            total += 1
            flagged += bool(findings(case["reply"], _context(book, language, case["review"]), model))
    return flagged, total


def recall(stemmed: bool) -> tuple[int, int]:
    cases = yaml.safe_load((ROOT / "tests/replies/bad.yaml").read_text(encoding="utf-8"))
    found = expected = 0
    for language, block in cases.items():
        book = rule_book(language) if stemmed else _word_for_word(rule_book(language))
        context = _context(book, language, block["review"])
        for case in block["cases"]:
            text = case["reply"]
            got = {(f.rule, text[f.start:f.end]) for f in findings(text, context)}
            for rule, span in case["findings"]:
                expected += 1
                found += (rule, text if span == "WHOLE" else span) in got
    return found, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a sentiment model folder or id: run the tone check with it")
    args = parser.parse_args()
    model = None
    if args.model:
        from sentiment.model import SentimentModel

        model = SentimentModel(args.model, local_only=Path(args.model).exists())
    for name, path in (("tuned good replies", ROOT / "tests/replies/good.yaml"),
                       ("held-out good replies", ROOT / "bench/replies_heldout.yaml")):
        for stemmed in (True, False):
            flagged, total = false_positives(path, stemmed, model)
            print(f"{name:<22} {'stems' if stemmed else 'word for word':<14} false positives {flagged}/{total} "
                  f"= {flagged / total:.1%}")
    stems, words = recall(True), recall(False)
    print(f"bad patterns found: stems {stems[0]}/{stems[1]} = {stems[0] / stems[1]:.1%}, "
          f"word for word {words[0]}/{words[1]} = {words[0] / words[1]:.1%}, ratio {stems[0] / max(words[0], 1):.2f}")
    book = rule_book("ru")
    text = ("Анна, здравствуйте! Спасибо, что написали. Вы пишете: «курьер опоздал на 40 минут» — так быть не должно. "
            "Сегодня же выясним, где задержался заказ, и в течение 24 часов вернёмся к вам с решением. "
            "Нам жаль, что вы ждали. Удобнее всего продолжить по телефону +7 495 123-45-67.")
    context = _context(book, "ru", {"author": "Анна", "text": "Курьер опоздал на 40 минут", "rating": 1})
    findings(text, context)
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        findings(text, context)
    print(f"check of a {len(text)}-character reply: {(time.perf_counter() - start) / runs * 1000:.1f} ms")


if __name__ == "__main__":
    main()
