"""Sans-IO negotiation helpers: Accept-Encoding, Accept, Range, validators."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.plugs._negotiate import (
    RangeNotSatisfiable,
    choose_encoding,
    etag_for,
    http_date,
    if_none_match_hits,
    not_modified_since,
    parse_qvalues,
    parse_range,
    prefers_json,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("gzip", "gzip"),
        ("gzip, br", "br"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("*", "br"),
        ("*;q=0, gzip", "gzip"),
        ("br;q=0, *", "gzip"),
        ("identity", None),
        ("gzip;q=bogus", None),
        ("gzip;q=5", None),
        ("x" * 5000, None),
    ],
)
def test_choose_encoding(header: str | None, expected: str | None) -> None:
    assert choose_encoding(header, ["br", "gzip", "deflate"]) == expected


def test_qvalues_and_prefers_json() -> None:
    assert parse_qvalues(b"text/html;level=1;q=0.3, TEXT/plain") == {
        "text/html": 0.3,
        "text/plain": 1.0,
    }
    assert prefers_json("application/json")
    assert prefers_json("application/problem+json, text/html;q=0.5")
    assert not prefers_json("text/html,application/xhtml+xml,*/*;q=0.8")
    assert not prefers_json(None)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-4", (0, 4)),
        ("bytes=5-", (5, 9)),
        ("bytes=-3", (7, 9)),
        ("bytes=-30", (0, 9)),
        ("bytes=2-100", (2, 9)),
        ("bytes=0-0,5-6", None),
        ("items=0-1", None),
        ("bytes=4-2", None),
        ("bytes=a-b", None),
        ("bytes=-", None),
        ("bytes=1", None),
        ("bytes=" + "1" * 300, None),
    ],
)
def test_parse_range(header: str, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 10) == expected


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=50-60", "bytes=-0"])
def test_unsatisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 10)


def test_validators() -> None:
    etag = etag_for(10, 123)
    assert etag.startswith('"')
    assert etag != etag_for(11, 123)
    assert if_none_match_hits(etag, etag)
    assert if_none_match_hits(f'"x", W/{etag}', etag)
    assert if_none_match_hits("*", etag)
    assert not if_none_match_hits('"other"', etag)
    date = http_date(1_700_000_000)
    assert date.endswith("GMT")
    assert not_modified_since(date, 1_700_000_000.5)
    assert not not_modified_since(date, 1_700_000_001)
    assert not not_modified_since("garbage", 0)
    assert not not_modified_since("x" * 100, 0)


@settings(max_examples=200)
@given(st.text(max_size=60), st.integers(min_value=0, max_value=10_000))
def test_range_fuzz(header: str, size: int) -> None:
    try:
        result = parse_range(header, size)
    except RangeNotSatisfiable:
        return
    if result is not None:
        start, end = result
        assert 0 <= start <= end < size
