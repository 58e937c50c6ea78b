"""The reply checker's rules on realistic replies in Russian, Finnish and English, both directions,
and the parts it stands on: inflection-tolerant phrase matching, names, situations, the rule files."""

import re
from pathlib import Path

import pytest
import yaml

from reputation.config import Config, ConfigError, load_config
from reputation.replies import RULES, check_reply
from reputation.replies.checker import findings, review_context
from reputation.replies.matching import compile_phrase, find, sentences, words
from reputation.replies.names import first_name
from reputation.replies.reviews import ReviewFacts, _polarity
from reputation.replies.rules import LANGUAGES, SITUATIONS, RulesError, every_name, rule_book
from reputation.replies.situations import recognise

CASES = Path(__file__).with_name("replies")
GOOD = yaml.safe_load((CASES / "good.yaml").read_text(encoding="utf-8"))
BAD = yaml.safe_load((CASES / "bad.yaml").read_text(encoding="utf-8"))
# The rules that need the store (earlier replies, the review's source) are tested in test_replies_store.py.
STORE_RULES = {"repeated", "length"}
CONFIG = Config.model_validate(
    {"company": {"name": "Кофемания", "contact": {"phone": "+7 495 123-45-67", "email": "care@kofemania.example"}}}
)


def _context(language: str, review: dict):
    facts = ReviewFacts(
        id=1,
        author=review.get("author"),
        text=review["text"],
        language=language,
        polarity=_polarity(False, review.get("label"), review.get("rating")),
        source_id="otzovik",
        source_type="otzovik",
        channel="review_site",
    )
    return review_context(rule_book(language), CONFIG, facts, [])


def _found(text: str, context) -> list[tuple[str, str]]:
    return sorted((f.rule, text[f.start : f.end]) for f in findings(text, context))


@pytest.mark.parametrize(
    "language, case", [(lang, case) for lang in LANGUAGES for case in BAD[lang]["cases"]],
    ids=[f"{lang}-{i}" for lang in LANGUAGES for i in range(len(BAD[lang]["cases"]))],
)
def test_each_bad_pattern_is_found_with_its_span_and_nothing_else(language, case):
    text = case["reply"]
    expected = sorted((rule, text if span == "WHOLE" else span) for rule, span in case["findings"])
    assert _found(text, _context(language, BAD[language]["review"])) == expected


@pytest.mark.parametrize(
    "language, case", [(lang, case) for lang in LANGUAGES for case in GOOD[lang]],
    ids=[f"{lang}-{i}" for lang in LANGUAGES for i in range(len(GOOD[lang]))],
)
def test_a_good_reply_gets_no_finding(language, case):
    assert _found(case["reply"], _context(language, case["review"])) == []


def test_every_rule_has_bad_cases_and_each_language_enough_good_replies():
    for language in LANGUAGES:
        covered = {rule for case in BAD[language]["cases"] for rule, _ in case["findings"]}
        assert covered == set(RULES) - STORE_RULES, language
        assert any(not case["findings"] for case in BAD[language]["cases"]), f"{language}: no near miss"
        assert len(GOOD[language]) >= 10


def test_findings_carry_an_excerpt_and_the_languages_advice():
    text = "Здравствуйте! Спасибо, что написали. Сегодня до 21:00 вернём вам деньги за доставку."
    [finding] = findings(text, _context("ru", BAD["ru"]["review"]))
    assert (finding.rule, finding.excerpt) == ("name", "Здравствуйте")
    assert finding.suggestion == "Обратитесь к автору по имени: Анна."
    text = "Hei Matti, kiitos viestistäsi. " + "Neljänkymmenen minuutin myöhästyminen ei ole sitä, mitä lupasimme. " * 3
    [finding] = findings(text, _context("fi", BAD["fi"]["review"]))
    assert (finding.rule, finding.start, finding.end) == ("next_step", 0, len(text))
    assert finding.excerpt == text[:79] + "…"
    assert finding.suggestion == "Kerro, mitä tarkalleen teette ja mihin mennessä."


