"""Cell text as pasted from Word."""

import pytest

from xlplan.text import header_key, plain


@pytest.mark.parametrize("raw, text", [
    ('<ul style="list-style-type: none"> ▪ Identify ICT support ▪ Commission ICT Services </ul>',
     "• Identify ICT support\n• Commission ICT Services"),
    ("<p>PI and performance framework in place</p> <p>Now needs embedding</p>",
     "PI and performance framework in place\nNow needs embedding"),
    ("Oct 12 <i>Extension to timescale agreed</i>", "Oct 12 Extension to timescale agreed"),
    ("Fish &amp; chips", "Fish & chips"),
    ("a < b and c > d", "a < b and c > d"),          # not a tag: left alone
    ("--", ""), (None, ""), ("  plain  ", "plain"),
])
def test_plain(raw, text):
    assert plain(raw) == text


@pytest.mark.parametrize("a, b", [
    ("Lead person/ Lead task group", "lead person / lead task group"),
    ("RAG rating", "RAG  Rating"), ("Specific action/s", "Specific actions"),
])
def test_header_keys_ignore_case_spacing_and_punctuation(a, b):
    assert header_key(a) == header_key(b)
