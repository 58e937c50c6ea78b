"""`reputation sentiment train`: the bundled model, learned from scratch, and fine-tuning on the team's corrections.

The bundled model is a small BERT (WordPiece vocabulary learned from the training
texts, 4 layers of width 256) chosen by measurement on the evaluation split: on
2 CPU cores it scores well over 500 texts a second once its linear layers are
quantized to int8 at load, where a cut-down multilingual e5 of the same quality
does not (see README, "Sentiment model"). Training is seeded: the same data and
settings give the same weights.

What a run does: learn the vocabulary; build one epoch as every public text
(English public data subsampled, it outnumbers the rest), plus the project's own
corpus repeated (it is what the product sees); weak labels (XED projected to
Russian) count half; classes are weighted to balance them; AdamW with linear
warm-up and decay. The weights are saved in float16 to keep the folder small.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from sentiment.corpora import Example
from sentiment.model import LABELS, cut_middle

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MAX_PIECE = 14  # characters
START_SHARE = 0.6  # of the vocabulary for word starts; the rest for ##pieces


@dataclass(frozen=True)
class Settings:
    seed: int = 13
    vocab_size: int = 16000
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 1024
    max_tokens: int = 128
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 5e-4
    warmup_share: float = 0.05
    weight_decay: float = 0.01
    in_domain_repeat: int = 3
    english_public_per_epoch: int = 20000
    source_weights: dict[str, float] = field(default_factory=lambda: {"xed_ru_projected": 0.5})
    threads: int = 2


Echo = Callable[[str], None]


def _seed(settings: Settings) -> None:
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    torch.set_num_threads(settings.threads)


def _words(texts: list[str]) -> Counter:
    from tokenizers import normalizers, pre_tokenizers

    normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    splitter = pre_tokenizers.BertPreTokenizer()
    words: Counter = Counter()
    for text in texts:
        words.update(word for word, _ in splitter.pre_tokenize_str(normalizer.normalize_str(text)))
    return words


def _ranked(pieces: Counter, room: int) -> list[str]:
    """The `room` pieces that save the most characters over the texts; ties by the piece itself."""
    ranked = sorted(pieces.items(), key=lambda item: (-item[1] * (len(item[0].removeprefix("##")) - 1), item[0]))
    return [piece for piece, _ in ranked[: max(0, room)]]


def learn_vocabulary(texts: list[str], size: int) -> list[str]:
    """A WordPiece vocabulary chosen by counting, so the same texts always give the same one.

    (The `tokenizers` trainer breaks ties in hash order, which differs from run to run.)
    WordPiece cuts a word greedily from the left: first the longest known word start,
    then the longest known ##piece of what remains. So word starts are chosen first
    (each worth its frequency times the characters it saves), then ##pieces for the
    remainders those starts leave. Every character seen twice is kept, alone and as
    ##piece, so few words become [UNK].
    """
    words = _words(texts)
    characters: Counter = Counter()
    starts: Counter = Counter()
    for word, count in words.items():
        for character in word:
            characters[character] += count
        for end in range(2, min(len(word), MAX_PIECE) + 1):
            starts[word[:end]] += count
    alphabet = sorted(c for c, n in characters.items() if n >= 2)
    vocabulary = SPECIAL_TOKENS + alphabet + ["##" + c for c in alphabet]
    vocabulary += _ranked(starts, int((size - len(vocabulary)) * START_SHARE))
    known = set(vocabulary)
    rests: Counter = Counter()
    for word, count in words.items():
        end = next((end for end in range(min(len(word), MAX_PIECE), 1, -1) if word[:end] in known), 1)
        rest = word[end:]
        for length in range(2, min(len(rest), MAX_PIECE) + 1):
            rests["##" + rest[:length]] += count
    return vocabulary + _ranked(rests, size - len(vocabulary))


def build_tokenizer(texts: list[str], settings: Settings) -> PreTrainedTokenizerFast:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocabulary = {piece: i for i, piece in enumerate(learn_vocabulary(texts, settings.vocab_size))}
    tokenizer = Tokenizer(models.WordPiece(vocabulary, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocabulary["[CLS]"]), ("[SEP]", vocabulary["[SEP]"])]
    )
    tokenizer.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=settings.max_tokens,
    )


def build_model(tokenizer: PreTrainedTokenizerFast, settings: Settings) -> BertForSequenceClassification:
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=settings.hidden, num_hidden_layers=settings.layers,
        num_attention_heads=settings.heads, intermediate_size=settings.intermediate,
        max_position_embeddings=settings.max_tokens, num_labels=len(LABELS), pad_token_id=tokenizer.pad_token_id,
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
    )
    return BertForSequenceClassification(config)


class _Batches:
    """Training rows as token ids; batches of similar lengths, in a seeded random order."""

    def __init__(self, examples: list[Example], tokenizer: PreTrainedTokenizerFast, settings: Settings):
        self.ids = [cut_middle(ids, settings.max_tokens) for ids in tokenizer([e.text for e in examples], verbose=False)["input_ids"]]
        self.labels = np.array([e.label for e in examples])
        self.weights = np.array([settings.source_weights.get(e.source, 1.0) for e in examples], dtype=np.float32)
        self.pad = tokenizer.pad_token_id
        self.size = settings.batch_size

    def of(self, rows: np.ndarray, rng: np.random.RandomState) -> list[np.ndarray]:
        rows = rows.copy()
        rng.shuffle(rows)
        batches = []
        window = self.size * 50  # sort within windows: little padding, still a random mix
        for start in range(0, len(rows), window):
            chunk = sorted(rows[start : start + window], key=lambda i: len(self.ids[i]))
            batches += [np.array(chunk[j : j + self.size]) for j in range(0, len(chunk), self.size)]
        rng.shuffle(batches)
        return batches

    def tensors(self, batch: np.ndarray):
        longest = max(len(self.ids[i]) for i in batch)
        inputs = torch.full((len(batch), longest), self.pad, dtype=torch.long)
        for row, i in enumerate(batch):
            inputs[row, : len(self.ids[i])] = torch.tensor(self.ids[i])
        return inputs, (inputs != self.pad).long(), torch.tensor(self.labels[batch]), torch.tensor(self.weights[batch])


def _epochs(examples: list[Example], settings: Settings, rng: np.random.RandomState, count: float) -> list[np.ndarray]:
    """Row indexes of each epoch (a fractional count ends with part of an epoch)."""
    in_domain = np.array([i for i, e in enumerate(examples) if e.in_domain], dtype=int)
    english_public = np.array([i for i, e in enumerate(examples) if e.lang == "en" and not e.in_domain], dtype=int)
    rest = np.array([i for i, e in enumerate(examples) if not e.in_domain and e.lang != "en"], dtype=int)
    epochs = []
    for number in range(math.ceil(count)):
        sample = rng.choice(english_public, min(settings.english_public_per_epoch, len(english_public)), replace=False)
        rows = np.concatenate([rest, np.tile(in_domain, settings.in_domain_repeat), sample])
        if number + 1 > count:
            rng.shuffle(rows)
            rows = rows[: int(len(rows) * (count - number))]
        epochs.append(rows)
    return epochs


def _class_weights(batches: _Batches, rows: np.ndarray) -> torch.Tensor:
    counts = np.bincount(batches.labels[rows], weights=batches.weights[rows], minlength=len(LABELS))
    return torch.tensor(counts.sum() / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32)


def fit(
    model: BertForSequenceClassification, batches: _Batches, epochs: list[np.ndarray], settings: Settings, echo: Echo
) -> None:
    """Class-weighted cross-entropy, AdamW, linear warm-up then linear decay to zero over all steps."""
    rng = np.random.RandomState(settings.seed)
    plan = [batches.of(rows, rng) for rows in epochs]
    total = sum(len(p) for p in plan)
    warmup = max(1, int(total * settings.warmup_share))
    loss_of = torch.nn.CrossEntropyLoss(weight=_class_weights(batches, np.concatenate(epochs)), reduction="none")
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: step / warmup if step < warmup else max(0.0, (total - step) / (total - warmup))
    )
    model.train()
    step, running, since, started = 0, 0.0, 0, time.monotonic()
    for epoch, epoch_batches in enumerate(plan, 1):
        for batch in epoch_batches:
            inputs, mask, labels, weights = batches.tensors(batch)
            per_row = loss_of(model(input_ids=inputs, attention_mask=mask).logits, labels) * weights
            loss = per_row.sum() / (loss_of.weight[labels] * weights).sum()
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            running, since = running + loss.item(), since + 1
            if step % 200 == 0 or step == total:
                echo(f"epoch {epoch} step {step}/{total} loss {running / since:.4f} ({time.monotonic() - started:.0f}s)")
                running, since = 0.0, 0
    model.eval()


def save(model, tokenizer, out: Path, details: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # float16 halves the folder; SentimentModel computes in float32 (and int8 on CPU).
    model.half().save_pretrained(out)
    model.float()
    tokenizer.save_pretrained(out)
    (out / "training.json").write_text(json.dumps(details, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def train_new(train: list[Example], out: Path, settings: Settings, echo: Echo) -> None:
    """Learn the vocabulary and the model from scratch; write the model folder to `out`."""
    _seed(settings)
    started = time.monotonic()
    tokenizer = build_tokenizer([e.text for e in train], settings)
    model = build_model(tokenizer, settings)
    echo(f"vocabulary {len(tokenizer)}, {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters, "
         f"{len(train)} training texts")
    batches = _Batches(train, tokenizer, settings)
    fit(model, batches, _epochs(train, settings, np.random.RandomState(settings.seed), settings.epochs), settings, echo)
    save(model, tokenizer, out, {"settings": asdict(settings), "training_texts": _counts(train),
                                 "seconds": round(time.monotonic() - started)})


class UnsupportedModel(Exception):
    """The model's outputs are not the three labels negative, neutral and positive."""