def test_without_a_review_the_checker_still_applies_the_text_rules():
    found = check_reply("Sorry for the inconvenience. We will look into it.", "en", config=CONFIG)
    assert [(f.rule, f.excerpt) for f in found] == [
        ("greeting", "Sorry for the inconvenience."),
        ("apology_first", "Sorry"),
        ("stock_phrase", "Sorry for the inconvenience"),
        ("next_step", "will"),
    ]
    with pytest.raises(RulesError, match="no reply rules for language 'de'"):
        check_reply("Hallo", "de", config=CONFIG)
    with pytest.raises(ValueError, match="needs the store"):
        check_reply("Hallo", "en", config=CONFIG, review_id=1)


# Matching


@pytest.mark.parametrize(
    "language, phrase, text, found",
    [
        ("ru", "проблема", "Эту проблему, эти проблемы и с этой проблемой решим", ["проблему", "проблемы", "проблемой"]),
        ("ru", "хлопоты", "Простите за хлопоты и хлопот не будет", ["хлопоты", "хлопот"]),
        ("ru", "приносим * извинения", "Приносим свои глубочайшие извинения", ["Приносим свои глубочайшие извинения"]),
        ("ru", "приносим * извинения", "Приносим вам свои глубочайшие извинения", []),
        ("ru", "=простите", "Просто простите нас", ["простите"]),
        (
            "fi", "pahoittelemme * aiheutunutta * haittaa",
            "Pahoittelemme aiheutunutta haittaa. Pahoittelen teille aiheutunutta haittaa.",
            ["Pahoittelemme aiheutunutta haittaa", "Pahoittelen teille aiheutunutta haittaa"],
        ),
        ("en", "sorry for * inconvenience", "SORRY for any inconveniences", ["SORRY for any inconveniences"]),
        ("en", "=actually", "the actual delay, actually", ["actually"]),
    ],
)
def test_phrases_match_inflected_forms_by_stems_with_offsets_into_the_text(language, phrase, text, found):
    book = rule_book(language)
    spans = find(compile_phrase(phrase, book.stemmer), words(text, book.stemmer))
    assert [text[start:end] for start, end in spans] == found


def test_sentences_keep_their_punctuation_and_skip_blank_space():
    text = "  Анна, здравствуйте!  Почта: care@kofemania.example. Звоните в 18:00…\n\nСпасибо"
    assert [text[s:e] for s, e in sentences(text)] == [
        "Анна, здравствуйте!", "Почта: care@kofemania.example.", "Звоните в 18:00…", "Спасибо",
    ]


def test_a_phrase_with_a_gap_at_its_edge_or_two_words_in_one_is_refused():
    with pytest.raises(ValueError, match="must begin and end with a word"):
        compile_phrase("* неудобства", "russian")
    with pytest.raises(ValueError, match="is not one word"):
        compile_phrase("курьер/служба", "russian")


# Names


@pytest.mark.parametrize(
    "author, name",
    [
        ("Анна Смирнова", "Анна"),
        ("Петров Иван", "Иван"),
        ("Анна-Мария", "Анна-Мария"),
        ("ANNA", "Anna"),
        ("Marja-Liisa K.", "Marja-Liisa"),
        ("Sarah", "Sarah"),
        ("Коза-Дереза", None),
        ("user12345", None),
        ("kofe_lover", None),
        ("anna", None),
        ("Гость", None),
        ("A Google user", None),
        ("Весёлый Роджер", None),
        ("Аnna", None),  # a Cyrillic А among Latin letters
        ("Анна\r\nBcc: x@y.z", None),
        ("<script>alert(1)</script>", None),
        ("", None),
        (None, None),
    ],
)
def test_a_real_profile_name_gives_its_first_name_and_a_nickname_none(author, name):
    assert first_name(author, *every_name({})) == name


# Situations


