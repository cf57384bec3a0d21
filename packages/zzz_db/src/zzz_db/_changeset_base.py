"""A changeset's state and casting: the base of :class:`zzz_db.changeset.Changeset`.

Holds the params, the cast changes and the recorded errors, and the accessors on them;
validations, constraints and results live on ``Changeset`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, Self, TypeVar, overload

import pydantic

from zzz_db.fields import FieldSpec
from zzz_db.schema import Schema
from zzz_db.validators import ErrorDetail

__all__: list[str] = []

S = TypeVar("S", bound=Schema)
_ADAPTERS: dict[tuple[type[Schema], str], pydantic.TypeAdapter[Any]] = {}
_MISSING = object()


def _schema_fields(schema: type[Schema]) -> Mapping[str, FieldSpec]:
    return schema.__schema__.fields


def _adapter(schema: type[Schema], name: str) -> pydantic.TypeAdapter[Any]:
    key = (schema, name)
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        spec = _schema_fields(schema)[name]
        adapter = _ADAPTERS[key] = pydantic.TypeAdapter(spec.annotation)
    return adapter


class _ChangesetBase(Generic[S]):
    """Params, changes and errors of a changeset (see ``Changeset`` for the attributes)."""

    def __init__(self, schema: type[S], data: S | None, params: Mapping[str, Any]) -> None:
        self.schema = schema
        self.data = data
        self.params: dict[str, Any] = {str(k): v for k, v in params.items()}
        self.changes: dict[str, Any] = {}
        self.error_details: dict[str, list[ErrorDetail]] = {}

    def __repr__(self) -> str:
        return (
            f"<Changeset {self.schema.__name__} valid={self.valid} "
            f"changes={sorted(self.changes)} errors={self.errors}>"
        )

    # -- state ---------------------------------------------------------------------------

    @property
    def valid(self) -> bool:
        """Whether no error has been recorded."""
        return not self.error_details

    @property
    def errors(self) -> dict[str, list[str]]:
        """Field name → error messages (see ``error_details`` for templates and params)."""
        return {f: [d.message for d in details] for f, details in self.error_details.items()}

    def add_error(
        self, field: str, message: str, *, validation: str = "custom", **params: Any
    ) -> Self:
        """Record an error on ``field`` (``message`` may use ``{param}`` placeholders)."""
        self.error_details.setdefault(field, []).append(ErrorDetail(message, validation, params))
        return self

    def _known(self, field: str) -> None:
        if field not in _schema_fields(self.schema):
            raise ValueError(f"{self.schema.__name__} has no field {field!r}")

    def get_change(self, field: str, default: Any = None) -> Any:
        """The change for ``field``, or ``default``."""
        return self.changes.get(field, default)

    def get_field(self, field: str, default: Any = None) -> Any:
        """The change for ``field``, else its value on ``data``, else ``default``."""
        if field in self.changes:
            return self.changes[field]
        if self.data is not None:
            return getattr(self.data, field, default)
        return default

    def put_change(self, field: str, value: Any) -> Self:
        """Set a change directly (no casting); a value equal to ``data``'s is dropped."""
        self._known(field)
        if self.data is not None and getattr(self.data, field, _MISSING) == value:
            self.changes.pop(field, None)
        else:
            self.changes[field] = value
        return self

    def delete_change(self, field: str) -> Self:
        """Forget the change for ``field``."""
        self.changes.pop(field, None)
        return self

    # -- casting ---------------------------------------------------------------------------

    @overload
    def cast(self, params: Iterable[str], /) -> Self: ...
    @overload
    def cast(self, params: Mapping[str, Any], allowed: Iterable[str], /) -> Self: ...
    def cast(self, params: Any, allowed: Iterable[str] | None = None, /) -> Self:
        """Cast the ``allowed`` fields from params into changes (others are ignored).

        ``cast(["name", "age"])`` uses the params given to :func:`changeset`;
        ``cast(params, ["name", "age"])`` brings new ones. Values are converted with the
        field's type by pydantic (lax mode: ``"42"`` becomes ``42``). ``None`` and the empty
        string become a ``None`` change whatever the type (``validate_required`` rejects
        it). A value that cannot be converted records a ``"cast"`` error with pydantic's
        message.

        Raises:
            ValueError: An allowed name is not a field of the schema.
        """
        if allowed is None:
            fields = list(params)
        else:
            self.params.update({str(k): v for k, v in params.items()})
            fields = list(allowed)
        for name in fields:
            self._known(name)
            if name not in self.params:
                continue
            raw = self.params[name]
            if raw is None or raw == "":
                # like Ecto: empty input is a nil change, left for validate_required to judge
                self.put_change(name, None)
                continue
            try:
                value = _adapter(self.schema, name).validate_python(raw)
            except pydantic.ValidationError as exc:
                first = exc.errors()[0]
                self.add_error(
                    name,
                    "is invalid: {reason}",
                    validation="cast",
                    reason=first["msg"],
                    type=first["type"],
                )
                continue
            self.put_change(name, value)
        return self
