"""Reply drafts and the checker's store-bound rules on a real store (SQLite, and PostgreSQL when given)."""

from datetime import datetime, timezone
from itertools import count

import pytest
from sqlalchemy import insert, select

from reputation import schema
from reputation.config import Config
from reputation.database import writing
from reputation.records import Review
from reputation.replies import check_reply, draft_for_review
from reputation.replies.drafts import _render
from reputation.replies.checker import Context, findings
from reputation.replies.rules import LANGUAGES, SITUATIONS, rule_book
from reputation.replies.situations import Situation
from reputation.store import Store

T0 = datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc)
CONTACT = {"phone": "+7 495 123-45-67", "email": "care@kofemania.example", "messenger": "https://t.me/kofemania_care"}
_ids = count(1)


def _config(**replies) -> Config:
    return Config.model_validate(
        {
            "company": {"name": "Кофемания", "contact": CONTACT},
            "sources": [
                {"id": "otzovik", "type": "otzovik", "url": "https://otzovik.com/reviews/kofemaniya/"},
                {"id": "vk-mentions", "type": "vk", "query": "Кофемания"},
                {"id": "appstore-fi", "type": "appstore", "url": "https://itunes.apple.com/fi/rss/customerreviews/id=1/json"},
            ],
            "replies": replies,
        }
    )


def _review(store: Store, config: Config, text: str, *, source="otzovik", author=None, rating=None, language=None) -> int:
    store.sync_sources(config.sources)
    external = f"r{next(_ids)}"
    store.ingest([Review(source, external, text, author=author, rating=rating, language=language, published_at=T0)])
    with store.engine.connect() as db:
        return db.scalar(select(schema.reviews.c.id).where(schema.reviews.c.external_id == external))


def _earlier_reply(store: Store, review_id: int, text: str) -> None:
    with writing(store.engine) as db:
        db.execute(
            insert(schema.replies).values(
                review_id=review_id, text=text, channel="public", replied_at=T0, recorded_at=T0
            )
        )


LATE = {
    "ru": ("Анна Смирнова", "Курьер опоздал на 40 минут, пицца приехала холодной.", "«Курьер опоздал на 40 минут»"),
    "fi": ("Matti Virtanen", "Kuljettaja myöhästyi 40 minuuttia, pizza oli kylmä.", "”Kuljettaja myöhästyi 40 minuuttia”"),
    "en": ("Sarah Collins", "The courier was 40 minutes late, the pizza was cold.", "“The courier was 40 minutes late”"),
}


@pytest.mark.store
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_draft_greets_by_name_quotes_the_subject_offers_the_contact_and_passes_the_checker(store, language):
    config = _config()
    author, text, quoted = LATE[language]
    review_id = _review(store, config, text, author=author, rating=1, language=language)
    draft = draft_for_review(store, config, review_id)
    assert (draft.situation, draft.language, draft.author_name) == ("late_delivery", language, author.split()[0])
    assert draft.text.startswith(("Анна, здравствуйте!", "Hei Matti,", "Hello Sarah,"))
    assert quoted in draft.text
    assert CONTACT["phone"] in draft.text and CONTACT["email"] in draft.text and CONTACT["messenger"] in draft.text
    assert check_reply(draft.text, language, config=config, store=store, review_id=review_id) == []


@pytest.mark.store
def test_each_situation_is_drafted_for_its_review(store):
    config = _config()
    reviews = {
        "late_delivery": ("Заказ привезли через два часа.", 1),
        "defective_product": ("Чайник сломался через два дня.", 1),
        "rude_staff": ("Администратор нахамила мне у входа.", 1),
        "billing": ("Обсчитали на 300 рублей.", 2),
        "service_quality": ("Очень грязно в зале.", 2),
        "other_negative": ("Больше не приду.", 1),
        "positive_thanks": ("Прекрасный завтрак, спасибо!", 5),
        "neutral_question": ("Вы работаете 31 декабря?", None),
    }
    for situation, (text, rating) in reviews.items():
        review_id = _review(store, config, text, author="Ольга", rating=rating, language="ru")
        draft = draft_for_review(store, config, review_id)
        assert draft.situation == situation, text
        assert check_reply(draft.text, "ru", config=config, store=store, review_id=review_id) == [], draft.text


def test_every_template_passes_the_checker_with_and_without_a_name_and_a_quote():
    config = _config()
    names = {"ru": "Анна", "fi": "Matti", "en": "Sarah"}
    quotes = {"ru": "курьер опоздал на 40 минут", "fi": "kuljettaja myöhästyi tunnin", "en": "the courier was an hour late"}
    for language in LANGUAGES:
        book = rule_book(language)
        for situation in SITUATIONS:
            for index in range(len(book.drafts[situation].templates)):
                for name in (names[language], None):
                    for quote in (quotes[language], None):
                        text = _render(book, config, situation, index, name, quote)
                        context = Context(book, config, name=name, situation=Situation(situation, quote))
                        assert findings(text, context) == [], text


@pytest.mark.store
def test_two_consecutive_drafts_for_a_source_never_read_the_same(store):
    config = _config()
    texts = ["Курьер опоздал на час.", "Доставка опоздала на 50 минут.", "Ждали заказ два часа.", "Опоздание на час."]
    ids = [_review(store, config, text, author="user12345", rating=1, language="ru") for text in texts]
    drafts = [draft_for_review(store, config, review_id) for review_id in ids]
    # The same review drafted again (the inbox's "another draft") reads differently too.
    drafts.append(draft_for_review(store, config, ids[-1]))
    assert [d.template for d in drafts] == [0, 1, 2, 0, 1]
    for before, after in zip(drafts, drafts[1:]):
        assert before.text != after.text
    # Another source keeps its own turn; the store remembers each source's last draft.
    other = draft_for_review(store, config, _review(store, config, "Курьер опоздал на час.", source="vk-mentions", rating=1, language="ru"))
    assert other.template == 0
    reopened = Store(store.engine)
    assert draft_for_review(reopened, config, ids[0]).template == 2


