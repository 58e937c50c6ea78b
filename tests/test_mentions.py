import pytest

from scrapers.mentions import MentionMatcher

MATCHER = MentionMatcher(["Кофемания", "Kofemania", "Coffee Mania", "Ёлки-Палки", "Ёж"])


@pytest.mark.parametrize(
    "text",
    [
        "Был в Кофемании вчера",
        "кофеманию не советую",
        "КОФЕМАНИЕЙ доволен",
        "#кофемания лучшая",
        "Kofemaniassa oli kivaa",
        "kofemania rocks",
        "Coffee-Mania is ok",
        "Coffee Mania's latte",
        "в Елках-Палках снова очередь",
        "Ёж на Арбате",
    ],
)
def test_names_match_in_any_case_and_inflection(text):
    assert MATCHER.mentions(text)


@pytest.mark.parametrize(
    "text",
    ["кофемашина сломалась", "Кофеман пришёл", "кофе и мания", "ежевика", "Ёжик в тумане", ""],
)
def test_other_words_do_not(text):
    assert not MATCHER.mentions(text)


def test_a_company_without_names_is_refused():
    with pytest.raises(ValueError, match="at least one company name"):
        MentionMatcher(["", "  "])
