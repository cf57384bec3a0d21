"""Dialect type adaptation in (parameters) and out (row values), capability flags."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pydantic
import pytest
from zzz_db.dialects import MySQLDialect, PostgresDialect, SQLiteDialect, get_dialect
from zzz_db.exceptions import QueryError
from zzz_db.schema import Schema
from zzz_db.types import Kind, classify, datetime_from_text, json_dumps, time_from_db


class DtLevel(enum.IntEnum):
    LOW = 1
    HIGH = 2


class DtShape(pydantic.BaseModel):
    sides: int


class DtRow(Schema, table="dt_rows"):
    when: dt.datetime | None = None
    day: dt.date | None = None
    at: dt.time | None = None
    price: Decimal | None = None
    key: uuid.UUID | None = None
    flag: bool = False
    level: DtLevel = DtLevel.LOW
    shape: DtShape | None = None
    data: list[int] = pydantic.Field(default_factory=list)
    raw: bytes = b""
    ratio: float = 0.0


FIELDS = DtRow.__schema__.fields
PARIS = dt.timezone(dt.timedelta(hours=2))
WHEN = dt.datetime(2024, 5, 1, 14, 0, 0, 250, tzinfo=PARIS)
UTC_WHEN = dt.datetime(2024, 5, 1, 12, 0, 0, 250, tzinfo=dt.UTC)
KEY = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.parametrize(
    ("name", "value", "sqlite", "postgres", "mysql"),
    [
        ("when", WHEN, "2024-05-01 12:00:00.000250+00:00", UTC_WHEN, UTC_WHEN.replace(tzinfo=None)),
        ("when", dt.datetime(2024, 1, 1), "2024-01-01 00:00:00.000000+00:00",
         dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2024, 1, 1)),
        ("day", dt.date(2024, 2, 3), "2024-02-03", dt.date(2024, 2, 3), dt.date(2024, 2, 3)),
        ("at", dt.time(6, 5, 4), "06:05:04", dt.time(6, 5, 4), dt.time(6, 5, 4)),
        ("price", Decimal("1.10"), "1.10", Decimal("1.10"), Decimal("1.10")),
        ("key", KEY, str(KEY), KEY, str(KEY)),
        ("flag", True, True, True, True),
        ("level", DtLevel.HIGH, 2, 2, 2),
        ("shape", DtShape(sides=3), '{"sides":3}', '{"sides":3}', '{"sides":3}'),
        ("data", [1, 2], "[1,2]", "[1,2]", "[1,2]"),
        ("raw", b"\x00", b"\x00", b"\x00", b"\x00"),
        ("ratio", 0.5, 0.5, 0.5, 0.5),
        ("price", None, None, None, None),
    ],
)  # fmt: skip
def test_parameters_by_field(name: str, value: Any, sqlite: Any, postgres: Any, mysql: Any) -> None:
    spec = FIELDS[name]
    assert get_dialect("sqlite").adapt(value, spec) == sqlite
    assert get_dialect("postgres").adapt(value, spec) == postgres
    assert get_dialect("mysql").adapt(value, spec) == mysql


def test_parameters_by_python_type() -> None:
    sqlite, pg = get_dialect("sqlite"), get_dialect("postgres")
    assert sqlite.adapt(WHEN) == "2024-05-01 12:00:00.000250+00:00"
    assert sqlite.adapt(KEY) == str(KEY)
    assert sqlite.adapt(Decimal("2.5")) == "2.5"
    assert sqlite.adapt(DtLevel.HIGH) == 2
    assert sqlite.adapt({"a": 1}) == '{"a":1}'
    assert sqlite.adapt(DtShape(sides=4)) == '{"sides":4}'
    assert sqlite.adapt(True) is True
    assert pg.adapt(KEY) is KEY
    assert pg.adapt(WHEN) == UTC_WHEN
    assert pg.adapt(object) is object  # unknown types go to the driver unchanged


@pytest.mark.parametrize(
    ("dialect", "name", "raw", "expected"),
    [
        ("sqlite", "when", "2024-05-01 12:00:00.000250+00:00", UTC_WHEN),
        ("sqlite", "when", "2024-05-01T14:00:00.000250+02:00", UTC_WHEN),
        ("sqlite", "when", "2024-05-01 12:00:00.000250", UTC_WHEN),
        ("sqlite", "when", 0, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        ("sqlite", "day", "2024-02-03", dt.date(2024, 2, 3)),
        ("sqlite", "at", "06:05:04", dt.time(6, 5, 4)),
        ("sqlite", "price", "1.10", Decimal("1.10")),
        ("sqlite", "price", 2.5, Decimal("2.5")),
        ("sqlite", "key", str(KEY), KEY),
        ("sqlite", "key", KEY.bytes, KEY),
        ("sqlite", "flag", 1, True),
        ("sqlite", "level", 2, DtLevel.HIGH),
        ("sqlite", "shape", '{"sides":3}', DtShape(sides=3)),
        ("sqlite", "data", "[1,2]", [1, 2]),
        ("sqlite", "ratio", 1, 1.0),
        ("postgres", "when", WHEN, UTC_WHEN),
        ("postgres", "when", dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        ("postgres", "shape", {"sides": 3}, DtShape(sides=3)),
        ("postgres", "data", [1], [1]),
        ("postgres", "key", KEY, KEY),
        ("mysql", "when", dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        ("mysql", "at", dt.timedelta(hours=6, minutes=5, seconds=4), dt.time(6, 5, 4)),
        ("mysql", "flag", 0, False),
        ("mysql", "key", str(KEY), KEY),
        ("mysql", "data", "[1,2]", [1, 2]),
        ("mysql", "price", None, None),
    ],
)
def test_values_from_the_database(dialect: str, name: str, raw: Any, expected: Any) -> None:
    value = get_dialect(dialect).from_db(FIELDS[name], raw)
    assert value == expected
    assert type(value) is type(expected)


def test_loader_and_row_converter() -> None:
    sqlite = get_dialect("sqlite")
    row = (
        None, "2024-05-01 12:00:00.000250+00:00", None, None, "1.5", str(KEY), 1, 2,
        '{"sides":3}', "[1]", b"x", 0.25,
    )  # fmt: skip
    assert DtRow.__schema__.columns[0] == "id"
    loaded = sqlite.loader(DtRow)(row)
    assert loaded.when == UTC_WHEN
    assert loaded.price == Decimal("1.5")
    assert loaded.flag is True
    assert loaded.level is DtLevel.HIGH
    assert loaded.shape == DtShape(sides=3)
    assert sqlite.loader(DtRow) is sqlite.loader(DtRow.__schema__)
    convert = sqlite.row_converter([FIELDS["flag"], None, FIELDS["key"]])
    assert convert((0, "x", str(KEY))) == (False, "x", KEY)
    assert sqlite.row_converter([None, None]) is tuple


def test_capability_flags() -> None:
    assert SQLiteDialect(version=(3, 34, 0)).supports_returning_insert is False
    assert SQLiteDialect(version=(3, 45, 0)).supports_returning_update is True
    assert SQLiteDialect().supports_row_locks is False
    maria = MySQLDialect(mariadb=True, version=(10, 11, 6))
    assert maria.supports_returning_insert is True
    assert maria.supports_returning_update is False
    assert maria.supports_returning_delete is True
    assert maria.supports_skip_locked is True
    assert maria.supports_transactional_ddl is False
    old = MySQLDialect(mariadb=True, version=(10, 4, 0))
    assert old.supports_returning_insert is False
    assert old.supports_skip_locked is False
    mysql = MySQLDialect(mariadb=False, version=(8, 0, 36))
    assert mysql.supports_returning_insert is False
    assert mysql.supports_skip_locked is True
    assert "MySQL 8.0.36" in repr(mysql)
    pg = PostgresDialect()
    assert pg.supports_returning_update
    assert pg.max_params == 65535
    assert get_dialect("postgresql") is get_dialect("postgres")
    assert get_dialect(pg) is pg


def test_skip_locked_unsupported() -> None:
    old = MySQLDialect(mariadb=True, version=(10, 4, 0))
    query = DtRow.query().for_update(skip_locked=True)
    with pytest.raises(QueryError, match="SKIP LOCKED"):
        query.to_sql(old)


def test_type_helpers() -> None:
    assert classify(int | None) == (Kind.INT, True, int)
    assert classify(set[int]) is None
    assert classify(dict[str, int]) == (Kind.JSON, False, dict[str, int])
    assert classify(object) is None
    assert time_from_db(dt.timedelta(hours=25, microseconds=5)) == dt.time(1, 0, 0, 5)
    assert time_from_db(b"01:02:03") == dt.time(1, 2, 3)
    assert datetime_from_text(b"2024-01-01 00:00:00") == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert json_dumps({"d": dt.date(2024, 1, 2)}) == '{"d":"2024-01-02"}'
    assert json_dumps("x") == '"x"'
