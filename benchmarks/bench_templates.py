"""The template suite: Zzz templates vs Jinja2, Mako, chevron and a hand-written f-string.

Two pages, rendered in-process (no I/O):

- **fortunes** (TechEmpower): 12 fortunes plus one added at request time, sorted by message,
  id and message in a table, HTML-escaped (one is a ``<script>``, one is Japanese), inside a
  layout.
- **rows**: a 100-row table with a partial per row (Zzz: ``{{> users/_row}}``, inlined at
  compile time; Jinja2 twice: ``{% include %}`` per row and the row inlined by hand; chevron:
  a partial; Mako: a ``<%def>`` per row).

Before timing, every engine's output is checked to be the same page as the f-string's after
normalising equivalent character references (``&#x27;`` vs ``&#39;``, and chevron leaving
``'`` unescaped): the check compares the unescaped text and requires that no engine lets the
``<script>`` through.
"""

from __future__ import annotations

import argparse
import html
import timeit
from collections.abc import Callable
from typing import Any

FORTUNES = [
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be shown");</script>'),
    (12, "フレームワークのベンチマーク"),
]

HEAD = "<!DOCTYPE html><html><head><title>Fortunes</title></head><body>"
TAIL = "</body></html>"


def fortunes_context() -> dict[str, Any]:
    """The per-request work every engine shares: add one fortune and sort."""
    rows = [{"id": i, "message": m} for i, m in FORTUNES]
    rows.append({"id": 0, "message": "Additional fortune added at request time."})
    rows.sort(key=lambda r: str(r["message"]))
    return {"fortunes": rows}


USERS = {
    "users": [
        {
            "id": i,
            "name": f"User <{i}> & 'friends'",
            "email": f"user{i}@example.com",
            "active": i % 3 != 0,
        }
        for i in range(100)
    ]
}

# ---------------------------------------------------------------- Zzz
ZZZ_FILES = {
    "layout/app": HEAD + "{{yield}}" + TAIL,
    "fortunes/index": (
        "<table><tr><th>id</th><th>message</th></tr>"
        "{{#each fortunes}}<tr><td>{{id}}</td><td>{{message}}</td></tr>{{/each}}</table>"
    ),
    "users/index": "<table>{{#each users}}{{> users/_row}}{{/each}}</table>",
    "users/_row": (
        "<tr><td>{{id}}</td><td>{{name}}</td><td>{{email}}</td>"
        "<td>{{#if active}}yes{{else}}no{{/if}}</td></tr>"
    ),
}

# ---------------------------------------------------------------- Jinja2
JINJA_FILES = {
    "layout.html": HEAD + "{% block content %}{% endblock %}" + TAIL,
    "fortunes.html": (
        '{% extends "layout.html" %}{% block content %}'
        "<table><tr><th>id</th><th>message</th></tr>"
        "{% for f in fortunes %}<tr><td>{{ f.id }}</td><td>{{ f.message }}</td></tr>"
        "{% endfor %}</table>{% endblock %}"
    ),
    "users_include.html": (
        '{% extends "layout.html" %}{% block content %}<table>'
        '{% for u in users %}{% include "row.html" %}{% endfor %}</table>{% endblock %}'
    ),
    "users_inline.html": (
        '{% extends "layout.html" %}{% block content %}<table>{% for u in users %}'
        "<tr><td>{{ u.id }}</td><td>{{ u.name }}</td><td>{{ u.email }}</td>"
        "<td>{% if u.active %}yes{% else %}no{% endif %}</td></tr>"
        "{% endfor %}</table>{% endblock %}"
    ),
    "row.html": (
        "<tr><td>{{ u.id }}</td><td>{{ u.name }}</td><td>{{ u.email }}</td>"
        "<td>{% if u.active %}yes{% else %}no{% endif %}</td></tr>"
    ),
}

# ---------------------------------------------------------------- Mako
MAKO_FORTUNES = (
    HEAD + "<table><tr><th>id</th><th>message</th></tr>"
    "\n% for f in fortunes:\n<tr><td>${f['id']}</td><td>${f['message']}</td></tr>"
    "\n% endfor\n</table>" + TAIL
)
MAKO_USERS = (
    "<%def name='row(u)'><tr><td>${u['id']}</td><td>${u['name']}</td>"
    "<td>${u['email']}</td><td>${'yes' if u['active'] else 'no'}</td></tr></%def>"
    + HEAD
    + "<table>"
    + "\n% for u in users:\n${row(u)}\n% endfor\n</table>"
    + TAIL
)

