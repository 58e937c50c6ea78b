import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import select

from reputation import schema
from reputation.config import Config
from reputation.records import Review
from sentiment.loading import Models
from sentiment.model import ModelLoadError, Score, SentimentModel
from sentiment.policy import combine, flagged, reply_due
from sentiment.scoring import score_reviews
from tests.tiny_model import build_tiny_model

T0 = datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def model(tiny_model):
    return SentimentModel(str(tiny_model))


def test_the_model_labels_texts_and_scores_them_in_minus_one_to_one(model):
    negative, neutral, positive = model.score(
        ["ужасный сервис, грубый официант", "работаете ли вы в субботу", "отличный кофе, спасибо"]
    )
    assert (negative.label, neutral.label, positive.label) == ("negative", "neutral", "positive")
    for score in (negative, neutral, positive):
        assert score.score == pytest.approx(score.probabilities[2] - score.probabilities[0])
        assert sum(score.probabilities) == pytest.approx(1.0)
    assert negative.score < -0.5 < 0.5 < positive.score


def test_batched_scores_equal_one_at_a_time(model):
    texts = ["ужасно", "отличный кофе, спасибо, рекомендую всем друзьям и коллегам", "адрес?", "great coffee"]
    batched = model.score(texts, batch_size=4)
    single = [model.score([text])[0] for text in texts]
    for a, b in zip(batched, single):
        assert a.label == b.label
        assert a.probabilities == pytest.approx(b.probabilities, abs=1e-5)


def test_a_long_text_keeps_its_head_and_tail(model):
    text = "ужасно " + "адрес " * 200 + "спасибо"
    [ids] = model._ids([text])
    tokens = model.tokenizer.convert_ids_to_tokens(ids)
    assert len(ids) == model.max_tokens == 32
    assert tokens[:2] == ["[CLS]", "ужасно"]
    assert tokens[-2:] == ["спасибо", "[SEP]"]


@pytest.mark.parametrize(
    "labels, text, expected",
    [
        (("LABEL_0", "LABEL_1", "LABEL_2"), "ужасный сервис", "negative"),
        (("NEGATIVE", "POSITIVE"), "отличный кофе, спасибо", "positive"),
        (("1 star", "2 stars", "3 stars", "4 stars", "5 stars"), "ужасный сервис", "negative"),
    ],
)
def test_common_label_schemes_map_onto_three_labels(tmp_path, labels, text, expected):
    model = SentimentModel(str(build_tiny_model(tmp_path, labels=labels)))
    assert model.score([text])[0].label == expected


def test_a_model_with_unknown_labels_or_no_files_is_refused_by_name(tmp_path):
    with pytest.raises(ModelLoadError, match="label 'joy'"):
        SentimentModel(str(build_tiny_model(tmp_path / "odd", labels=("joy", "anger", "calm"))))
    with pytest.raises(ModelLoadError, match=f"sentiment model '{tmp_path / 'absent'}' cannot be loaded"):
        SentimentModel(str(tmp_path / "absent"))


def test_models_per_language_and_the_missing_bundled_model(tiny_model, monkeypatch, tmp_path):
    config = Config.model_validate(
        {"company": {"name": "X"}, "sentiment": {"model": str(tiny_model), "models": {"fi": str(tiny_model)}}}
    )
    models = Models(config.sentiment)
    assert models.for_language("fi") is models.for_language("ru")  # one model loaded once
    monkeypatch.setattr("sentiment.loading.BUNDLED_DIR", tmp_path / "bundled")
    with pytest.raises(ModelLoadError, match="'bundled' is missing"):
        Models(Config.model_validate({"company": {"name": "X"}}).sentiment)


def text_score(label, negative=0.1):
    probabilities = {"negative": (0.8, 0.1, 0.1), "neutral": (negative, 0.8, 0.2 - negative), "positive": (0.05, 0.05, 0.9)}[label]
    return Score(label, probabilities[2] - probabilities[0], probabilities)


@pytest.mark.parametrize(
    "label, rating, expected",
    [
        ("positive", None, "positive"),
        ("positive", 1, "negative"),
        ("positive", 2, "negative"),
        ("neutral", 3, "neutral"),
        ("negative", 3, "negative"),
        ("neutral", 4, "positive"),
        ("negative", 5, "negative"),
        ("positive", 5, "positive"),
    ],
)
def test_star_ratings_combine_with_the_text(label, rating, expected):
    combined, score = combine(text_score(label), rating)
    assert combined == expected
    assert -1 <= score <= 1
    assert score <= 0 if combined == "negative" else True
    assert score >= 0 if combined == "positive" else True


def test_flags_and_deadlines():
    assert flagged(text_score("negative"), "negative", 0.5)
    assert flagged(text_score("neutral", negative=0.15), "neutral", 0.1)  # threshold below argmax
    assert not flagged(text_score("neutral"), "neutral", 0.5)
    published, seen = T0, T0 + timedelta(minutes=7)
    assert reply_due(published, seen, timedelta(minutes=60)) == T0 + timedelta(minutes=60)
    assert reply_due(None, seen, timedelta(hours=24)) == seen + timedelta(hours=24)


def scoring_config(tiny_model):
    return Config.model_validate(
        {
            "company": {"name": "Кофемания"},
            "sentiment": {"model": str(tiny_model)},
            "sources": [
                {"id": "vk", "type": "vk", "query": "Кофемания"},
                {"id": "2gis", "type": "2gis", "url": "http://127.0.0.1/"},
            ],
        }
    )


