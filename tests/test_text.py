import pytest

from scrapers.text import clean_text

ZWJ = "\u200d"
FAMILY = f"👨{ZWJ}👩{ZWJ}👧"


@pytest.mark.parametrize("raw", [None, "", "   ", " \n\t\r\n ", "\u00a0", "<p> </p>", "<br><br>"])
def test_empty_input_gives_empty_string(raw):
    assert clean_text(raw) == ""


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("&quot;Отлично&quot; &mdash; 5&#x2605;", "\"Отлично\" — 5★"),
        ("caf&eacute; &#233;", "café é"),
        ("a&nbsp;b", "a b"),
        # escaped twice by the source: unescaped once more
        ("&amp;lt;b&amp;gt; bold", "<b> bold"),
        ("AT&amp;amp;T", "AT&T"),
        # but never a third time
        ("&amp;amp;lt;", "&lt;"),
        ("R&D, Q&A", "R&D, Q&A"),
    ],
)
def test_entities(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('<span class="x">Хороший</span> <b>сервис</b>', "Хороший сервис"),
        ('<a href="https://example.com?a=1&amp;b=2">ссылка</a>', "ссылка"),
        ("<p>Первый</p><p>Второй</p>", "Первый\nВторой"),
        ("один<br>два<br/>три<BR />четыре", "один\nдва\nтри\nчетыре"),
        ("<div>a</div><div>b</div>", "a\nb"),
        ("<ul><li>плюс</li><li>минус</li></ul>", "плюс\nминус"),
        ("<p>a</p>\n\n\n<p>b</p>", "a\n\nb"),
        ("<!-- note -->text", "text"),
        ("<i>unclosed", "unclosed"),
    ],
)
def test_markup_removed_and_blocks_become_lines(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("до<script>alert(1)</script>после", "допосле"),
        ("<script type='text/javascript'>var s = '<p>x</p>';</script>ok", "ok"),
        ("a<style>p { color: red }</style>b", "ab"),
        ("a<noscript><p>Enable JS</p></noscript>b", "ab"),
        ("a<template><div>hidden</div></template>b", "ab"),
        ("visible <script>never closed", "visible"),
    ],
)
def test_script_style_and_friends_dropped_with_content(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        # the page showed the characters; they are data, not markup
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("<p>Пишу &lt;script&gt;alert(1)&lt;/script&gt; в отзыв</p>", "Пишу <script>alert(1)</script> в отзыв"),
        ("&lt;b&gt;not bold&lt;/b&gt;", "<b>not bold</b>"),
    ],
)
def test_escaped_markup_is_kept_as_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["цена < 100 руб", "5 < 7", "a < b > c", "люблю <3", "x<5"],
)
def test_literal_less_than_in_plain_text_kept(raw):
    assert clean_text(raw) == raw


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("без\u200bпробела", "безпробела"),
        ("a\u200cb\u2060c\ufeffd", "abcd"),
        ("\ufeffBOM", "BOM"),
        ("пере\u00adнос", "перенос"),
        ("\u202bтекст\u202c \u2066x\u2069", "текст x"),
        ("\u202a\u202d\u202eabc\u2067\u2068", "abc"),
        ("bell\x07 null\x00 esc\x1b del\x7f", "bell null esc del"),
        ("a\u200db", "ab"),  # a joiner between letters is dropped
        (f"{ZWJ}👍", "👍"),
        (f"👍{ZWJ}", "👍"),
    ],
)
def test_invisible_and_control_characters_removed(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        FAMILY,
        f"Семья {FAMILY} довольна",
        f"❤\ufe0f{ZWJ}🔥",  # heart on fire: joiner after a variation selector
        f"👩🏽{ZWJ}💻",  # joiner after a skin-tone modifier
        f"🏃{ZWJ}♀\ufe0f",
        "👍🏻 ✔\ufe0f 🇫🇮",
    ],
)
def test_emoji_sequences_survive(raw):
    assert clean_text(raw) == raw


def test_family_emoji_inside_markup_keeps_joiners():
    assert clean_text(f"<p>{FAMILY}\u200b!</p>") == f"{FAMILY}!"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("e\u0301", "\u00e9"),
        ("\u0438\u0306", "\u0439"),  # и + combining breve -> й
        ("&#1080;&#774;", "\u0439"),
    ],
)
def test_nfc(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("a\r\nb\rc", "a\nb\nc"),
        ("a  \t  b", "a b"),
        ("  a  \n   b  ", "a\nb"),
        ("a\n\n\n\nb", "a\n\nb"),
        ("a\n \n\t\n \nb", "a\n\nb"),
        ("\n\n a \n\n", "a"),
        ("a\u00a0\u00a0b\u2003c", "a b c"),
        ("line\u2028next", "line\nnext"),
    ],
)
def test_whitespace(raw, expected):
    assert clean_text(raw) == expected
