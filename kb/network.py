"""Organisations linked by the projects they share: the graph, a deterministic layout, a list of it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
from sqlite_utils import Database

MAX_NODES = 40  # more organisations than this make an unreadable drawing; the list shows them all
MAX_LABELS = (
    20  # names written above the most involved circles where they do not overlap; the rest as tooltips
)
LABEL_CHARS = 30  # a longer name is cut with "…" in the drawing
CHAR_WIDTH, LINE_HEIGHT = 7.2, 16.0  # of the 13 px labels, for the overlap test
MAX_LISTED = 400  # the list fallback's bound
LAYOUT_ITERATIONS = 200  # each costs O(nodes²) with nodes <= MAX_NODES: well under 50 ms in all


@dataclass
class Organisation:
    id: str
    name: str
    projects: dict[str, str] = field(default_factory=dict)  # project id -> title
    partners: dict[str, list[str]] = field(default_factory=dict)  # organisation id -> shared project ids


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    projects: int
    links: int
    x: float
    y: float
    r: float
    labelled: bool = True


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    shared: int
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Network:
    nodes: list[Node]  # drawn, at most MAX_NODES
    links: list[Link]  # between drawn nodes
    organisations: list[Organisation]  # every organisation with a link, most connected first (the list)
    everyone: list[Organisation]  # every organisation involved, linked or not (the export)
    names: dict[str, str]  # organisation id -> name, for the list
    width: float
    height: float
    total: int  # organisations involved in the projects considered


def organisation_network(
    db: Database, project_ids: list[str] | None = None, max_nodes: int = MAX_NODES, width: float = 720.0
) -> Network:
    """The network over these projects (all when None): who works with whom, and where to draw them."""
    organisations = _organisations(db, project_ids)
    for organisation in organisations.values():
        organisation.partners = {}
    for project_id, members in _members(organisations).items():
        for a, b in combinations(sorted(members), 2):
            organisations[a].partners.setdefault(b, []).append(project_id)
            organisations[b].partners.setdefault(a, []).append(project_id)
    ranked = sorted(
        organisations.values(), key=lambda o: (-len(o.projects), -len(o.partners), o.name.lower())
    )
    linked = [o for o in ranked if o.partners][:MAX_LISTED]
    drawn = linked[:max_nodes]
    nodes, links, height = _draw(drawn, width)
    return Network(
        nodes=nodes,
        links=links,
        organisations=linked,
        everyone=ranked,
        names={o.id: o.name for o in organisations.values()},
        width=width,
        height=height,
        total=len(organisations),
    )


def _organisations(db: Database, project_ids: list[str] | None) -> dict[str, Organisation]:
    sql = (
        "SELECT o.id, o.name, p.id AS project_id, p.title FROM project_organisations po "
        "JOIN organisations o ON o.id = po.organisation_id JOIN projects p ON p.id = po.project_id"
    )
    wanted = None if project_ids is None else set(project_ids)
    found: dict[str, Organisation] = {}
    for row in db.query(sql):
        if wanted is not None and row["project_id"] not in wanted:
            continue
        organisation = found.setdefault(row["id"], Organisation(row["id"], row["name"]))
        organisation.projects[row["project_id"]] = row["title"]
    return found


def _members(organisations: dict[str, Organisation]) -> dict[str, set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for organisation in organisations.values():
        for project_id in organisation.projects:
            members[project_id].add(organisation.id)
    return members


def _draw(drawn: list[Organisation], width: float) -> tuple[list[Node], list[Link], float]:
    index = {o.id: i for i, o in enumerate(drawn)}
    edges = [
        (index[o.id], index[other], len(shared))
        for o in drawn
        for other, shared in o.partners.items()
        if other in index and index[other] > index[o.id]
    ]
    if not drawn:
        return [], [], 0.0
    height = round(width * 0.9, 1)
    margin = 60.0
    unit = spring_layout(len(drawn), edges)
    xy = margin + unit * np.array([width - 2 * margin, height - 2 * margin])
    most = max(len(o.projects) for o in drawn)
    nodes = [
        Node(
            id=o.id,
            name=o.name,
            projects=len(o.projects),
            links=len(o.partners),
            x=round(float(xy[i, 0]), 1),
            y=round(float(xy[i, 1]), 1),
            r=round(5.0 + 9.0 * (len(o.projects) / most) ** 0.5, 1),
        )
        for i, o in enumerate(drawn)
    ]
    nodes = _place_labels(nodes)
    links = [
        Link(drawn[i].id, drawn[j].id, weight, nodes[i].x, nodes[i].y, nodes[j].x, nodes[j].y)
        for i, j, weight in edges
    ]
    return nodes, links, height


def _place_labels(nodes: list[Node]) -> list[Node]:
    """Names for the most involved nodes first, each only where it overlaps no name already placed."""
    placed: list[tuple[float, float, float, float]] = []
    result = []
    for rank, node in enumerate(nodes):
        width = CHAR_WIDTH * min(len(node.name), LABEL_CHARS + 1)
        box = (node.x - width / 2, node.y - node.r - 5 - LINE_HEIGHT, node.x + width / 2, node.y - node.r - 3)
        free = rank < MAX_LABELS and not any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
        )
        if free:
            placed.append(box)
        result.append(replace(node, labelled=free))
    return result


def spring_layout(
    n: int, edges: list[tuple[int, int, int]], iterations: int = LAYOUT_ITERATIONS
) -> np.ndarray:
    """Positions in [0, 1]² for n nodes (Fruchterman-Reingold): linked nodes pull together, all push apart.

    Deterministic: the nodes start evenly on a circle in the order given and no randomness follows,
    so the same collection always gives the same drawing. A weak pull to the centre keeps
    organisations without a drawn link from drifting to the border.
    """
    if n == 1:
        return np.array([[0.5, 0.5]])
    angles = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    pos = 0.5 + 0.4 * np.column_stack([np.cos(angles), np.sin(angles)])
    k = 1.4 / np.sqrt(n)
    sources = np.array([e[0] for e in edges], dtype=int)
    targets = np.array([e[1] for e in edges], dtype=int)
    weights = np.array([min(e[2], 3) for e in edges], dtype=float)
    for step in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        push = (delta / distance[..., None] * (k * k / distance)[..., None]).sum(axis=1)
        pull = np.zeros_like(pos)
        if len(edges):
            d = pos[sources] - pos[targets]
            length = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            force = (d / length[:, None]) * (length * length / k * np.sqrt(weights))[:, None]
            np.add.at(pull, sources, -force)
            np.add.at(pull, targets, force)
        gravity = (0.5 - pos) * 0.3 * k
        move = push + pull + gravity
        size = np.maximum(np.linalg.norm(move, axis=1), 1e-9)
        temperature = 0.1 * (1.0 - step / iterations) + 0.002
        pos += move / size[:, None] * np.minimum(size, temperature)[:, None]
    low, high = pos.min(axis=0), pos.max(axis=0)
    return (pos - low) / np.where(high - low > 1e-9, high - low, 1.0)
