"""zzz_cli package."""

__all__: list[str] = []