@pytest.mark.store
def test_scoring_flags_negatives_with_a_deadline_per_channel_and_records_the_model(store, tiny_model):
    config = scoring_config(tiny_model)
    store.sync_sources(config.sources)
    seen = T0 + timedelta(minutes=3)
    store.ingest(
        [
            Review(source_id="vk", external_id="1", text="ужасный сервис, грубый официант", published_at=T0),
            Review(source_id="2gis", external_id="2", text="ужасно долго ждали", rating=4, published_at=T0),
            Review(source_id="2gis", external_id="3", text="отличный кофе, спасибо", rating=1, published_at=T0),
            Review(source_id="2gis", external_id="4", text="отличный кофе, спасибо", rating=5, published_at=T0),
            Review(source_id="vk", external_id="5", text="работаете ли вы в субботу"),
        ],
        now=seen,
    )
    models = Models(config.sentiment)
    assert score_reviews(store, config, models, now=seen) == 5
    assert score_reviews(store, config, models, now=seen) == 0  # nothing left to score

    with store.engine.connect() as db:
        rows = {
            row.external_id: row
            for row in db.execute(
                select(schema.reviews, schema.sentiment_scores.c.label, schema.sentiment_scores.c.model_id,
                       schema.sentiment_scores.c.model_version).join(
                    schema.sentiment_scores, schema.sentiment_scores.c.id == schema.reviews.c.sentiment_id
                )
            )
        }
    assert {k: (r.label, r.flagged) for k, r in rows.items()} == {
        "1": ("negative", True),
        "2": ("negative", True),  # a furious text with good stars is still flagged
        "3": ("negative", True),  # one star is never positive
        "4": ("positive", False),
        "5": ("neutral", False),
    }
    assert rows["1"].due_at == T0 + timedelta(minutes=60)  # social
    assert rows["2"].due_at == T0 + timedelta(hours=24)  # map
    assert rows["4"].due_at is None
    assert rows["1"].language == "ru" and rows["1"].needs_scoring is False
    assert rows["1"].model_id == str(tiny_model) and rows["1"].model_version.startswith("sha256:")


@pytest.mark.store
def test_an_edited_review_is_rescored_and_rescore_all_scores_everything(store, tiny_model):
    config = scoring_config(tiny_model)
    store.sync_sources(config.sources)
    models = Models(config.sentiment)
    store.ingest([Review(source_id="vk", external_id="1", text="отличный кофе, спасибо", published_at=T0)], now=T0)
    score_reviews(store, config, models, now=T0)
    store.ingest([Review(source_id="vk", external_id="1", text="ужасный сервис, грубый официант", published_at=T0)], now=T0)
    assert score_reviews(store, config, models, now=T0) == 1
    assert score_reviews(store, config, models, everything=True, now=T0) == 1
    with store.engine.connect() as db:
        labels = db.scalars(select(schema.sentiment_scores.c.label).order_by(schema.sentiment_scores.c.id)).all()
        flagged_now = db.scalar(select(schema.reviews.c.flagged))
    assert labels == ["positive", "negative", "negative"]
    assert flagged_now is True


def run_cli(folder, *args):
    return subprocess.run([sys.executable, "-m", "reputation", *args], cwd=folder, capture_output=True, text=True, timeout=300)


def test_the_sentiment_commands(tmp_path, tiny_model):
    (tmp_path / "reputation.yaml").write_text(
        yaml.safe_dump({"company": {"name": "Кофемания"}, "sentiment": {"model": str(tiny_model)}}), encoding="utf-8"
    )
    scored = run_cli(tmp_path, "sentiment", "score", "Ужасный сервис, грубый официант!")
    assert scored.returncode == 0, scored.stderr
    lines = scored.stdout.splitlines()
    assert lines[0] == "label: negative" and lines[2] == "language: ru"
    assert lines[3].startswith(f"model: {tiny_model} (sha256:") and lines[4] == "flagged: yes"

    sample = tmp_path / "eval.csv"
    sample.write_text(
        "text,label,lang\nужасный сервис,negative,ru\nотличный кофе,positive,ru\ngreat coffee,positive,en\n"
        "адрес и часы работы,negative,ru\n",
        encoding="utf-8",
    )
    evaluated = run_cli(tmp_path, "sentiment", "eval", str(sample))
    assert evaluated.returncode == 0, evaluated.stderr
    out = evaluated.stdout.splitlines()
    # negative F1 0.667, positive 1.0, neutral (predicted once, never right) 0.0
    assert out[-1] == "macro-F1: 0.556"
    assert "ru: 3 texts, accuracy 0.667, macro-F1 0.556" in out and "en: 1 texts, accuracy 1.000, macro-F1 1.000" in out
    # What goes to the reply queue at the default threshold: one of the two negatives, none of the others.
    flagged = "  flagged for reply (negative, or P(negative) ≥ 0.4): {} of the negatives, 0.0% of the others"
    assert out[out.index("ru: 3 texts, accuracy 0.667, macro-F1 0.556") + 4] == flagged.format("50.0%")
    assert out[out.index("en: 1 texts, accuracy 1.000, macro-F1 1.000") + 4] == flagged.format("–")

    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nok,good\n", encoding="utf-8")
    refused = run_cli(tmp_path, "sentiment", "eval", str(bad))
    assert refused.returncode == 1 and "row 2: label 'good' is not one of negative, neutral, positive" in refused.stderr
