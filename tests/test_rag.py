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


# -- other rating scales ([rag.scales]) ---------------------------------------------------

@pytest.mark.parametrize("text, label", [
    # Bracknell Forest council plan overview 2025: "complete", "in progress", "not started"
    ("Complete", "Blue"), ("In progress", "Amber"), ("Not started", "Grey"),
    # Epping Forest key action plan 2016/17: "Achieved or On-Target", "Behind Schedule"
    ("Achieved", "Blue"), ("On-Target", "Green"), ("Behind Schedule", "Red"),
    # seed 003, paragraph 16: amber/red "as activity is currently on hold or at risk"
    ("On hold", "Amber/Red"), ("At risk", "Amber/Red"),
    # a scrutiny recommendation tracker's Status column (Annex A): "Ongoing", "Complete"
    ("Ongoing", "Amber"), ("Completed", "Blue"),
    # Stockton LSCB 2017's key: "Fully Achieved", "On track"
    ("Fully Achieved", "Blue"), ("On track", "Green"), ("ON TRACK", "Green"),
    ("Delayed", "Red"), ("Slipped", "Red"), ("Overdue", "Red"), ("Not achieved", "Red"), ("Off track", "Red"),
    ("Yet to start", "Grey"), ("Closed", "Blue"),
    ("On track - report to the board in May", "Green"),
])
def test_status_words_of_other_scales(config, text, label):
    reading = config.scale.read_text(text)
    assert (reading.label, reading.problem) == (label, "")


@pytest.mark.parametrize("text", ["2", "1.", "(3)", "4"])
def test_a_number_is_never_guessed_and_the_problem_says_how_to_map_it(config, text):
    reading = config.scale.read_text(text)
    assert reading.label is None
    assert "[rag.scales]" in reading.problem and "key" in reading.problem


def _config(tmp_path, text):
    from xlplan.config import load_config

    path = tmp_path / "xlplan.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_numbers_mapped_in_the_config(tmp_path):
    config = _config(tmp_path, '[rag.scales]\n"1" = "Blue"\n"2" = "Green"\n"3" = "Amber"\n"4" = "Red"\n')
    assert [config.scale.read_text(t).label for t in ("1", "2", "3", "4", "5")] == ["Blue", "Green", "Amber", "Red", None]
    assert config.scale.read_text("On track").label == "Green"          # the built-in words stay


def test_a_word_in_the_config_file_wins_and_empty_takes_it_away(tmp_path):
    config = _config(tmp_path, '[rag.scales]\n"on track" = "Amber"\n"complete" = "Green"\n"ongoing" = ""\n')
    scale = config.scale
    assert scale.read_text("On track").label == "Amber"
    assert scale.read_text("Complete").label == "Green"                 # over Blue's alias
    assert scale.read_text("Ongoing").label is None


def test_a_level_alias_wins_over_a_built_in_word(config):
    """A board whose own Amber level lists "on track" (seed 001's AMBER: "on track, milestones
    met but not completed") keeps it Amber: the built-in word yields to the level."""
    from dataclasses import replace

    from xlplan.config import _scale_words
    from xlplan.rag import RagScale

    levels = tuple(replace(lv, aliases=(*lv.aliases, "on track")) if lv.label == "Amber" else lv
                   for lv in config.scale.levels)
    scale = RagScale(levels)
    scale = scale.with_words(_scale_words(scale, {"on track": "Green", "delayed": "Red"}, {}, "test"))
    assert scale.read_text("On track").label == "Amber"
    assert scale.read_text("Delayed").label == "Red"


@pytest.mark.parametrize("text, words", [
    ('[rag.scales]\n"1" = "Purple"\n', ["[rag.scales]", "'Purple'", "not a rating"]),
    ('[rag.scales]\n"1" = 1\n', ["[rag.scales]", "in quotes"]),
])
def test_bad_scales_are_refused_in_one_sentence(tmp_path, text, words):
    from xlplan.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, text)
    assert all(w in str(caught.value) for w in words)


def test_the_guide_never_tells_a_lead_a_word_means_another_rating_than_xlplan_reads():
    # A lead reads a level's meaning on the Guide sheet and types its words: the Amber
    # meaning once said "on track", which the built-in scale reads as Green.
    import re
    import tomllib
    from pathlib import Path

    import xlplan

    defaults = tomllib.loads((Path(xlplan.__file__).parent / "defaults.toml").read_text(encoding="utf-8"))
    phrases = {w: label for w, label in defaults["rag"]["scales"].items() if " " in w or "-" in w}
    for level in defaults["rag"]["levels"]:
        said = " " + re.sub(r"[^a-z]+", " ", level["meaning"].casefold()) + " "
        for phrase, label in phrases.items():
            if f" {re.sub(r'[^a-z]+', ' ', phrase)} " in said:
                assert label == level["label"], (level["label"], phrase, label)
