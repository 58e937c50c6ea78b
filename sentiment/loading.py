"""The configured sentiment models: the bundled one by default, or a hub id or folder per language."""

from __future__ import annotations

from pathlib import Path

from reputation.config import Sentiment
from sentiment.model import ModelLoadError, SentimentModel

BUNDLED = "bundled"
BUNDLED_DIR = Path(__file__).with_name("bundled")


def location(name: str) -> str:
    """The folder or hub id that a configured model name stands for."""
    if name != BUNDLED:
        return name
    if not (BUNDLED_DIR / "config.json").exists():
        raise ModelLoadError(
            f"sentiment model 'bundled' is missing from this installation ({BUNDLED_DIR}); "
            "set sentiment.model to a Hugging Face model id or a local model folder"
        )
    return str(BUNDLED_DIR)


class Models:
    """The configured model of each language; every one is loaded at start, so a bad one stops it at once."""

    def __init__(self, config: Sentiment):
        names = {"default": config.model, **config.models}
        loaded: dict[str, SentimentModel] = {}
        for name in set(names.values()):
            where = location(name)
            # A configured hub id may download; the bundled model and local folders never do.
            loaded[name] = SentimentModel(where, name=name, local_only=Path(where).exists(), quantize=config.quantize)
        self._by_language = {language: loaded[name] for language, name in names.items()}

    def for_language(self, language: str | None) -> SentimentModel:
        return self._by_language.get(language or "", self._by_language["default"])
