"""A transformers sentiment model: loading, batched scoring, long texts cut head and tail.

Any sequence-classification model works whose labels name negative, neutral and
positive (also the common LABEL_0..2, two-label and 1–5 star schemes). A model
that cannot be loaded stops with an error naming it and the reason; nothing is
ever scored silently by another model.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as transformers_logging

transformers_logging.disable_progress_bar()

LABELS = ("negative", "neutral", "positive")
# The part of an over-long text kept from its start; the rest comes from its end,
# where reviews often say what finally went wrong (or right).
HEAD_SHARE = 0.5
MAX_TOKENS = 256

_STAR_WORDS = {"1 star": 0, "2 stars": 0, "3 stars": 1, "4 stars": 2, "5 stars": 2}


class ModelLoadError(Exception):
    """The configured model cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Score:
    label: str
    score: float  # P(positive) - P(negative), in [-1, 1]
    probabilities: tuple[float, float, float]  # negative, neutral, positive


def _label_groups(id2label: dict[int, str]) -> list[int]:
    """For each model output, its class among LABELS (by index)."""
    names = {i: str(name).strip().lower() for i, name in id2label.items()}
    groups = []
    for index in range(len(names)):
        name = names[index]
        if name in LABELS:
            groups.append(LABELS.index(name))
        elif name.startswith(("neg", "pos", "neu")):
            groups.append({"neg": 0, "neu": 1, "pos": 2}[name[:3]])
        elif name in _STAR_WORDS:
            groups.append(_STAR_WORDS[name])
        elif len(names) == 3 and name == f"label_{index}":
            groups.append(index)  # the usual order: negative, neutral, positive
        else:
            raise ModelLoadError(f"cannot tell the sentiment of the model's label {id2label[index]!r}")
    return groups


def _version(model_dir: Path | None, revision: str | None) -> str:
    """The weights' identity: a hash of the local weights file, else the hub revision."""
    if model_dir is not None:
        for name in ("model.safetensors", "pytorch_model.bin"):
            weights = model_dir / name
            if weights.exists():
                digest = hashlib.sha256()
                with weights.open("rb") as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
                return "sha256:" + digest.hexdigest()[:16]
    return revision or "unknown"


def _int8(model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch announces a future API for the same call
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def cut_middle(ids: list[int], max_tokens: int) -> list[int]:
    """Token ids cut to `max_tokens` by dropping the middle of the text.

    The special tokens sit at the two ends, so keeping a head and a tail keeps them.
    """
    if len(ids) <= max_tokens:
        return ids
    head = int(max_tokens * HEAD_SHARE)
    return ids[:head] + ids[len(ids) - (max_tokens - head) :]


class SentimentModel:
    def __init__(
        self, model_id: str, *, name: str | None = None, local_only: bool = True, device: str | None = None,
        quantize: bool = False,
    ):
        """`model_id`: a local folder, or a Hugging Face id (then `local_only=False` lets it download).

        `name` is what the scores record as the model's id (default: `model_id`); `quantize`
        runs the linear layers in int8 when on a CPU.
        """
        self.model_id = name or model_id
        path = Path(model_id).expanduser()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(path) if path.exists() else model_id, local_files_only=local_only)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                str(path) if path.exists() else model_id, local_files_only=local_only
            )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(f"sentiment model {model_id!r} cannot be loaded: {exc}") from None
        self.groups = _label_groups(self.model.config.id2label)
        self.version = _version(path if path.exists() else None, getattr(self.model.config, "_commit_hash", None))
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        # Weights may be stored in float16 to save space; a CPU computes in float32.
        self.model.to(self.device).eval()
        if self.device.type == "cpu":
            self.model.float()
            if quantize:
                self.model = _int8(self.model)
                self.version += "+int8"
        positions = getattr(self.model.config, "max_position_embeddings", MAX_TOKENS)
        # RoBERTa-style models offset their positions by the padding index.
        positions -= (getattr(self.model.config, "pad_token_id", 0) or 0) + 1 if "roberta" in self.model.config.model_type else 0
        self.max_tokens = min(self.tokenizer.model_max_length or MAX_TOKENS, MAX_TOKENS, positions)

    def _ids(self, texts: list[str]) -> list[list[int]]:
        return [cut_middle(ids, self.max_tokens) for ids in self.tokenizer(texts, verbose=False)["input_ids"]]

    @torch.inference_mode()
    def score(self, texts: list[str], batch_size: int = 32) -> list[Score]:
        results: list[Score] = []
        # Similar lengths in a batch waste less padding; the order is restored at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            encoded = self.tokenizer.pad({"input_ids": self._ids([texts[i] for i in chunk])}, return_tensors="pt")
            logits = self.model(**{k: v.to(self.device) for k, v in encoded.items()}).logits
            results.extend(self._to_score(row) for row in torch.softmax(logits.float(), dim=-1).cpu())
        by_position = dict(zip(order, results))
        return [by_position[i] for i in range(len(texts))]

    def _to_score(self, probabilities: torch.Tensor) -> Score:
        grouped = [0.0, 0.0, 0.0]
        for output, p in enumerate(probabilities.tolist()):
            grouped[self.groups[output]] += p
        label = LABELS[max(range(3), key=grouped.__getitem__)]
        return Score(label, grouped[2] - grouped[0], tuple(grouped))
