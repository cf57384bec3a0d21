"""Database set-up: the tables (created when missing) and a few seed rows.

``zzz_db`` has no migration runner yet, so the schema is plain DDL run with
``CREATE TABLE IF NOT EXISTS`` at startup; it is idempotent and safe to run from
several worker processes (seeding happens in one write transaction).
"""

from __future__ import annotations

from zzz_db.repo import Repo

from example_app.schemas import Post, User

__all__ = ["SEED_USERS", "create_tables", "seed", "setup_database"]

_DDL = (
    """
    CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE,
        bio TEXT,
        inserted_at TEXT,
        updated_at TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS posts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        body TEXT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        inserted_at TEXT,
        updated_at TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS posts_user_id_index ON posts (user_id)",
)

#: ``(name, email, bio)`` of the users created in an empty database.
SEED_USERS: tuple[tuple[str, str, str], ...] = (
    ("Ada Lovelace", "ada@example.com", "Wrote the first program."),
    ("Alan Turing", "alan@example.com", "Asked whether machines can think."),
    ("Barbara Liskov", "barbara@example.com", "Substitution principle."),
    ("Donald Knuth", "don@example.com", "The Art of Computer Programming."),
    ("Edsger Dijkstra", "edsger@example.com", "Shortest paths, semaphores."),
    ("Grace Hopper", "grace@example.com", "Compilers and COBOL."),
    ("Katherine Johnson", "katherine@example.com", "Orbital mechanics at NASA."),
    ("Ken Thompson", "ken@example.com", "Unix, B, UTF-8 and Go."),
    ("Margaret Hamilton", "margaret@example.com", "Apollo flight software."),
    ("Radia Perlman", "radia@example.com", "Spanning tree protocol."),
    ("Tim Berners-Lee", "tim@example.com", "The World Wide Web."),
    ("Linus Torvalds", "linus@example.com", "Linux and git."),
)

_SEED_POSTS: tuple[tuple[str, str, str], ...] = (
    ("ada@example.com", "Notes on the Analytical Engine", "Note G computes Bernoulli numbers."),
    ("grace@example.com", "A moth in the relay", "The first actual case of a bug being found."),
    ("grace@example.com", "Nanoseconds", "Why a nanosecond is 30 centimetres long."),
)


async def create_tables(repo: Repo) -> None:
    """Create the tables and indexes that do not exist yet.

    Args:
        repo: The database.
    """
    for statement in _DDL:
        await repo.execute(statement)


async def seed(repo: Repo) -> bool:
    """Insert the seed users and posts when there are no users at all.

    Args:
        repo: The database.

    Returns:
        Whether rows were inserted.
    """
    async with repo.transaction():
        if await repo.exists(User):
            return False
        users = await repo.insert_all(
            User,
            [{"name": n, "email": e, "bio": b} for n, e, b in SEED_USERS],
            returning=True,
        )
        ids = {user.email: user.id for user in users}
        await repo.insert_all(
            Post, [{"title": t, "body": b, "user_id": ids[e]} for e, t, b in _SEED_POSTS]
        )
    return True


async def setup_database(repo: Repo) -> None:
    """Create the tables if missing, then seed an empty database (the startup hook).

    Args:
        repo: The database.
    """
    await create_tables(repo)
    await seed(repo)