def fine_tune(
    init: Path, corrections: list[Example], replay: list[Example], out: Path, settings: Settings, echo: Echo
) -> None:
    """Continue training `init` on the team's corrections, replaying the project's corpus so nothing is forgotten."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    _seed(settings)
    started = time.monotonic()
    tokenizer = AutoTokenizer.from_pretrained(init)
    model = AutoModelForSequenceClassification.from_pretrained(init).float()
    outputs = [str(model.config.id2label[i]).lower() for i in range(model.config.num_labels)]
    if sorted(outputs) != sorted(LABELS):
        raise UnsupportedModel(f"{init}: --feedback needs a model labelled {', '.join(LABELS)}, not {', '.join(outputs)}")
    by_output = [outputs.index(label) for label in LABELS]
    examples = [Example(e.text, by_output[e.label], e.lang, e.source, e.in_domain) for e in replay + corrections]
    batches = _Batches(examples, tokenizer, settings)
    rows = np.concatenate([np.arange(len(replay)), np.tile(np.arange(len(replay), len(examples)), settings.in_domain_repeat)])
    fit(model, batches, [rows], settings, echo)
    save(model, tokenizer, out, {"fine_tuned_from": str(init), "settings": asdict(settings),
                                 "corrections": len(corrections), "replayed": len(replay),
                                 "seconds": round(time.monotonic() - started)})


def _counts(examples: list[Example]) -> dict:
    counts: dict[str, int] = {}
    for e in examples:
        key = f"{e.lang}/{'corpus' if e.in_domain else e.source}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