@pytest.mark.store
def test_nicknames_get_no_name_and_no_contact_means_the_platforms_messages(store):
    config = Config.model_validate({"company": {"name": "Кофемания"}, "sources": _config().model_dump()["sources"]})
    review_id = _review(store, config, "Кофе остыл, пока несли.", author="Коза-Дереза", rating=2, language="ru")
    draft = draft_for_review(store, config, review_id)
    assert draft.author_name is None
    assert draft.text.startswith(("Здравствуйте!", "Добрый день!"))
    assert "Коза" not in draft.text
    assert "в личных сообщениях на этой площадке" in draft.text


@pytest.mark.store
def test_hostile_review_text_is_not_quoted_into_the_draft(store):
    config = _config()
    review_id = _review(
        store, config, "Курьер опоздал <img src=x onerror=alert(1)> на час", author="=HYPERLINK(\"x\")", rating=1, language="en"
    )
    draft = draft_for_review(store, config, review_id)
    assert "<img" not in draft.text and "HYPERLINK" not in draft.text and "onerror" not in draft.text
    with pytest.raises(LookupError, match="there is no review 999999"):
        draft_for_review(store, config, 999999)


@pytest.mark.store
def test_a_review_without_a_known_language_is_answered_in_the_detected_or_the_default_one(store):
    config = _config(default_language="fi")
    detected = _review(store, config, "Курьер опоздал на целый час, и никто не извинился.", rating=1)
    assert draft_for_review(store, config, detected).language == "ru"
    other = _review(store, config, "Der Kurier kam eine Stunde zu spät und niemand entschuldigte sich.", rating=1, language="de")
    assert draft_for_review(store, config, other).language == "fi"


REPEATED = {
    "ru": ("Мы уже проверяем, где задержался ваш заказ, и скоро напишем.", "Анна, здравствуйте! Спасибо за отзыв. {s} Сегодня до 21:00 вернём деньги."),
    "fi": ("Selvitämme jo, missä tilauksesi viivästyi, ja kirjoitamme pian.", "Hei Matti, kiitos viestistäsi. {s} Palautamme maksun tänään."),
    "en": ("We are already checking where your order was held up today.", "Hello Sarah, thank you for writing. {s} We will refund the fee today."),
}


@pytest.mark.store
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_sentence_used_in_n_earlier_replies_is_found(store, language):
    config = _config(reuse_limit=3)
    author, text, _ = LATE[language]
    sentence, template = REPEATED[language]
    answered = [_review(store, config, f"{text} ({i})", rating=1, language=language) for i in range(3)]
    review_id = _review(store, config, text, author=author, rating=1, language=language)
    reply = template.format(s=sentence)
    for earlier in answered[:2]:
        _earlier_reply(store, earlier, f"Спасибо. {sentence.upper()}  Всего доброго.")
    assert check_reply(reply, language, config=config, store=store, review_id=review_id) == []
    _earlier_reply(store, answered[2], sentence)
    # The reply recorded for this very review does not count against it.
    _earlier_reply(store, review_id, sentence)
    [finding] = check_reply(reply, language, config=config, store=store, review_id=review_id)
    assert (finding.rule, finding.excerpt) == ("repeated", sentence)
    assert "3" in finding.suggestion


LONG = {
    "ru": "Анна, здравствуйте! Спасибо за отзыв. Сегодня до 21:00 вернём вам деньги за доставку и расскажем, что изменим в работе курьеров.",
    "fi": "Hei Matti, kiitos viestistäsi. Palautamme toimitusmaksun tänään klo 21 mennessä ja kerromme, mitä muutamme kuljetuksissa.",
    "en": "Hello Sarah, thank you for writing. We will refund the delivery fee today by 9 pm and tell you what we are changing.",
}


@pytest.mark.store
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reply_longer_than_its_channel_allows_is_found_past_the_limit(store, language):
    config = _config(max_length={"vk": 100})
    author, text, _ = LATE[language]
    on_vk = _review(store, config, text, author=author, rating=1, language=language, source="vk-mentions")
    on_otzovik = _review(store, config, text, author=author, rating=1, language=language)
    reply = LONG[language]
    [finding] = check_reply(reply, language, config=config, store=store, review_id=on_vk)
    assert (finding.rule, finding.start, finding.end) == ("length", 100, len(reply))
    assert "100" in finding.suggestion
    assert check_reply(reply, language, config=config, store=store, review_id=on_otzovik) == []


@pytest.mark.store
def test_the_platform_limits_apply_by_source_type_and_the_author_s_own_data_passes(store):
    config = _config()
    review_id = _review(
        store, config, "Tilaus 77123 myöhästyi, soittakaa 040 765 4321", author="Matti", rating=1, language="fi", source="appstore-fi"
    )
    reply = "Hei Matti, kiitos viestistäsi. Palautamme tilauksen 77123 maksun tänään ja soitamme numeroon +358 40 765 4321. "
    assert check_reply(reply, "fi", config=config, store=store, review_id=review_id) == []
    long = reply + "Kiitos. " * 800
    [finding] = check_reply(long, "fi", config=config, store=store, review_id=review_id)
    assert (finding.rule, finding.start) == ("length", 5970)
    # Without the review, the same numbers are someone's personal data.
    assert [f.excerpt for f in check_reply(reply, "fi", config=config)] == ["77123", "+358 40 765 4321"]
