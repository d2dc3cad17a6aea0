from __future__ import annotations

import pytest
from telegram import MessageEntity

from playground.emulator.errors import ApiError
from playground.emulator.html_entities import parse_html
from playground.emulator.markdown_entities import parse_markdown


def test_html_offsets_are_utf16_and_references_decode() -> None:
    text, entities = parse_html("😀 <b>볼드</b> &lt;&amp;&gt; &#65;&#x42; &nbsp;")
    assert text == "😀 볼드 <&> AB &nbsp;"
    assert entities == [{"type": "bold", "offset": 3, "length": 2}]


def test_html_all_allowed_tags() -> None:
    source = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>"
        '<a href="https://example.org/x?a=1&amp;b=2">a</a><code>c</code><pre>p</pre>'
        '<tg-spoiler>t</tg-spoiler><span class="tg-spoiler">h</span><blockquote>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    text, entities = parse_html(source)
    assert text == "bsieunskdacpthq👍"
    kinds = [entity["type"] for entity in entities]
    assert kinds == [
        "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough", "strikethrough",
        "strikethrough", "text_link", "code", "pre", "spoiler", "spoiler", "blockquote", "custom_emoji",
    ]  # fmt: skip
    assert entities[9]["url"] == "https://example.org/x?a=1&b=2"


def test_html_pre_with_language_and_nesting() -> None:
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre> <b><i>bi</i></b>')
    assert text == "x = 1 bi"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "bold", "offset": 6, "length": 2},
        {"type": "italic", "offset": 6, "length": 2},
    ]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("가<p>x</p>", 'Unsupported start tag "p" at byte offset 3'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ],
)
def test_html_errors(source: str, reason: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(source)
    assert caught.value.description == f"Bad Request: can't parse entities: {reason}"


def test_markdown_v2_entities_and_errors() -> None:
    text, entities = parse_markdown(r"*b* _i_ __u__ ~s~ ||p|| `c` [l](https://x.org) 4\.5\!")
    assert text == "b i u s p c l 4.5!"
    assert [entity["type"] for entity in entities] == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "text_link",
    ]  # fmt: skip
    with pytest.raises(ApiError, match=r"Character '\.' is reserved"):
        parse_markdown("Done.")
    with pytest.raises(ApiError, match="Can't find end of Italic entity at byte offset 0"):
        parse_markdown("_open")


def test_legacy_markdown_is_lenient_about_punctuation() -> None:
    text, entities = parse_markdown("*Done.* (ok)", version=1)
    assert text == "Done. (ok)" and entities == [{"type": "bold", "offset": 0, "length": 5}]


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [('hi <a href="tg://user?id=42">Sam</a>', "HTML"), ("hi [Sam](tg://user?id=42)", "MarkdownV2")],
)
def test_a_user_link_becomes_a_text_mention_ptb_can_read(text: str, parse_mode: str) -> None:
    plain, entities = parse_html(text) if parse_mode == "HTML" else parse_markdown(text, version=2)
    (entity,) = entities
    assert entity["type"] == "text_mention" and plain[entity["offset"] :] == "Sam"
    parsed = MessageEntity.de_json(entity, None)
    assert parsed.user.id == 42 and parsed.user.first_name == "Sam" and parsed.user.is_bot is False
