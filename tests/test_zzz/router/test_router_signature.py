"""Handler signature analysis and typed path parameters."""

from __future__ import annotations

import decimal
import enum
import functools
import pathlib
import uuid
from typing import Annotated, Literal

import pydantic
import pytest
from zzz.exceptions import HTTPError
from zzz.router import Found, PathParamError, Router, get
from zzz.router.signature import analyse_handler, check_plug, describe_callable


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Filters(pydantic.BaseModel):
    q: str = ""
    post_id: int = 0


def cast(handler, path: str, request: str):
    router = Router(get(path, handler))
    result = router.match("GET", request)
    assert isinstance(result, Found)
    assert result.route.signature is not None
    return result.route.signature.cast_path_params(result.params)


async def typed(
    conn,
    i: int,
    f: float,
    d: decimal.Decimal,
    b: bool,
    u: uuid.UUID,
    c: Color,
    lv: Level,
    lit: Literal["a", "b"],
    s: str,
    n,
    o: int | None,
    a: Annotated[int, "meta"],
): ...


TYPED_PATH = "/t/:i/:f/:d/:b/:u/:c/:lv/:lit/:s/:n/:o/:a"


def test_casts_every_supported_type():
    u = uuid.uuid4()
    values = cast(typed, TYPED_PATH, f"/t/-42/1.5e3/2.50/yes/{u}/red/2/b/x%20y/raw/7/8")
    assert values == {
        "i": -42,
        "f": 1500.0,
        "d": decimal.Decimal("2.50"),
        "b": True,
        "u": u,
        "c": Color.RED,
        "lv": Level.HIGH,
        "lit": "b",
        "s": "x y",
        "n": "raw",
        "o": 7,
        "a": 8,
    }


@pytest.mark.parametrize(
    ("index", "bad"),
    [
        (0, "1_000"),
        (0, "\u0663"),  # Arabic-Indic digit three: int() would accept it
        (0, "12x"),
        (0, "9" * 65),
        (1, "nan"),
        (1, "inf"),
        (1, "1_0"),
        (2, "NaN"),
        (3, "maybe"),
        (4, "not-a-uuid"),
        (4, "{12345678-1234-5678-1234-567812345678}"),
        (5, "green"),
        (6, "3"),
        (7, "c"),
    ],
)
def test_failed_cast_is_a_404_path_param_error(index, bad):
    good = ["1", "1.0", "1.0", "true", str(uuid.UUID(int=1)), "red", "1", "a", "s", "n", "1", "1"]
    good[index] = bad
    router = Router(get(TYPED_PATH, typed))
    result = router.match("GET", "/t/" + "/".join(good))
    assert isinstance(result, Found)
    assert result.route.signature is not None
    with pytest.raises(PathParamError) as info:
        result.route.signature.cast_path_params(result.params)
    assert isinstance(info.value, HTTPError)
    assert info.value.status == 404
    assert "path parameter" in info.value.detail


async def wild_path(conn, rest: pathlib.PurePosixPath): ...


def test_path_annotation_for_wildcards():
    assert cast(wild_path, "/f/*rest", "/f/a/b.txt") == {"rest": pathlib.PurePosixPath("a/b.txt")}


async def with_model(conn, post_id: int, filters: Filters, page: int = 1): ...


def test_model_params_and_defaults():
    sig = analyse_handler(with_model, ("post_id",))
    assert [p.name for p in sig.model_params] == ["filters"]
    assert [p.name for p in sig.path_params] == ["post_id"]
    defaults = [p for p in sig.params if p.source == "default"]
    assert defaults[0].name == "page"
    assert defaults[0].default == 1
    assert defaults[0].cast is not None
    assert sig.cast_path_params({"post_id": "3"}) == {"post_id": 3}


async def model_only(conn, filters: Filters): ...


def test_a_model_field_can_receive_a_path_param():
    sig = analyse_handler(model_only, ("post_id",))
    assert sig.cast_path_params({"post_id": "3"}) == {}


async def kwargs_handler(conn, id: int, **rest): ...


def test_kwargs_receives_remaining_path_params_as_text():
    sig = analyse_handler(kwargs_handler, ("id", "slug"))
    assert sig.accepts_kwargs
    assert sig.cast_path_params({"id": "2", "slug": "x"}) == {"id": 2, "slug": "x"}


def sync_handler(conn, id: int): ...


def test_sync_handlers_are_accepted_and_flagged():
    sig = analyse_handler(sync_handler, ("id",))
    assert sig.is_async is False
    assert analyse_handler(kwargs_handler, ("id",)).is_async is True


class Controller:
    async def show(self, conn, id: int): ...

    async def __call__(self, conn, id: int): ...


async def partial_target(conn, id: int, flag: bool): ...


def test_bound_methods_callable_instances_and_partials():
    ctl = Controller()
    assert analyse_handler(ctl.show, ("id",)).conn_param == "conn"
    assert analyse_handler(ctl, ("id",)).is_async
    part = functools.partial(partial_target, flag=True)
    sig = analyse_handler(part, ("id",))
    assert sig.is_async
    assert describe_callable(part).endswith("partial_target")
    assert describe_callable(ctl).endswith("Controller")


def test_string_annotations_resolve_in_the_handler_module():
    namespace: dict[str, object] = {}
    exec(
        "from __future__ import annotations\nimport uuid\n"
        "async def h(conn: Conn, id: uuid.UUID): ...\n",
        namespace,
    )
    sig = analyse_handler(namespace["h"], ("id",))
    assert sig.cast_path_params({"id": str(uuid.UUID(int=5))}) == {"id": uuid.UUID(int=5)}


def test_check_plug_accepts_async_callables_only():
    async def good(conn): ...

    class Good:
        async def __call__(self, conn): ...

    check_plug(good)
    check_plug(Good())
    check_plug(functools.partial(good))
    for bad in (lambda conn: None, 42, Good):
        with pytest.raises(ValueError):
            check_plug(bad)
