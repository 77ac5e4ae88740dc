"""The county the collection covers: its towns with approximate coordinates, and a map layout of them."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

SHIPPED_COUNTY_FILE = Path(__file__).parent / "data" / "county.toml"
MAX_TOWNS = 500  # a county file is a short list; anything longer is a mistake, not a county


class CountyFileError(ValueError):
    """The county file cannot be read; the message names the file and the reason."""


@dataclass(frozen=True)
class Town:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class County:
    name: str
    towns: tuple[Town, ...]

    def find(self, name: str | None) -> Town | None:
        """The county town with this name (case, umlaut spelling and ß/ss do not matter)."""
        if not name:
            return None
        key = town_key(name)
        return next((town for town in self.towns if town_key(town.name) == key), None)


@dataclass(frozen=True)
class MapPoint:
    """A town placed on the map: x, y in the map's own units, r the circle radius."""

    name: str
    x: float
    y: float
    r: float
    count: int


def town_key(name: str) -> str:
    """How two spellings of a town name are compared: 'Weißach', 'weissach' and 'WEISSACH' are one town."""
    folded = " ".join(name.split()).casefold()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, spelled)
    return folded


def load_county(path: Path | None = None) -> County:
    """The county from a TOML file (the shipped Landkreis Böblingen when path is None)."""
    path = path or SHIPPED_COUNTY_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CountyFileError(f"{path}: cannot be read as TOML: {error}") from error
    rows = data.get("towns")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_TOWNS:
        raise CountyFileError(f"{path}: needs a list 'towns' of 1 to {MAX_TOWNS} entries")
    towns = []
    for number, row in enumerate(rows, start=1):
        try:
            town = Town(str(row["name"]).strip(), float(row["lat"]), float(row["lon"]))
        except (KeyError, TypeError, ValueError) as error:
            raise CountyFileError(f"{path}: town {number} needs name, lat and lon ({error})") from error
        if not town.name or not (-90 <= town.lat <= 90 and -180 <= town.lon <= 180):
            raise CountyFileError(f"{path}: town {number} has no name or impossible coordinates")
        towns.append(town)
    return County(str(data.get("name") or "Landkreis"), tuple(towns))


def map_layout(
    towns: list[tuple[Town, int]], width: float = 600.0, margin: float = 40.0, max_radius: float = 20.0
) -> tuple[list[MapPoint], float]:
    """Towns with their project counts placed on a map `width` wide; returns the points and the height.

    An equirectangular projection around the county's mean latitude (east-west distances shrink by
    cos(latitude)): over a county of 30 km it is off by less than a pixel. A circle's area, not its
    radius, grows with the count, so a town with twice the projects looks twice as big.
    """
    if not towns:
        return [], 2 * margin
    mean_lat = math.radians(sum(town.lat for town, _ in towns) / len(towns))
    xs = [town.lon * math.cos(mean_lat) for town, _ in towns]
    ys = [-town.lat for town, _ in towns]
    span_x = (max(xs) - min(xs)) or 1e-6
    span_y = (max(ys) - min(ys)) or 1e-6
    scale = (width - 2 * margin) / span_x
    height = span_y * scale + 2 * margin
    most = max((count for _, count in towns), default=0) or 1
    points = [
        MapPoint(
            name=town.name,
            x=round(margin + (x - min(xs)) * scale, 1),
            y=round(margin + (y - min(ys)) * scale, 1),
            r=round(4.0 + (max_radius - 4.0) * math.sqrt(count / most), 1) if count else 4.0,
            count=count,
        )
        for (town, count), x, y in zip(towns, xs, ys, strict=True)
    ]
    return points, round(height, 1)