# ---------------------------------------------------------------- chevron (Mustache)
CHEVRON_FORTUNES = (
    HEAD + "<table><tr><th>id</th><th>message</th></tr>"
    "{{#fortunes}}<tr><td>{{id}}</td><td>{{message}}</td></tr>{{/fortunes}}</table>" + TAIL
)
CHEVRON_USERS = HEAD + "<table>{{#users}}{{> row}}{{/users}}</table>" + TAIL
CHEVRON_ROW = (
    "<tr><td>{{id}}</td><td>{{name}}</td><td>{{email}}</td>"
    "<td>{{#active}}yes{{/active}}{{^active}}no{{/active}}</td></tr>"
)


# ---------------------------------------------------------------- f-strings
def fstring_fortunes(ctx: dict[str, Any]) -> str:
    """The hand-written reference: f-strings and html.escape."""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{f['id']}</td><td>{esc(f['message'])}</td></tr>" for f in ctx["fortunes"]
    )
    return f"{HEAD}<table><tr><th>id</th><th>message</th></tr>{rows}</table>{TAIL}"


def fstring_users(ctx: dict[str, Any]) -> str:
    """The hand-written reference for the rows page."""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{u['id']}</td><td>{esc(u['name'])}</td><td>{esc(u['email'])}</td>"
        f"<td>{'yes' if u['active'] else 'no'}</td></tr>"
        for u in ctx["users"]
    )
    return f"{HEAD}<table>{rows}</table>{TAIL}"


def _engines() -> dict[str, dict[str, Callable[[], str]]]:
    import chevron
    import jinja2
    from mako.template import Template as MakoTemplate  # type: ignore[import-untyped]
    from zzz.templates import Templates

    zzz = Templates(ZZZ_FILES, strict=True)
    zzz.compile_all()
    env = jinja2.Environment(loader=jinja2.DictLoader(JINJA_FILES), autoescape=True)
    j_fortunes = env.get_template("fortunes.html")
    j_include = env.get_template("users_include.html")
    j_inline = env.get_template("users_inline.html")
    m_fortunes = MakoTemplate(MAKO_FORTUNES, default_filters=["h"])
    m_users = MakoTemplate(MAKO_USERS, default_filters=["h"])

    def fortunes_with(render: Callable[[dict[str, Any]], str]) -> Callable[[], str]:
        return lambda: render(fortunes_context())

    return {
        "fortunes": {
            "f-string": fortunes_with(fstring_fortunes),
            "zzz": fortunes_with(lambda c: str(zzz.render("fortunes/index", c))),
            "jinja2": fortunes_with(j_fortunes.render),
            "mako": fortunes_with(lambda c: m_fortunes.render(**c)),
            "chevron": fortunes_with(lambda c: chevron.render(CHEVRON_FORTUNES, c)),
        },
        "rows (100, partial per row)": {
            "f-string": lambda: fstring_users(USERS),
            "zzz": lambda: str(zzz.render("users/index", USERS)),
            "jinja2 include": lambda: j_include.render(USERS),
            "jinja2 inlined": lambda: j_inline.render(USERS),
            "mako": lambda: m_users.render(**USERS),
            "chevron": lambda: chevron.render(
                CHEVRON_USERS, USERS, partials_dict={"row": CHEVRON_ROW}
            ),
        },
    }


def _normalise(page: str) -> str:
    return html.unescape(page.replace("\n", ""))


def check(engines: dict[str, dict[str, Callable[[], str]]]) -> None:
    """Every engine renders the same page as the f-string reference, and escapes the script."""
    for page, per in engines.items():
        reference = _normalise(per["f-string"]())
        for name, render in per.items():
            out = render()
            if "<script>" in out:
                raise SystemExit(f"{name} did not escape the <script> fortune ({page})")
            if _normalise(out) != reference:
                raise SystemExit(f"{name} renders a different {page} page:\n{out[:400]}")


def main(argv: list[str]) -> None:
    """Check outputs, time every engine, print a Markdown table."""
    parser = argparse.ArgumentParser(prog="run.py templates")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.3, help="per timing run")
    args = parser.parse_args(argv)
    engines = _engines()
    check(engines)
    print("| page | engine | µs/render | vs Jinja2 | vs f-string |")
    print("|---|---|---:|---:|---:|")
    for page, per in engines.items():
        times: dict[str, float] = {}
        for name, render in per.items():
            number = max(1, int(args.seconds / max(timeit.timeit(render, number=3) / 3, 1e-7)))
            times[name] = min(timeit.repeat(render, number=number, repeat=args.repeat)) / number
        jinja = times.get("jinja2", times.get("jinja2 include", 0.0))
        for name, t in times.items():
            print(
                f"| {page} | {name} | {t * 1e6:.1f} | {jinja / t:.2f}x | "
                f"{times['f-string'] / t:.2f}x |"
            )
