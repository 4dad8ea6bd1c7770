"""Refs as the seeds write them."""

import pytest

from xlplan.action import parse_ref


@pytest.mark.parametrize("text, ref, links", [
    ("3.2 / 3.7", "3.2 / 3.7", ()),
    ("2.1 (a)", "2.1 (a)", ()),
    ("2.9 Link to 1.1 and 1.4", "2.9", ("1.1", "1.4")),
    ("3.11 Link to 3.9 2.8 1.2 and 1.3", "3.11", ("3.9", "2.8", "1.2", "1.3")),
    ("1.", "1", ()),
    ("4.15", "4.15", ()),
    ("", "", ()),
])
def test_parse_ref(text, ref, links):
    assert parse_ref(text) == (ref, links)
