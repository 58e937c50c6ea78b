"""What the demo's customers write: texts drawn from the project's own corpus (sentiment/corpus, MIT).

The corpus holds reviews and posts about fictional cafés and restaurants in
Russian, Finnish and English, each with its label and often its stars. Texts
that name another business in quotes are left out, since the demo's reviews
are all about one company. Posts on mention sources (VK search, a Telegram
channel, a news feed) must name the company to be kept by the spiders, so they
get the company's hashtag, as people tag places on social networks.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from sentiment.corpora import CORPUS_DIR

COMPANY = "Зернотека"
ALIAS = "Zernoteka"
HASHTAG = {"ru": "#зернотека", "fi": "#zernoteka", "en": "#zernoteka"}
OFFICIAL_LOGIN = "Zernoteka_official"

LANGUAGES = {"ru": 0.6, "fi": 0.2, "en": 0.2}
LABELS = {"negative": 0.3, "neutral": 0.3, "positive": 0.4}
_DOMAINS = {"cafe", "restaurant"}
_QUOTED = re.compile(r"[«»\"“”„]")
_MAX_CHARS = {"social": 300, "review": 700}

AUTHORS = {
    "ru": ["Анна К.", "Дмитрий", "Ольга Смирнова", "Игорь", "Марина В.", "Сергей П.", "Екатерина", "Алексей Н.",
           "Наталья", "Павел", "Юлия Морозова", "Артём", "Светлана", "Максим Л.", "Ирина", "Роман"],
    "fi": ["Mikko", "Laura V.", "Juha", "Aino K.", "Sanna", "Ville Niemi", "Emilia", "Tuomas"],
    "en": ["Kate", "John S.", "Emily", "Mark", "Sarah B.", "David", "Olivia", "Tom H."],
}
LOGINS = ["olga_k", "dmitry_777", "anna.smirnova", "user7781", "igor_m", "marina_f", "coffee_lover", "serg.p",
          "katya_v", "mikko_h", "kate_msk", "pavel1988"]

REPLIES = {
    "ru": {
        "negative": ["Здравствуйте! Очень жаль, что так вышло. Напишите, пожалуйста, на care@zernoteka.example — разберёмся и всё исправим.",
                     "Приносим извинения за ожидание. Передали управляющему кофейни, свяжемся с вами сегодня.",
                     "Спасибо, что написали. Это не тот уровень, к которому мы стремимся: разберёмся со сменой."],
        "neutral": ["Спасибо за вопрос! Ответили вам в личных сообщениях."],
        "positive": ["Спасибо за тёплые слова! Ждём вас снова ☕", "Очень приятно, передадим команде бариста!"],
    },
    "fi": {
        "negative": ["Pahoittelemme kovasti! Laitathan viestiä osoitteeseen care@zernoteka.example, niin selvitetään asia.",
                     "Kiitos palautteesta, välitimme sen kahvilan esihenkilölle."],
        "neutral": ["Kiitos kysymyksestä! Vastasimme yksityisviestillä."],
        "positive": ["Kiitos lämpimästä palautteesta! Tervetuloa uudelleen ☕"],
    },
    "en": {
        "negative": ["We're so sorry about this. Please write to care@zernoteka.example and we'll put it right.",
                     "Thank you for telling us, we've passed this on to the café manager and will be in touch today."],
        "neutral": ["Thanks for asking! We've answered you in a private message."],
        "positive": ["Thank you for the kind words, see you again soon ☕"],
    },
}

APP_REVIEWS = {
    "ru": {
        "negative": [("Вылетает при оплате", "После обновления приложение вылетает на экране оплаты. Деньги списались, заказа нет."),
                     ("Бонусы пропали", "Бонусы за прошлый месяц просто исчезли, поддержка молчит третий день."),
                     ("Не приходит код", "Код подтверждения не приходит, войти невозможно. Удалила приложение.")],
        "neutral": [("Вопрос", "Можно ли добавить оплату через СБП? Пока пользуюсь картой."),
                    ("Нормально", "Работает, но меню грузится долго.")],
        "positive": [("Удобно", "Заказываю капучино заранее и забираю без очереди. Очень удобно!"),
                     ("Отлично", "Бонусы начисляются сразу, дизайн приятный, спасибо разработчикам.")],
    },
    "fi": {
        "negative": [("Kaatuu", "Sovellus kaatuu aina maksuvaiheessa. Rahat veloitettiin, tilausta ei tullut.")],
        "neutral": [("Kysymys", "Tuleeko sovellukseen englanninkielinen valikko?")],
        "positive": [("Kätevä", "Tilaan kahvin aina sovelluksella, bonukset kertyvät kätevästi.")],
    },
    "en": {
        "negative": [("Crashes at checkout", "The app crashes every time I pay. Charged twice, no order. Support never answered.")],
        "neutral": [("Question", "Is there a way to change the pickup café after ordering?")],
        "positive": [("Love it", "Ordering ahead saves me ten minutes every morning. Great app.")],
    },
}

FEED_TITLES = {
    "ru": {"negative": "Читатели жалуются на {name}", "neutral": "{name}: новости сети кофеен", "positive": "{name} — лучшие кофейни месяца"},
    "fi": {"negative": "Lukijat valittavat: {name}", "neutral": "{name} avaa uuden kahvilan", "positive": "{name} on kuukauden kahvila"},
    "en": {"negative": "Readers complain about {name}", "neutral": "{name} opens another café", "positive": "{name} tops our coffee list"},
}


@dataclass(frozen=True)
class Text:
    text: str
    label: str
    language: str
    rating: int | None


def stars(label: str, rng: random.Random) -> int:
    """Stars that fit a label."""
    return {"negative": rng.choice((1, 1, 2)), "neutral": 3, "positive": rng.choice((4, 5, 5))}[label]


@lru_cache(maxsize=1)
def corpus_pool() -> dict[tuple[str, str], list[Text]]:
    """Corpus texts about cafés and restaurants, by (language, label)."""
    pool: dict[tuple[str, str], list[Text]] = {}
    for path in sorted(CORPUS_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = row["text"].strip()
                if row["domain"] not in _DOMAINS or row["channel"] == "app_store" or _QUOTED.search(text):
                    continue
                if len(text) > _MAX_CHARS["review"]:
                    continue
                rating = int(row["rating"]) if row["rating"].strip() else None
                pool.setdefault((row["lang"], row["label"]), []).append(Text(text, row["label"], row["lang"], rating))
    return pool


def pick(rng: random.Random, *, label: str | None = None, language: str | None = None, short: bool = False) -> Text:
    """A random text of the mix (or of the given label and language); `short` for social posts."""
    language = language or rng.choices(list(LANGUAGES), weights=list(LANGUAGES.values()))[0]
    label = label or rng.choices(list(LABELS), weights=list(LABELS.values()))[0]
    choices = corpus_pool()[(language, label)]
    if short:
        choices = [t for t in choices if len(t.text) <= _MAX_CHARS["social"]] or choices
    return rng.choice(choices)


def rated(text: Text, rng: random.Random) -> int:
    """The stars a reviewer gives with this text: the corpus's, else ones that fit its label."""
    return text.rating or stars(text.label, rng)


def tagged(text: Text) -> str:
    """A post naming the company, as mention sources keep."""
    return f"{text.text}\n{HASHTAG[text.language]}"


def app_review(rng: random.Random, label: str, language: str) -> tuple[str, str]:
    return rng.choice(APP_REVIEWS[language][label])


def reply_for(rng: random.Random, label: str, language: str) -> str:
    return rng.choice(REPLIES[language][label])


def author(rng: random.Random, language: str) -> str:
    return rng.choice(AUTHORS[language])
