"""Query-string parsing: flat pairs, Phoenix-style nesting, limits."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.http.query import QueryError, QueryParams, nest, parse_nested, parse_pairs


def test_pairs_keep_order_and_repeats() -> None:
    assert parse_pairs("a=1&b=2&a=3") == [("a", "1"), ("b", "2"), ("a", "3")]


def test_pairs_decoding() -> None:
    assert parse_pairs(b"q=hello+world&x=%C3%A9&flag&&e=") == [
        ("q", "hello world"),
        ("x", "é"),
        ("flag", ""),
        ("e", ""),
    ]


def test_invalid_utf8_is_400() -> None:
    with pytest.raises(QueryError) as info:
        parse_pairs("x=%FF")
    assert info.value.status == 400
    with pytest.raises(QueryError):
        parse_pairs(b"x=\xff")


def test_too_many_params() -> None:
    parse_pairs("&".join(["a=1"] * 10), max_params=10)
    with pytest.raises(QueryError, match="too many parameters"):
        parse_pairs("&".join(["a=1"] * 11), max_params=10)


def test_nested_maps_and_lists() -> None:
    assert parse_nested("user[name]=Jo&user[address][city]=Oslo&tags[]=a&tags[]=b&n=1&n=2") == {
        "user": {"name": "Jo", "address": {"city": "Oslo"}},
        "tags": ["a", "b"],
        "n": "2",
    }


def test_nested_list_inside_map() -> None:
    assert parse_nested("f[ids][]=1&f[ids][]=2") == {"f": {"ids": ["1", "2"]}}


@pytest.mark.parametrize(
    "query",
    ["a=1&a[b]=2", "a[b]=2&a=1", "a[]=1&a[b]=2", "a[b]=1&a[]=2", "a[][b]=1", "a[b]c]=1"],
)
def test_conflicting_or_malformed_keys_are_400(query: str) -> None:
    with pytest.raises(QueryError):
        parse_nested(query)


def test_depth_limit() -> None:
    assert parse_nested("a[b][c]=1", max_depth=3) == {"a": {"b": {"c": "1"}}}
    with pytest.raises(QueryError, match="nested too deeply"):
        parse_nested("a[b][c][d]=1", max_depth=3)


def test_brackets_not_a_nesting_when_leading() -> None:
    assert parse_nested("[a]=1&b]=2&c[d=3") == {"[a]": "1", "b]": "2", "c[d": "3"}


def test_query_params_multidict() -> None:
    params = QueryParams(parse_pairs("a=1&b=2&a=3"))
    assert params["a"] == "3"
    assert params.get_all("a") == ["1", "3"]
    assert params.get_all("zzz") == []
    assert dict(params) == {"a": "3", "b": "2"}
    assert len(params) == 2


_keys = st.text(st.characters(codec="utf-8", exclude_characters="[]&="), min_size=1, max_size=8)
_values = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=200)
@given(st.lists(st.tuples(_keys, _values), max_size=20))
def test_round_trip_flat_pairs(pairs: list[tuple[str, str]]) -> None:
    assert parse_pairs(urlencode(pairs)) == pairs


@settings(max_examples=200)
@given(st.dictionaries(_keys, st.dictionaries(_keys, _values, max_size=4), max_size=4))
def test_round_trip_nested_maps(data: dict[str, dict[str, str]]) -> None:
    pairs = [(f"{k}[{ik}]", v) for k, inner in data.items() for ik, v in inner.items()]
    expected = {k: inner for k, inner in data.items() if inner}
    assert nest(parse_pairs(urlencode(pairs))) == expected


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_arbitrary_input_never_crashes(text: str) -> None:
    try:
        parse_nested(text)
    except QueryError as exc:
        status = exc.status
    else:
        status = 200
    assert status in (200, 400)
