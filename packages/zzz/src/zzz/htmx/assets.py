"""htmx.min.js, served from the installed ``django-js-lib-htmx`` package (never copied).

``load_htmx()`` reads the file once (at startup); ``script_tag()`` is what the
``{{htmx_script}}`` helper writes.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from zzz.exceptions import MissingDependency
from zzz.templates.runtime import SafeString

__all__ = [
    "CDN_URL",
    "HTMX_PATH",
    "HtmxAsset",
    "htmx_file",
    "load_htmx",
    "script_tag",
]

#: Where the ``Htmx`` plug serves the script.
HTMX_PATH = "/_zzz/htmx.min.js"
#: CDN used by ``{{htmx_script cdn=true}}``; ``{version}`` is the installed htmx version.
CDN_URL = "https://unpkg.com/htmx.org@{version}/dist/htmx.min.js"
_PACKAGE = "js_lib_htmx"
_DISTRIBUTION = "django-js-lib-htmx"


@dataclass(frozen=True, slots=True)
class HtmxAsset:
    """The script bytes with their validators.

    Attributes:
        body: The file content.
        etag: A strong ETag (quoted SHA-256 prefix).
        version: The htmx version (from the distribution, e.g. ``2.0.3``).
    """

    body: bytes
    etag: str
    version: str


def htmx_file() -> Path:
    """Locate ``htmx.min.js`` inside the installed package.

    Returns:
        The path of the file.

    Raises:
        MissingDependency: ``django-js-lib-htmx`` is not installed (``zzz-web[htmx]``).
    """
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(_DISTRIBUTION, "htmx")
    for location in spec.submodule_search_locations:
        path = Path(location) / "static" / "htmx" / "htmx.min.js"
        if path.is_file():
            return path
    raise MissingDependency(_DISTRIBUTION, "htmx")


def _version() -> str:
    try:
        full = metadata.version(_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "2"
    return ".".join(full.split(".")[:3])


@lru_cache(maxsize=1)
def load_htmx() -> HtmxAsset:
    """Read the script once and compute its ETag.

    Returns:
        The asset.

    Raises:
        MissingDependency: The package is not installed.
    """
    body = htmx_file().read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return HtmxAsset(body, etag, _version())


def script_tag(cdn: bool | str = False, path: str = HTMX_PATH) -> SafeString:
    """The ``<script>`` tag that loads htmx.

    Args:
        cdn: ``True`` for the unpkg CDN URL of the installed version, or a URL string.
        path: Local path (default ``/_zzz/htmx.min.js``), with ``?v=<etag>`` for cache busting.

    Returns:
        The tag, as markup.
    """
    if isinstance(cdn, str) and cdn:
        url = cdn
    elif cdn is True:
        url = CDN_URL.format(version=load_htmx().version)
    else:
        url = f"{path}?v={load_htmx().etag.strip(chr(34))[:12]}"
    quoted = url.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return SafeString(f'<script src="{quoted}" defer></script>')
