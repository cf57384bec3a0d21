"""The sans-IO multipart reader: events, limits, malformed bodies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.plugs._multipart import MultipartError, MultipartReader, PartEnd, PartStart, boundary_from

BODY = (
    b"--xx\r\n"
    b'Content-Disposition: form-data; name="title"\r\n\r\n'
    b"hello\r\n"
    b"--xx\r\n"
    b'Content-Disposition: form-data; name="upload"; filename="C:\\\\dir\\\\..\\\\a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"file data\r\n"
    b"--xx--\r\n"
)


def _collect(reader: MultipartReader, body: bytes, step: int) -> list[object]:
    events: list[object] = []
    for i in range(0, len(body), step):
        events += reader.feed(body[i : i + step])
    reader.close()
    return events


@pytest.mark.parametrize("step", [1, 7, 4096])
def test_events_any_chunking(step: int) -> None:
    events = _collect(MultipartReader(b"xx"), BODY, step)
    starts = [e for e in events if isinstance(e, PartStart)]
    assert [(s.name, s.filename, s.content_type) for s in starts] == [
        ("title", None, "text/plain"),
        ("upload", "a.txt", "text/plain"),
    ]
    data = b"".join(e for e in events if isinstance(e, bytes))
    assert data == b"hellofile data"
    assert sum(isinstance(e, PartEnd) for e in events) == 2


def test_truncated_body() -> None:
    reader = MultipartReader(b"xx")
    reader.feed(BODY[:-10])
    with pytest.raises(MultipartError, match="closing boundary"):
        reader.close()


def test_too_many_parts() -> None:
    with pytest.raises(MultipartError) as info:
        _collect(MultipartReader(b"xx", max_parts=1), BODY, 4096)
    assert info.value.status == 413


@pytest.mark.parametrize(
    "body",
    [
        b"--xx\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--xx--\r\n",
        b"--xx\r\nContent-Disposition: attachment\r\n\r\nx\r\n--xx--\r\n",
        b"--yy\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--yy--\r\n",
        b"--xx\r\nbad header line\r\n\r\nx\r\n--xx--\r\n",
    ],
)
def test_malformed(body: bytes) -> None:
    with pytest.raises(MultipartError) as info:
        _collect(MultipartReader(b"xx"), body, 4096)
    assert info.value.status == 400


def test_header_limits() -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(20))
    body = b'--xx\r\nContent-Disposition: form-data; name="a"\r\n' + many + b"\r\nx\r\n--xx--\r\n"
    with pytest.raises(MultipartError):
        _collect(MultipartReader(b"xx", max_part_headers=4), body, 4096)


@pytest.mark.parametrize(
    "ctype",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "a" * 300,
    ],
)
def test_bad_boundary(ctype: str) -> None:
    with pytest.raises(MultipartError):
        boundary_from(ctype)


def test_boundary_ok() -> None:
    assert boundary_from(b'multipart/form-data; boundary="abc"') == b"abc"


@settings(max_examples=150)
@given(st.binary(max_size=300))
def test_fuzz(body: bytes) -> None:
    reader = MultipartReader(b"xx")
    try:
        reader.feed(body)
        reader.close()
    except MultipartError:
        pass
