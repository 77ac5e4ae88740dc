"""Whether a change to the search path changed any result: write, then compare, 100 searches.

A speed change must not change what a user sees. This writes every field of
`KnowledgeBase.find()` (hits, scores, snippets, labels, offers) for the bench's first 20
queries under five filters (none, two areas, a town, a status) to a JSON file, in one process,
each query searched as new (its kept vector and keyword hits forgotten first) and then again
(from the kept ones), so both paths are held. Run it on the code before and after a change and
compare the two files:

    python bench/same_results.py write /tmp/bench-s2/sample /tmp/before.json
    python bench/same_results.py write /tmp/bench-s2/sample /tmp/after.json
    python bench/same_results.py compare /tmp/before.json /tmp/after.json

`compare` names the first differing field of each differing search and exits 1 if any differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import QUERIES, open_kb  # noqa: E402
from kb.filters import Filters  # noqa: E402

FILTERS = [
    Filters(),
    Filters(area="Bildung"),
    Filters(area="Gesundheit"),
    Filters(town="Böblingen"),
    Filters(status="laufend"),
]


def write(data_dir: Path, out: Path) -> int:
    """Every field of 2 x 100 searches (new, then again) as JSON; returns the count."""
    kb = open_kb(data_dir, threads=1)
    results: list[dict[str, Any]] = []
    for query in QUERIES[:20]:
        for filters in FILTERS:
            for round_ in ("new", "again"):
                if round_ == "new":
                    kb.forget_recent_queries()
                outcome = kb.find(query, 10, filters=filters, include_weak=True)
                results.append(
                    {"query": query, "filters": repr(filters), "round": round_, "outcome": outcome.to_dict()}
                )
    out.write_text(json.dumps(results, ensure_ascii=False, sort_keys=True, indent=0))
    return len(results)


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """The path of the first field where a and b differ, or None."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only on one side"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def compare(before: Path, after: Path) -> int:
    """Prints each differing search's first difference; returns how many differ."""
    old, new = json.loads(before.read_text()), json.loads(after.read_text())
    if len(old) != len(new):
        print(f"{len(old)} vs {len(new)} searches")
        return max(len(old), len(new))
    differing = 0
    for a, b in zip(old, new, strict=True):
        found = first_difference(a, b)
        if found:
            differing += 1
            print(f"{a['query']!r} {a['filters']} {a['round']}: {found}")
    print(f"{len(old) - differing} of {len(old)} searches the same in every field")
    return differing


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "write":
        print(f"{write(Path(sys.argv[2]), Path(sys.argv[3]))} searches written to {sys.argv[3]}")
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(1 if compare(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
    else:
        sys.exit(__doc__)