@pytest.mark.parametrize(
    "language, text, polarity, situation, quote",
    [
        ("ru", "Курьер опоздал на 40 минут и еда остыла.", "negative", "late_delivery", "Курьер опоздал на 40 минут"),
        ("ru", "Кофемашина сломалась через неделю.", "negative", "defective_product", "Кофемашина сломалась через неделю"),
        ("ru", "Официант нахамил, когда я попросила пересадить нас.", "negative", "rude_staff", "Официант нахамил"),
        ("ru", "Списали деньги дважды.", "negative", "billing", "Списали деньги дважды"),
        ("ru", "Обслуживание ужасное, очередь на полчаса.", "negative", "service_quality", "Обслуживание ужасное"),
        ("ru", "Больше не приду.", "negative", "other_negative", None),
        ("ru", "Отличный раф, спасибо!", "positive", "positive_thanks", "Отличный раф"),
        ("ru", "Подскажите, вы работаете в субботу?", "neutral", "neutral_question", "вы работаете в субботу"),
        ("fi", "Tilaus myöhästyi tunnin ja kuljettaja ei vastannut.", "negative", "late_delivery", "Tilaus myöhästyi tunnin"),
        ("fi", "Tarjoilija oli todella töykeä.", None, "rude_staff", "Tarjoilija oli todella töykeä"),
        ("fi", "Onko teillä gluteenittomia leivonnaisia?", None, "neutral_question", "Onko teillä gluteenittomia leivonnaisia"),
        ("en", "I was overcharged for my coffee.", "negative", "billing", "I was overcharged for my coffee"),
        ("en", "The blender arrived broken.", "negative", "defective_product", "The blender arrived broken"),
        ("en", "Thanks, lovely staff!", None, "positive_thanks", "lovely staff"),
        # A negative review is never answered as a thank-you, whatever its words.
        ("en", "Thanks for nothing.", "negative", "other_negative", None),
    ],
)
def test_the_situation_and_the_customers_words_come_from_the_review(language, text, polarity, situation, quote):
    found = recognise(text, rule_book(language), polarity)
    assert (found.key, found.quote) == (situation, quote)


def test_markup_and_links_are_never_quoted():
    found = recognise("Курьер опоздал <script>alert(1)</script> на час", rule_book("ru"), "negative")
    assert (found.key, found.quote) == ("late_delivery", None)
    found = recognise("Late delivery, see [proof](javascript:alert(1))", rule_book("en"), "negative")
    assert found.quote is None or "javascript" not in found.quote


# Rule files


def test_every_bundled_rule_file_loads_with_every_situation():
    for language in LANGUAGES:
        book = rule_book(language)
        assert set(book.drafts) == set(SITUATIONS)
        assert all(book.suggestions[rule] for rule in RULES)


def _config(tmp_path, replies: dict) -> Path:
    path = tmp_path / "reputation.yaml"
    path.write_text(yaml.safe_dump({"company": {"name": "Кофемания"}, "replies": replies}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_team_adds_its_own_phrases_in_the_config_without_touching_code(tmp_path):
    config, _ = load_config(_config(tmp_path, {"rules": {"ru": {"phrases": {"stock_phrase": ["мы дорожим каждым гостем"]}}}}))
    text = "Анна, здравствуйте! Мы дорожим каждым гостем и сегодня до 21:00 вернём деньги."
    assert [(f.rule, f.excerpt) for f in check_reply(text, "ru", config=config)] == [
        ("stock_phrase", "Мы дорожим каждым гостем")
    ]
    # The bundled phrases still count.
    assert check_reply("Анна, здравствуйте! Ваше обращение очень важно для нас, вернём деньги сегодня.", "ru", config=config)


@pytest.mark.parametrize(
    "rules, message",
    [
        ({"ru": {"phrasez": {}}}, "replies.rules: [ru] phrasez: unknown key; allowed here:"),
        ({"ru": {"phrases": {"blame": "другой отдел"}}}, "replies.rules: [ru] phrases.blame: expected a list"),
        ({"en": {"phrases": {"blame": ["* department"]}}}, "must begin and end with a word"),
        ({"fi": {"drafts": {"late_delivery": {"about": "Odota {minutes}"}}}}, "unknown placeholder 'minutes'"),
        ({"ru": {"stemmer": "klingon"}}, "replies.rules: [ru] stemmer: 'klingon' is not a Snowball algorithm"),
        ({"de": {}}, "replies.rules.de"),
    ],
)
def test_a_mistake_in_the_teams_rules_stops_the_start_naming_the_key(tmp_path, rules, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(_config(tmp_path, {"rules": rules}))
