"""``Multi``: a unit of work of named steps run in one transaction, all or nothing.

Example::

    multi = (
        Multi()
        .insert("user", user_changeset)
        .insert("profile", lambda done: changeset(Profile, {"user_id": done["user"].id})
                .cast(["user_id"]))
        .run("welcome", send_welcome)  # async (repo, done) -> value | Err(reason)
    )
    result = await multi.execute(repo)
    result.ok, result.changes["user"], result.failed_step

Each step may be a value or a function of the results so far (``done``: step name →
result). A step fails when its changeset is invalid or hits a declared constraint
(insert/update/delete return :class:`~zzz_db.changeset.Err`) or a ``run`` function returns
``Err(value)``; the transaction is then rolled back and the result names the step and its
changeset (or value). Any exception rolls back too and propagates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from zzz_db.changeset import Changeset, Err, Ok

if TYPE_CHECKING:
    from zzz_db.repo import Repo

__all__ = ["Multi", "MultiResult"]

StepKind = Literal["insert", "update", "delete", "run", "put"]
Done = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    kind: StepKind
    target: Any
    options: dict[str, Any]


@dataclass(slots=True)
class MultiResult:
    """What a :class:`Multi` did.

    Attributes:
        ok: Whether every step succeeded (and the transaction committed).
        changes: Step name → result, for the steps that ran (committed only if ``ok``).
        failed_step: The name of the failing step.
        failed_value: Its changeset (with errors) or the value its function gave ``Err``.
    """

    ok: bool
    changes: dict[str, Any] = field(default_factory=dict)
    failed_step: str | None = None
    failed_value: Any = None

    @property
    def changeset(self) -> Changeset[Any] | None:
        """The failing step's changeset, when it failed on one."""
        value = self.failed_value
        return value if isinstance(value, Changeset) else None


class Multi:
    """An ordered list of named steps; build it, then ``await multi.execute(repo)``.

    Step names must be unique (checked when the step is added). Builder methods return
    the Multi itself so calls chain.
    """

    def __init__(self) -> None:
        self._steps: list[_Step] = []
        self._names: set[str] = set()

    def __len__(self) -> int:
        return len(self._steps)

    @property
    def names(self) -> tuple[str, ...]:
        """The step names, in order."""
        return tuple(step.name for step in self._steps)

    def _add(self, name: str, kind: StepKind, target: Any, **options: Any) -> Multi:
        if name in self._names:
            raise ValueError(f"Multi already has a step named {name!r}")
        self._names.add(name)
        self._steps.append(_Step(name, kind, target, options))
        return self

    def insert(self, name: str, target: Any, **options: Any) -> Multi:
        """Insert a changeset or schema instance (or ``fn(done)`` returning one).

        ``options`` are passed to :meth:`Repo.insert` (e.g. ``on_conflict=...``).
        """
        return self._add(name, "insert", target, **options)

    def update(self, name: str, target: Any, **options: Any) -> Multi:
        """Update from a changeset (or ``fn(done)`` returning one)."""
        return self._add(name, "update", target, **options)

    def delete(self, name: str, target: Any, **options: Any) -> Multi:
        """Delete a schema instance or changeset (or ``fn(done)`` returning one)."""
        return self._add(name, "delete", target, **options)

    def run(self, name: str, fn: Callable[[Repo, Done], Awaitable[Any]]) -> Multi:
        """Run ``await fn(repo, done)``; its return value is the step's result.

        Return ``Err(value)`` to fail the Multi (rolling everything back) with ``value``.
        """
        return self._add(name, "run", fn)

    def put(self, name: str, value: Any) -> Multi:
        """Record a plain value as a step result (for later steps to use)."""
        return self._add(name, "put", value)

    def append(self, other: Multi) -> Multi:
        """Add all steps of ``other`` after these (names must stay unique)."""
        for step in other._steps:
            self._add(step.name, step.kind, step.target, **step.options)
        return self

    async def execute(self, repo: Repo) -> MultiResult:
        """Run every step in one transaction (a savepoint if one is already open).

        Returns:
            A :class:`MultiResult`; ``ok`` is false when a step failed (nothing is kept).
        """
        result = MultiResult(ok=True)
        done = result.changes
        async with repo.transaction() as tx:
            for step in self._steps:
                outcome = await self._run_step(repo, step, done)
                if isinstance(outcome, Err):
                    result.ok = False
                    result.failed_step = step.name
                    result.failed_value = outcome.value
                    tx.rollback(result)
                done[step.name] = outcome.value if isinstance(outcome, Ok) else outcome
        return result

    @staticmethod
    async def _run_step(repo: Repo, step: _Step, done: Done) -> Any:
        target = step.target
        if step.kind == "put":
            return target
        if step.kind == "run":
            return await target(repo, done)
        if callable(target) and not isinstance(target, Changeset):
            target = target(done)
        if step.kind == "insert":
            return await repo.insert(target, **step.options)
        if step.kind == "update":
            return await repo.update(target, **step.options)
        return await repo.delete(target, **step.options)
