"""Reading a rating in every convention the seeds use, and the scale's order and meanings."""

import datetime as dt

import pytest
from conftest import SAYS_DONE

from xlplan.rag import done_word
from xlplan.read.colours import apply_tint


@pytest.mark.parametrize("text, label", [
    # canonical words in any case (seed 001: "Amber", "red", "blue", "AMBER")
    ("Green", "Green"), ("green", "Green"), ("AMBER", "Amber"), ("red", "Red"), ("blue", "Blue"),
    ("Grey", "Grey"), ("gray", "Grey"), ("No data", "No data"), ("NO DATA", "No data"),
    ("Amber/Green", "Amber/Green"), ("amber / green", "Amber/Green"), ("Amber/Red", "Amber/Red"),
    # letters
    ("R", "Red"), ("A", "Amber"), ("G", "Green"), ("A/G", "Amber/Green"), ("a / r", "Amber/Red"),
    ("B", "Blue"),
    # symbols (seed 000)
    ("★", "Green"), ("●", "Amber"), ("▲", "Red"), ("● / ★", "Amber/Green"), ("●/★", "Amber/Green"),
    # status leading a commentary cell (seed 001)
    ("Green 07.01.13", "Green"),
    ("Green 21.11.12 - This has been shared with the front end.", "Green"),
    ("Amber - Message has gone out. Legal planning meetings much smoother", "Amber"),
    ("Green – TM intensive support programme", "Green"),
    ("Green - Started see PMe", "Green"),
    ("Not started", "Grey"),
])
def test_reads_every_convention(config, text, label):
    reading = config.scale.read_text(text)
    assert reading.label == label
    assert reading.problem == ""


def test_leading_status_gives_date_and_comment(config):
    reading = config.scale.read_text("Green 21.11.12 - This has been shared with the front end")
    assert (reading.label, reading.date, reading.comment) == (
        "Green", dt.date(2012, 11, 21), "This has been shared with the front end")


@pytest.mark.parametrize("text", ["Purple", "A meeting was held", "tbc", "Green/Purple"])
def test_unknown_text_is_reported_not_guessed(config, text):
    reading = config.scale.read_text(text)
    assert reading.label is None
    assert "not a RAG rating" in reading.problem


@pytest.mark.parametrize("text", ["", "   ", "--", "------"])
def test_empty_cell_has_no_rating_and_no_problem(config, text):
    reading = config.scale.read_text(text)
    assert (reading.label, reading.problem) == (None, "")


@pytest.mark.parametrize("rgb, label", [
    ("FF0000", "Red"), ("C00000", "Red"), ("FFC7CE", "Red"),          # Excel's "Bad" style
    ("FFC000", "Amber"), ("FFFF00", "Amber"), ("FFEB9C", "Amber"),    # Excel's "Neutral" style
    ("00B050", "Green"), ("92D050", "Green"), ("C6EFCE", "Green"),     # Excel's "Good" style
    ("0070C0", "Blue"), ("BFBFBF", "Grey"), ("FF7C80", "Amber/Red"), ("C4D79B", "Amber/Green"),
    ("FE0101", "Red"),                                                 # near enough
])
def test_fill_colour_alone(config, rgb, label):
    reading = config.scale.read_fill(rgb)
    assert (reading.label, reading.source) == (label, "fill")


def test_fill_near_no_rating_is_reported(config):
    reading = config.scale.read_fill("7030A0")   # purple
    assert reading.label is None
    assert "#7030A0 is near none of the RAG colours" in reading.problem


@pytest.mark.parametrize("rgb", [None, "", "FFFFFF"])
def test_white_or_no_fill_is_no_rating(config, rgb):
    assert config.scale.read_fill(rgb).label is None
    assert config.scale.read_fill(rgb).problem == ""


def test_theme_tint_is_applied_like_excel():
    # Office accent 6 (F79646) at 40% lighter is what Excel shows as FAC090.
    assert apply_tint("F79646", 0.3999755851924192) == "FAC090"
    assert apply_tint("C0504D", -0.249977111117893) == "953735"   # "Accent 2, Darker 25%"
    assert apply_tint("4F81BD", 0) == "4F81BD"


@pytest.mark.parametrize("old, new, direction", [
    ("Red", "Amber", "improved"), ("Amber", "Green", "improved"), ("Green", "Blue", "improved"),
    ("Green", "Amber", "worsened"), ("Amber/Green", "Amber/Red", "worsened"),
    ("Grey", "Amber", "moved"), ("Amber", "No data", "moved"), (None, "Red", "moved"),
])
def test_direction_follows_the_scale_order(config, old, new, direction):
    assert config.scale.direction(old, new) == direction


@pytest.mark.parametrize("label, due, progress, complete", [
    ("Blue", None, "", True),
    ("Green", dt.date(2026, 1, 31), "", True),                 # due date passed
    ("Green", dt.date(2027, 1, 31), "", False),                # on target, still open
    ("Green", None, "Agreed and implemented – 3 rd March 2009", True),
    ("Green", None, "Not yet implemented", False),
    ("Amber", dt.date(2020, 1, 1), "completed", False),
    (None, None, "", False),
])
def test_open_and_complete(config, label, due, progress, complete):
    assert config.scale.is_complete(label, due, progress, dt.date(2026, 11, 23)) is complete


@pytest.mark.parametrize("progress, done", SAYS_DONE, ids=[p[:40] or "empty" for p, _ in SAYS_DONE])
def test_a_green_action_due_later_is_complete_only_when_its_words_say_done(config, progress, done):
    """Issue 14: "We will have completed it by June" made a Green action due in 2027 complete
    (never chased, never overdue) while the rag-conflict rule read it as not done."""
    scale = config.scale
    assert scale.says_done(progress) is done
    assert scale.is_complete("Green", dt.date(2027, 6, 30), progress, dt.date(2026, 11, 23)) is done
    assert (done_word(scale.done_words, progress) is not None) is done
