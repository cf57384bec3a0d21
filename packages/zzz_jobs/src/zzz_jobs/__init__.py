"""zzz_jobs package."""

__all__: list[str] = []
