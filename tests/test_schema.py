"""Reading parsed JSON as typed values (`hrnn.schema`): lists of numbers, the fast path of a long run's curves."""

import re

import pytest

from hrnn import schema


@pytest.mark.parametrize(
    ("value", "kind", "read"),
    [
        ([0.5, 1.5], list[float], [0.5, 1.5]),  # all floats: the fast path
        ([1, 0.5], list[float], [1.0, 0.5]),  # an int among floats is a float
        ([1, 2], list[int], [1, 2]),
        ([], list[float], []),
    ],
)
def test_lists_of_numbers_are_read_with_their_items_typed(value, kind, read):
    converted = schema.convert(value, kind, "x")
    assert converted == read and [type(v) for v in converted] == [type(v) for v in read]
    assert converted is not value  # a copy: the caller's list is not shared


@pytest.mark.parametrize(
    ("value", "kind", "where"),
    [
        ([0.5, True], list[float], "x[1]"),  # a bool is not a number
        ([1, 2.5], list[int], "x[1]"),
        ([0.5, "0.5"], list[float], "x[1]"),
        ([0.5, None], list[float], "x[1]"),
    ],
)
def test_a_list_with_one_wrong_item_names_it(value, kind, where):
    with pytest.raises(schema.SchemaError, match=rf"^{re.escape(where)}: expected"):
        schema.convert(value, kind, "x")
