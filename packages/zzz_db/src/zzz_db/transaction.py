"""Transactions: ``async with repo.transaction() as tx``.

The outermost block checks a connection out of the pool and runs ``BEGIN``; every Repo
call made by the same task (and by tasks it starts) inside the block uses that
connection. A nested block becomes a ``SAVEPOINT``. Leaving a block normally commits
(or releases the savepoint); leaving it with an exception rolls back (to the savepoint)
and re-raises; ``tx.rollback()`` rolls back and leaves the block without an error.
"""

from __future__ import annotations

import itertools
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, NoReturn

import anyio

from zzz_db.adapters.base import Connection
from zzz_db.adapters.pool import Pool
from zzz_db.exceptions import TransactionError

__all__ = ["Transaction", "TransactionContext", "TxState"]

_SAVEPOINT_IDS = itertools.count(1)


@dataclass(slots=True, eq=False)
class TxState:
    """The connection a task's open transaction runs on (shared with nested blocks).

    Attributes:
        conn: The checked-out connection.
        lock: Serialises statements when child tasks share the transaction.
        depth: Open transaction blocks (0: the connection is only pinned, no transaction).
    """

    conn: Connection
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    depth: int = 0


class _Rollback(Exception):
    def __init__(self, tx: Transaction) -> None:
        super().__init__("transaction rolled back")
        self.tx = tx


class Transaction:
    """An open transaction (or savepoint) block.

    Attributes:
        savepoint: The savepoint name for a nested block, ``None`` for the outermost.
        rolled_back: Set once the block was rolled back (by an exception or ``rollback``).
        value: The value given to :meth:`rollback`.
    """

    def __init__(self, state: TxState, savepoint: str | None) -> None:
        self._state = state
        self.savepoint = savepoint
        self.rolled_back = False
        self.value: Any = None
        self._active = True

    @property
    def connection(self) -> Connection:
        """The connection the transaction runs on (for raw SQL: ``await tx.connection.fetch``)."""
        return self._state.conn

    def rollback(self, value: Any = None) -> NoReturn:
        """Roll this block back and leave it without an error.

        Args:
            value: Kept as ``tx.value`` for the code after the block.

        Raises:
            TransactionError: The block has already ended.
        """
        if not self._active:
            raise TransactionError("rollback() called on a transaction whose block has ended")
        self.value = value
        raise _Rollback(self)


class TransactionContext:
    """The async context manager returned by ``Repo.transaction()``."""

    def __init__(self, pool: Pool, var: ContextVar[TxState | None]) -> None:
        self._pool = pool
        self._var = var
        self._tx: Transaction | None = None
        self._token: Token[TxState | None] | None = None

    async def __aenter__(self) -> Transaction:
        state = self._var.get()
        if state is None:
            conn = await self._pool.acquire()
            try:
                await conn.begin()
            except BaseException:
                await self._pool.release(conn)
                raise
            state = TxState(conn, depth=1)
            self._tx = Transaction(state, None)
            self._token = self._var.set(state)
            return self._tx
        if state.depth == 0:
            async with state.lock:
                await state.conn.begin()
            state.depth = 1
            self._tx = Transaction(state, None)
            return self._tx
        name = f"zzz_sp_{next(_SAVEPOINT_IDS)}"
        async with state.lock:
            await state.conn.savepoint(name)
        state.depth += 1
        self._tx = Transaction(state, name)
        return self._tx

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        tx = self._tx
        assert tx is not None
        tx._active = False
        state = tx._state
        conn = state.conn
        with anyio.CancelScope(shield=True):
            if tx.savepoint is not None:
                state.depth -= 1
                await self._end_savepoint(state, tx, failed=exc is not None)
            else:
                state.depth = 0
                if self._token is not None:
                    self._var.reset(self._token)
                try:
                    if exc is None:
                        await conn.commit()
                    else:
                        tx.rolled_back = True
                        if not conn.broken:
                            await conn.rollback()
                finally:
                    conn.in_transaction = False
                    if self._token is not None:
                        await self._pool.release(conn)
        return isinstance(exc, _Rollback) and exc.tx is tx

    @staticmethod
    async def _end_savepoint(state: TxState, tx: Transaction, *, failed: bool) -> None:
        name = tx.savepoint
        assert name is not None
        if state.conn.broken:
            tx.rolled_back = failed
            return
        async with state.lock:
            if failed:
                tx.rolled_back = True
                await state.conn.rollback_to_savepoint(name)
            await state.conn.release_savepoint(name)
