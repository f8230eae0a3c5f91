"""Parse the header comment block of a saved Cypher query file.

Every ``.cypher`` file (the saved library in ``cypher/`` and a user's own folder) starts with a
block of ``//`` comment lines that describes the query. The runner, the CLI and
``docs/queries.md`` all read this block, so it is validated strictly: an error names the file,
the line number and what was expected.

Format (one field per line; the header ends at the first line that is not a ``//`` comment, so
a blank line separates it from comments that belong to the Cypher)::

    // name: upstream_tree
    // question: Who handed traffic to a provider, up to k hops upstream?
    // description: One row per call-flow edge of the upstream tree, built from the
    //   tracebacks that crossed the provider (continuation lines start with // and 2+ spaces).
    // param: provider string required example="Falcon Gateway" -- provider key or name
    // param: k int default=2 range=1..6 -- how many hops upstream to follow
    // returns: depth, upstream_key, upstream_name, downstream_key, tracebacks

Fields: ``name`` (must equal the file name without ``.cypher``), ``question`` (one sentence ending
with ``?``), ``description``, zero or more ``param`` and ``returns`` (comma-separated column
names, in the order the query returns them). A ``param`` line is
``NAME TYPE (required | default=VALUE) [example=VALUE] [range=LO..HI] [choices=A|B|C] [-- help]``;
values with spaces are double-quoted. Types: string, int, float, bool, datetime, date.
``default=null`` makes a parameter optional with no value (the query must handle ``null``).

Examples
--------
>>> spec = parse_text('''// name: demo
... // question: How many providers are there?
... // description: Counts Provider nodes.
... // returns: providers
... MATCH (p:Provider) RETURN count(p) AS providers
... ''', origin="demo.cypher")
>>> spec.returns
('providers',)
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from graphengine.errors import QueryError
from graphengine.queries.params import TYPES, Param, coerce_default

__all__ = [
    "QuerySpec",
    "parse_text",
    "parse_file",
    "RESERVED_PARAMS",
    "strip_strings_and_comments",
]

FIELDS: tuple[str, ...] = ("name", "question", "description", "param", "returns")
_SINGLE_FIELDS = ("name", "question", "description", "returns")
_REQUIRED_FIELDS = ("name", "question", "description", "returns")

#: parameter names the Python runner uses for its own keyword arguments.
RESERVED_PARAMS: frozenset[str] = frozenset(
    {"name", "driver", "queries_dir", "limit", "timeout", "database"}
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD_LINE = re.compile(r"^// ([a-z]+):(?: (.*))?$")
_CONTINUATION = re.compile(r"^//  +(\S.*)$")
_RANGE = re.compile(r"^(-?\d+(?:\.\d+)?)?\.\.(-?\d+(?:\.\d+)?)?$")


@dataclass(frozen=True)
class QuerySpec:
    """A parsed query file: the header fields plus the Cypher text that follows the header."""

    name: str
    question: str
    description: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    cypher: str
    path: Path | None = None
    source: str = "saved"
    text: str = field(default="", repr=False)

    def param(self, name: str) -> Param | None:
        """Return the declared parameter called ``name``, or ``None``."""
        for p in self.params:
            if p.name == name:
                return p
        return None


def _fail(origin: str, lineno: int, message: str) -> QueryError:
    return QueryError(f"{origin}:{lineno}: {message}")


def _split_help(value: str) -> tuple[str, str]:
    """Split ``spec -- help`` at the first `` -- `` that is outside double quotes."""
    in_quote = False
    for i, ch in enumerate(value):
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote and value.startswith(" -- ", i):
            return value[:i], value[i + 4 :].strip()
    if value.endswith(" --"):
        return value[:-3], ""
    return value, ""


def _parse_param(value: str, origin: str, lineno: int) -> Param:
    spec, help_text = _split_help(value)
    try:
        tokens = shlex.split(spec)
    except ValueError as exc:
        raise _fail(origin, lineno, f"cannot read param line ({exc})") from None
    usage = "expected 'param: NAME TYPE required|default=VALUE [example=..] [range=LO..HI]'"
    if len(tokens) < 3:
        raise _fail(origin, lineno, f"param line too short; {usage}")
    name, ptype, *flags = tokens
    if not _IDENT.match(name):
        raise _fail(origin, lineno, f"parameter name {name!r} is not a valid identifier")
    if name in RESERVED_PARAMS:
        raise _fail(
            origin,
            lineno,
            f"parameter name {name!r} is reserved by the runner "
            f"(reserved: {', '.join(sorted(RESERVED_PARAMS))})",
        )
    if ptype not in TYPES:
        raise _fail(
            origin,
            lineno,
            f"parameter {name!r} has unknown type {ptype!r}; use one of {', '.join(TYPES)}",
        )
    required = False
    default_text: str | None = None
    example: str | None = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    for flag in flags:
        if flag == "required":
            required = True
            continue
        key, sep, val = flag.partition("=")
        if not sep:
            raise _fail(origin, lineno, f"parameter {name!r}: unknown flag {flag!r}; {usage}")
        if key == "default":
            default_text = val
        elif key == "example":
            example = val
        elif key == "range":
            if ptype not in ("int", "float"):
                raise _fail(
                    origin, lineno, f"parameter {name!r}: range= needs an int or float type"
                )
            m = _RANGE.match(val)
            if not m or (m.group(1) is None and m.group(2) is None):
                raise _fail(
                    origin, lineno, f"parameter {name!r}: range must look like 1..6, got {val!r}"
                )
            low = float(m.group(1)) if m.group(1) is not None else None
            high = float(m.group(2)) if m.group(2) is not None else None
            if low is not None and high is not None and low > high:
                raise _fail(origin, lineno, f"parameter {name!r}: empty range {val!r}")
        elif key == "choices":
            if ptype != "string":
                raise _fail(origin, lineno, f"parameter {name!r}: choices= needs the string type")
            choices = tuple(c for c in val.split("|") if c)
            if not choices:
                raise _fail(origin, lineno, f"parameter {name!r}: choices= is empty")
        else:
            raise _fail(origin, lineno, f"parameter {name!r}: unknown flag {key!r}; {usage}")
    if required == (default_text is not None):
        raise _fail(
            origin, lineno, f"parameter {name!r} must be either 'required' or have a default=VALUE"
        )
    if required and example is None:
        raise _fail(origin, lineno, f"required parameter {name!r} needs an example=VALUE")
    param = Param(
        name=name,
        type=ptype,
        required=required,
        default_text=default_text,
        example=example,
        low=low,
        high=high,
        choices=choices,
        help=help_text,
    )
    try:
        default = coerce_default(param, default_text) if default_text is not None else None
        if example is not None:
            coerce_default(param, example)
    except QueryError as exc:
        raise _fail(origin, lineno, str(exc)) from None
    return dataclasses.replace(param, default=default)


def parse_text(text: str, origin: str = "<text>", source: str = "saved") -> QuerySpec:
    """Parse a query file's text into a :class:`QuerySpec`.

    Parameters
    ----------
    text
        The whole file: header block, then Cypher.
    origin
        The file name used in error messages; when it ends with ``.cypher`` the header
        ``name`` must equal its stem.
    source
        ``"saved"`` for the library shipped with graphengine, ``"user"`` for a user's folder.

    Returns
    -------
    QuerySpec

    Raises
    ------
    QueryError
        ``"<origin>:<line>: <what is wrong>"`` for the first problem found.
    """
    lines = text.splitlines()
    values: dict[str, str] = {}
    field_line: dict[str, int] = {}
    params: list[tuple[int, str]] = []
    current: str | None = None  # field that a continuation line extends
    current_param = -1
    end = len(lines)
    for idx, line in enumerate(lines):
        lineno = idx + 1
        stripped = line.rstrip()
        if not stripped.startswith("//"):
            end = idx
            break
        if stripped == "//":
            current = None
            continue
        cont = _CONTINUATION.match(stripped)
        if cont:
            if current is None:
                raise _fail(origin, lineno, "continuation line does not follow a header field")
            if current == "param":
                ln, val = params[current_param]
                params[current_param] = (ln, f"{val} {cont.group(1).strip()}")
            else:
                values[current] = f"{values[current]} {cont.group(1).strip()}"
            continue
        m = _FIELD_LINE.match(stripped)
        if not m:
            raise _fail(
                origin,
                lineno,
                "header line must be '// FIELD: value' or a continuation '//   text'; "
                f"got {stripped!r}",
            )
        key, value = m.group(1), (m.group(2) or "").strip()
        if key not in FIELDS:
            raise _fail(
                origin, lineno, f"unknown header field {key!r}; use one of {', '.join(FIELDS)}"
            )
        if not value:
            raise _fail(origin, lineno, f"header field {key!r} is empty")
        if key == "param":
            params.append((lineno, value))
            current_param = len(params) - 1
        else:
            if key in values:
                raise _fail(origin, lineno, f"header field {key!r} appears twice")
            values[key] = value
            field_line[key] = lineno
        current = key
    if not lines or not lines[0].startswith("//"):
        raise _fail(origin, 1, "a query file must start with a '// name: ...' header block")
    for key in _REQUIRED_FIELDS:
        if key not in values:  # reported at the header's last line
            raise _fail(origin, max(end, 1), f"header is missing the '{key}:' field")

    name = values["name"]
    if not _QUERY_NAME.match(name):
        raise _fail(origin, field_line["name"], f"query name {name!r} must be lower_snake_case")
    if origin.endswith(".cypher") and Path(origin).stem != name:
        raise _fail(
            origin,
            field_line["name"],
            f"query name {name!r} must match the file name {Path(origin).name!r}",
        )
    question = values["question"]
    if not question.endswith("?"):
        raise _fail(
            origin,
            field_line["question"],
            f"question must be one sentence ending with '?', got {question!r}",
        )

    parsed: list[Param] = []
    seen: set[str] = set()
    param_line: dict[str, int] = {}
    for lineno, value in params:
        p = _parse_param(value, origin, lineno)
        if p.name in seen:
            raise _fail(origin, lineno, f"parameter {p.name!r} is declared twice")
        seen.add(p.name)
        param_line[p.name] = lineno
        parsed.append(p)

    returns = tuple(c.strip() for c in values["returns"].split(","))
    for col in returns:
        if not _IDENT.match(col):
            raise _fail(
                origin, field_line["returns"], f"returns: column {col!r} is not a valid identifier"
            )
    if len(set(returns)) != len(returns):
        raise _fail(origin, field_line["returns"], "returns: a column is listed twice")

    cypher = "\n".join(lines[end:]).strip()
    if not cypher:
        raise _fail(origin, end + 1, "no Cypher statement after the header")
    # Every declared parameter must be used, and every $parameter used must be declared.
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", strip_strings_and_comments(cypher)))
    for p in parsed:
        if p.name not in used:
            raise _fail(
                origin,
                param_line[p.name],
                f"parameter {p.name!r} is declared but the Cypher never uses ${p.name}",
            )
    undeclared = sorted(used - seen)
    if undeclared:
        raise _fail(
            origin,
            end + 1,
            f"the Cypher uses undeclared parameter(s): {', '.join('$' + u for u in undeclared)}",
        )
    return QuerySpec(
        name=name,
        question=question,
        description=values["description"],
        params=tuple(parsed),
        returns=returns,
        cypher=cypher,
        path=Path(origin) if origin.endswith(".cypher") else None,
        source=source,
        text=text,
    )


def parse_file(path: Path, source: str = "saved") -> QuerySpec:
    """Read and parse one ``.cypher`` file (see :func:`parse_text`).

    Raises
    ------
    QueryError
        When the file cannot be read as UTF-8 or its header is invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read query file ({exc})") from None
    return parse_text(text, origin=str(path), source=source)


def strip_strings_and_comments(cypher: str) -> str:
    """Blank out string literals, backticked names and comments (for keyword and $param scans)."""
    pattern = re.compile(
        r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`[^`]*`|//[^\n]*|/\*.*?\*/""", re.DOTALL
    )
    return pattern.sub(" ", cypher)
