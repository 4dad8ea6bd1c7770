"""Cell text as pasted from Word."""

import pytest

from xlplan.text import counted, header_key, one_paragraph, plain, shorten


@pytest.mark.parametrize("raw, text", [
    ('<ul style="list-style-type: none"> ▪ Identify ICT support ▪ Commission ICT Services </ul>',
     "• Identify ICT support\n• Commission ICT Services"),
    ("<p>PI and performance framework in place</p> <p>Now needs embedding</p>",
     "PI and performance framework in place\nNow needs embedding"),
    ("Oct 12 <i>Extension to timescale agreed</i>", "Oct 12 Extension to timescale agreed"),
    ("Fish &amp; chips", "Fish & chips"),
    ("a < b and c > d", "a < b and c > d"),          # not a tag: left alone
    ("--", ""), (None, ""), ("  plain  ", "plain"),
    ("<ul><li>Clarify arrangements</li><li>Communicate them</li></ul>",
     "• Clarify arrangements\n• Communicate them"),                   # a Word list: one bullet a line
    ("Audit done_x000D_\nReport sent", "Audit done\nReport sent"),    # Excel's escape for a character
    ("Done_x0001_ today", "Done today"),                               # a control character, dropped
])
def test_plain(raw, text):
    assert plain(raw) == text


@pytest.mark.parametrize("a, b", [
    ("Lead person/ Lead task group", "lead person / lead task group"),
    ("RAG rating", "RAG  Rating"), ("Specific action/s", "Specific actions"),
])
def test_header_keys_ignore_case_spacing_and_punctuation(a, b):
    assert header_key(a) == header_key(b)


def test_text_the_fast_path_keeps_is_text_cleaning_would_keep():
    """plain() hands back most cells untouched without cleaning them; that is only right if
    cleaning would have given the same text. Thousands of random cells built from the
    characters that matter: wherever the fast path says "clean", cleaning agrees."""
    import random

    from xlplan.text import _clean, _is_clean

    rng = random.Random(7)
    alphabet = list("abcdefghijk" * 3 + ".-–—_ \t\n\r<>&;/▪•◦●★") + ["\u00a0", "\u2003", "\x0b", "\x1f", "_x000D_", "<br>", "&amp;",
                                                  "<li>", "Green", "21.11.12"]
    kept = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if _is_clean(text):
            kept += 1
            assert _clean(text) == text, repr(text)
    assert kept > 1000                      # the fast path was taken often enough to mean something


def test_a_row_is_cleaned_as_its_cells_are():
    import random

    from xlplan.text import plain_row

    rng = random.Random(11)
    alphabet = list("abcdefghijk" * 4 + ".-–—_ \t\n\r<>&|") + ["\u00a0", "\u2003", "\x0b", "_x000D_", "●", "  "]
    values = [None, 3, 2.5, "", "Green 21.11.12 - on track"]
    for _ in range(5000):
        row = [rng.choice(values) if rng.random() < 0.2 else
               "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))) for _ in range(rng.randint(1, 6))]
        assert plain_row(row) == [plain(v) for v in row], row


@pytest.mark.parametrize("text, limit, cut", [
    ("Item placed in Team Talk. Two emails sent to schools", 30, "Item placed in Team Talk. Two\u2026"),
    ("Item placed in Team Talk. Two emails sent to schools", 29, "Item placed in Team Talk.\u2026"),
    ("short enough", 12, "short enough"),
    ("Briefings, workshops and more", 12, "Briefings\u2026"),           # no comma before the ellipsis
    ("https://council.example.org/a/very/long/address", 20, "https://council.exa\u2026"),  # one word: cut in it
])
def test_shorten_cuts_at_a_word_with_an_ellipsis(text, limit, cut):
    assert shorten(text, limit) == cut and len(cut) <= limit


def test_shorten_never_leaves_half_a_word():
    text = "Develop and implement system for communicating and embedding of new CRB Policy " * 5
    for limit in range(10, len(text)):
        cut = shorten(text, limit)
        assert len(cut) <= limit and cut.endswith("\u2026")
        assert text.startswith(cut[:-1] + " ")


def test_one_paragraph_and_counted():
    assert one_paragraph("• Clarify arrangements\n• Communicate them") == "Clarify arrangements; Communicate them"
    assert one_paragraph("Placed in Team Talk.\nFurther work:\n▪ Briefings") == "Placed in Team Talk. Further work: Briefings"
    assert [counted(n, "action") for n in (0, 1, 2)] == ["0 actions", "1 action", "2 actions"]
