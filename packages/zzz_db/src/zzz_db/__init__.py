"""zzz_db package."""

__all__: list[str] = []
