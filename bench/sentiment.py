"""Sentiment scoring speed and memory: `SentimentModel.score` in batches against one-text-at-a-time `pipeline()`.

Scores the evaluation split of the project's corpus (sentiment/corpus) with the
configured model (the bundled one by default, or --model FOLDER), on the CPU
(int8 as the product runs it, and float32) with the given threads and on a GPU
when one is present, and prints texts per
second, peak memory (RSS) and the ratio.

    python bench/sentiment.py [--model FOLDER] [--texts 2000] [--threads 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on the path and its name
# would hide the `sentiment` package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch  # noqa: E402
from transformers import pipeline  # noqa: E402

from sentiment.corpora import own_corpus  # noqa: E402
from sentiment.loading import BUNDLED, location  # noqa: E402
from sentiment.model import SentimentModel  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(score, texts: list[str]) -> float:
    started = time.perf_counter()
    score(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=BUNDLED, help="a model folder (default: the bundled model)")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    texts = [example.text for example in own_corpus()[1]][: args.texts]

    # On a CPU the product runs the model in int8 (sentiment.quantize); float32 is shown beside it.
    setups = [("cpu", True), ("cpu", False)] + ([("cuda", False)] if torch.cuda.is_available() else [])
    for device, quantize in setups:
        model = SentimentModel(location(args.model), name=args.model, device=device, quantize=quantize)
        model.score(texts[:32])  # warm-up: lazy initialisation must not count
        batched = measure(lambda batch: model.score(batch, batch_size=args.batch_size), texts)
        batched_rss = peak_rss_mb()

        classify = pipeline(
            "text-classification", model=model.model, tokenizer=model.tokenizer, device=torch.device(device),
            truncation=True, max_length=model.max_tokens,
        )
        single_texts = texts[: max(200, len(texts) // 5)]
        single = measure(lambda batch: [classify(text) for text in batch], single_texts)
        kind = "int8" if quantize else "float32"
        print(f"{model.model_id} ({model.version}) on {device}, {kind}, {args.threads} threads, {len(texts):,} texts")
        print(f"{'way':<40}{'texts/s':>10}{'peak RSS MB':>13}")
        print(f"{'SentimentModel.score, batch ' + str(args.batch_size):<40}{batched:>10,.0f}{batched_rss:>13.0f}")
        print(f"{'pipeline(), one text at a time':<40}{single:>10,.0f}{peak_rss_mb():>13.0f}")
        print(f"ratio (batched / one at a time): {batched / single:.1f}x")
        print()


if __name__ == "__main__":
    main()
