"""Training the sentiment model (tiny settings), the evaluation split, and the team's label corrections."""

import csv
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import yaml
from safetensors.torch import load_file
from sqlalchemy import select

from reputation import schema
from reputation.config import Config
from reputation.records import Review
from sentiment import corpora, training
from sentiment.feedback import corrections, record_correction
from sentiment.loading import Models
from sentiment.model import SentimentModel
from sentiment.scoring import score_reviews
from tests.tiny_model import EXAMPLES, build_tiny_model

T0 = datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc)
TINY = training.Settings(vocab_size=200, hidden=16, layers=1, heads=2, intermediate=32, max_tokens=24, epochs=8,
                         batch_size=4, learning_rate=3e-3, in_domain_repeat=2, english_public_per_epoch=3, threads=1)


def examples(in_domain=True):
    return [corpora.Example(text, label, "ru", "test", in_domain) for text, label in EXAMPLES] * 3


def test_the_evaluation_split_is_fixed_by_the_text_and_kept_out_of_training(tmp_path):
    own = tmp_path / "corpus"
    own.mkdir()
    texts = [f"отзыв номер {i}, всё было хорошо" for i in range(200)]
    with (own / "ru.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "lang", "domain", "channel", "rating"])
        writer.writerows([text, "positive", "ru", "cafe", "map", "5"] for text in texts)
    public = tmp_path / "public"
    public.mkdir()
    held_out = [t for t in texts if corpora.in_evaluation_split(t)]
    (public / "ru_x.csv").write_text(
        f'text,label,lang,source\n"{held_out[0].upper()}",neutral,ru,x\nдругой текст,neutral,ru,x\n', encoding="utf-8"
    )
    train, evaluation = corpora.load(public, own)
    assert 20 < len(evaluation) < 60  # about a fifth
    assert [e.text for e in evaluation] == held_out
    assert not {corpora.normalised(e.text) for e in train} & {corpora.normalised(t) for t in held_out}
    assert [e.text for e in train if not e.in_domain] == ["другой текст"]  # the copy of an evaluation text is gone
    with pytest.raises(FileNotFoundError, match="pass --data DIR"):
        corpora.public_dir(tmp_path / "nowhere")


def test_training_is_seeded_and_gives_a_model_the_product_loads(tmp_path):
    train = examples() + [corpora.Example("nice shop", 2, "en", "pub", False)] * 5
    training.train_new(train, tmp_path / "a", TINY, lambda line: None)
    training.train_new(train, tmp_path / "b", TINY, lambda line: None)
    first, second = load_file(tmp_path / "a" / "model.safetensors"), load_file(tmp_path / "b" / "model.safetensors")
    assert first.keys() == second.keys() and all((first[k] == second[k]).all() for k in first)
    assert next(iter(first.values())).dtype.is_floating_point and str(next(iter(first.values())).dtype) == "torch.float16"

    model = SentimentModel(str(tmp_path / "a"), quantize=True)
    assert model.version.endswith("+int8")
    negative, positive = model.score(["ужасный сервис, больше не придём", "отличный кофе, спасибо"])
    assert (negative.label, positive.label) == ("negative", "positive")


def test_fine_tuning_on_corrections_moves_the_corrected_text(tmp_path):
    base = build_tiny_model(tmp_path / "base")
    text = "кофе нормальный но ждали сорок минут"
    before = SentimentModel(str(base)).score([text])[0]
    fixed = [corpora.Example(text, 0, "ru", "feedback", True)]
    settings = training.Settings(epochs=1, learning_rate=3e-3, batch_size=4, in_domain_repeat=8, threads=1)
    training.fine_tune(base, fixed, examples(), tmp_path / "tuned", settings, lambda line: None)
    after = SentimentModel(str(tmp_path / "tuned")).score([text])[0]
    assert after.label == "negative"
    assert after.probabilities[0] > before.probabilities[0]
    odd = build_tiny_model(tmp_path / "stars", labels=("1 star", "2 stars", "3 stars", "4 stars", "5 stars"))
    with pytest.raises(training.UnsupportedModel, match="needs a model labelled negative, neutral, positive"):
        training.fine_tune(odd, fixed, [], tmp_path / "x", settings, lambda line: None)


def config_with(model_folder):
    return Config.model_validate(
        {"company": {"name": "Кофемания"}, "sentiment": {"model": str(model_folder)},
         "sources": [{"id": "vk", "type": "vk", "query": "Кофемания"}]}
    )


@pytest.mark.store
def test_a_correction_changes_the_label_and_the_queue_and_survives_rescore_all(store, tmp_path):
    config = config_with(build_tiny_model(tmp_path / "m"))
    store.sync_sources(config.sources)
    store.ingest([Review(source_id="vk", external_id="1", text="отличный кофе, спасибо", published_at=T0)], now=T0)
    models = Models(config.sentiment)
    score_reviews(store, config, models, now=T0)
    [review_id] = store.engine.connect().scalars(select(schema.reviews.c.id)).all()

    record_correction(store, config, review_id, "negative", "anna", now=T0)
    score_reviews(store, config, models, everything=True, now=T0)
    with store.engine.connect() as db:
        review = db.execute(select(schema.reviews)).one()
        label = db.scalar(select(schema.sentiment_scores.c.label).where(schema.sentiment_scores.c.id == review.sentiment_id))
        audit = db.execute(select(schema.audit_log.c.user_name, schema.audit_log.c.action, schema.audit_log.c.detail)).all()
    assert (label, review.flagged, review.due_at) == ("negative", True, T0.replace(hour=10))  # social: 60 minutes
    assert audit == [("anna", "label", "positive -> negative")]

    record_correction(store, config, review_id, "neutral", "anna", now=T0)
    with store.engine.connect() as db:
        review = db.execute(select(schema.reviews)).one()
    assert (review.flagged, review.due_at) == (False, None)
    assert [(c.text, c.label) for c in corrections(store)] == [("отличный кофе, спасибо", "neutral")]  # the latest wins

    # The author edits the text: the correction was about the old one, so the model scores the new one.
    store.ingest([Review(source_id="vk", external_id="1", text="ужасный сервис, грубый официант", published_at=T0)], now=T0)
    assert score_reviews(store, config, models, now=T0) == 1
    with pytest.raises(ValueError, match="label must be one of"):
        record_correction(store, config, review_id, "angry", "anna")
    with pytest.raises(LookupError, match="no review 999"):
        record_correction(store, config, 999, "negative", "anna")


def run_cli(folder, *args):
    return subprocess.run([sys.executable, "-m", "reputation", *args], cwd=folder, capture_output=True, text=True, timeout=600)


def test_train_with_feedback_needs_corrections_and_eval_takes_the_split(tmp_path):
    model = build_tiny_model(tmp_path / "m")
    (tmp_path / "reputation.yaml").write_text(
        yaml.safe_dump({"company": {"name": "Кофемания"}, "sentiment": {"model": str(model)}}), encoding="utf-8"
    )
    refused = run_cli(tmp_path, "sentiment", "train", "--feedback", "--out", str(tmp_path / "tuned"))
    assert refused.returncode == 1 and "there are no label corrections yet" in refused.stderr
    both = run_cli(tmp_path, "sentiment", "eval", "--split", str(tmp_path / "reputation.yaml"))
    assert both.returncode == 2 and "give FILE or --split" in both.stderr
    split = run_cli(tmp_path, "sentiment", "eval", "--split")
    assert split.returncode == 0, split.stderr
    lines = split.stdout.splitlines()
    evaluation = corpora.own_corpus()[1]
    for lang in ("en", "fi", "ru"):
        count = sum(e.lang == lang for e in evaluation)
        assert any(line.startswith(f"{lang}: {count} texts, accuracy") for line in lines)
    assert lines[-1].startswith("macro-F1: 0.")


def test_the_bundled_model_ships_and_scores_with_the_network_off(tmp_path):
    (tmp_path / "reputation.yaml").write_text(yaml.safe_dump({"company": {"name": "Кофемания"}}), encoding="utf-8")
    texts = {
        "Курьер опоздал на два часа, пицца холодная, деньги не вернули. Больше не закажу!": "negative",
        "Kahvi oli tosi hyvää ja henkilökunta ystävällistä, kiitos!": "positive",
        "Terrible support: three weeks and still no refund for the broken phone.": "negative",
    }
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    for text, label in texts.items():
        scored = subprocess.run([sys.executable, "-m", "reputation", "sentiment", "score", text], cwd=tmp_path,
                                capture_output=True, text=True, timeout=300, env={**os.environ, **env})
        assert scored.returncode == 0, scored.stderr
        lines = scored.stdout.splitlines()
        assert lines[0] == f"label: {label}"
        assert lines[3].startswith("model: bundled (sha256:") and lines[3].endswith("+int8)")
