"""The data behind a figure: ``nodes.csv``, ``edges.csv`` (formula-safe) and GraphML.

CSV files go through :func:`graphengine.csvsafe.write_csv_safely`, which neutralises cells a
spreadsheet would run as formulas. GraphML (for Gephi, yEd and i2) is written by networkx with
typed attributes; node ids are the keys of the node table, edges are directed upstream ->
downstream (call flow).

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> nodes = pd.DataFrame({"provider_key": ["a", "b"], "name": ["=A", "B"]})
>>> edges = pd.DataFrame({"source": ["a"], "target": ["b"], "tracebacks": [2]})
>>> [p.name for p in write_network_files(nodes, edges, out, key="provider_key")]
['nodes.csv', 'edges.csv', 'network.graphml']
>>> (out / "nodes.csv").read_text().splitlines()[1]
"a,'=A"
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd

from graphengine.csvsafe import write_csv_safely

__all__ = ["write_network_files", "write_table"]


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as formula-safe UTF-8 CSV with ``\\n`` line ends; return ``path``."""
    return write_csv_safely(frame, path, lineterminator="\n")


def _plain(value: object) -> object:
    """GraphML attributes must be str, int, float or bool."""
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return "" if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def write_network_files(
    nodes: pd.DataFrame, edges: pd.DataFrame, folder: Path, *, key: str
) -> list[Path]:
    """Write ``nodes.csv``, ``edges.csv`` and ``network.graphml`` into ``folder``.

    Parameters
    ----------
    nodes
        Node table; ``key`` names its id column.
    edges
        Edge table with ``source`` and ``target`` ids (call-flow direction).
    folder
        Output folder (created if missing).
    key
        Id column of ``nodes``.

    Returns
    -------
    list of Path
        The three files, in the order above.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = [
        write_table(nodes, folder / "nodes.csv"),
        write_table(edges, folder / "edges.csv"),
    ]
    graph = nx.DiGraph()
    for record in nodes.to_dict("records"):
        attrs = {str(k): _plain(v) for k, v in record.items() if k != key}
        graph.add_node(str(record[key]), **attrs)
    for record in edges.to_dict("records"):
        attrs = {str(k): _plain(v) for k, v in record.items() if k not in ("source", "target")}
        graph.add_edge(str(record["source"]), str(record["target"]), **attrs)
    target = folder / "network.graphml"
    nx.write_graphml(graph, target, encoding="utf-8", prettyprint=True)
    paths.append(target)
    return paths
