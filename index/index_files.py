"""The files of a saved vector index, written so a crash never leaves a mix.

Layout of an index directory::

    manifest.json          names the current generation and the sha256 of its files
    gen-<time>-<random>/   one complete saved index (faiss file + id labels)
    .save.lock             taken while saving, so two savers cannot interleave

A save writes a new generation folder under a temporary name, fsyncs it,
renames it into place, and only then replaces manifest.json (write to a
temporary file, fsync, os.replace, fsync the folder).  Until that last rename
the old manifest names the old, untouched generation; after it, the new one.
A load verifies every file against the checksums in the manifest, so a
damaged or swapped file is reported instead of served.  The generation before
the current one is kept, so a reader that read the previous manifest while a
save ran can still open its files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import faiss
import numpy as np

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".save.lock"
GENERATION_PREFIX = "gen-"
TEMP_PREFIX = ".tmp-"
KINDS = ("flat", "hnsw")
INDEX_FILE = "vectors.faiss"
LABELS_FILE = "labels.npy"


class VectorIndexError(Exception):
    """A vector index cannot be used as asked; the message says why."""


class IndexMissingError(VectorIndexError):
    """No saved index in the directory (no manifest)."""


class IndexCorruptError(VectorIndexError):
    """A saved index is damaged: unreadable manifest, missing or altered files."""


class IndexMismatchError(VectorIndexError):
    """A saved index is intact but does not fit: other model, dimension or format."""


@dataclass
class Manifest:
    model_id: str
    dim: int
    count: int
    fingerprint: str
    kind: str
    created_at: str = ""
    format_version: int = FORMAT_VERSION
    generation: str = ""
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    params: dict[str, int] = field(default_factory=dict)  # build parameters of the kind

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, source: Path) -> Manifest:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise IndexCorruptError(f"{source}: not valid JSON ({err}); rebuild the index") from err
        known = {item.name for item in fields(cls)}
        required = {"model_id", "dim", "count", "fingerprint", "kind"}
        if not isinstance(data, dict) or not required <= data.keys():
            raise IndexCorruptError(f"{source}: missing manifest fields {sorted(required - set(data or {}))}")
        manifest = cls(**{key: value for key, value in data.items() if key in known})
        if not isinstance(manifest.dim, int) or not isinstance(manifest.count, int):
            raise IndexCorruptError(f"{source}: dim and count must be integers")
        return manifest


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of the index saved in ``directory``, or None if there is none."""
    path = Path(directory) / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise IndexCorruptError(f"{path}: cannot read the manifest ({err})") from err
    return Manifest.from_json(text, path)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def _save_lock(directory: Path) -> Iterator[None]:
    with open(directory / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_generation(
    directory: Path, write_files: Callable[[Path], list[str]], manifest: Manifest
) -> Manifest:
    """Write a new generation with ``write_files(folder) -> names``, then point the manifest at it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with _save_lock(directory):
        previous = read_manifest_quietly(directory)
        generation = f"{GENERATION_PREFIX}{time.time_ns()}-{secrets.token_hex(4)}"
        staging = directory / f"{TEMP_PREFIX}{generation}"
        final = directory / generation
        try:
            staging.mkdir()
            names = write_files(staging)
            for name in names:
                _fsync_path(staging / name)
            _fsync_path(staging)
            os.replace(staging, final)
            _fsync_path(directory)
            manifest.generation = generation
            manifest.files = {name: sha256_of(final / name) for name in names}
            _replace_manifest(directory, manifest)
        except BaseException:
            # The manifest still names the previous generation: drop the half-made one.
            shutil.rmtree(staging, ignore_errors=True)
            (directory / f"{TEMP_PREFIX}{MANIFEST_NAME}").unlink(missing_ok=True)
            if read_manifest_quietly(directory) != manifest:
                shutil.rmtree(final, ignore_errors=True)
            raise
        keep = {generation, previous.generation if previous else ""}
        _remove_other_generations(directory, keep)
    return manifest


def read_manifest_quietly(directory: Path) -> Manifest | None:
    """Like read_manifest, but a damaged manifest counts as none (it is about to be replaced)."""
    try:
        return read_manifest(directory)
    except IndexCorruptError:
        return None


def _replace_manifest(directory: Path, manifest: Manifest) -> None:
    temporary = directory / f"{TEMP_PREFIX}{MANIFEST_NAME}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(manifest.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / MANIFEST_NAME)
    _fsync_path(directory)


def _remove_other_generations(directory: Path, keep: set[str]) -> None:
    for entry in directory.iterdir():
        is_leftover = entry.name.startswith(TEMP_PREFIX) and entry.is_dir()
        is_old = entry.name.startswith(GENERATION_PREFIX) and entry.name not in keep
        if is_leftover or is_old:
            # Best effort: an old folder that cannot be removed now is retried at the next save.
            shutil.rmtree(entry, ignore_errors=True)


def verified_generation(directory: Path) -> tuple[Manifest, Path]:
    """The manifest and generation folder of a saved index, every file checked against its sha256."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest is None:
        raise IndexMissingError(f"no vector index in {directory} (no {MANIFEST_NAME}); build the index first")
    if manifest.format_version > FORMAT_VERSION:
        raise IndexMismatchError(
            f"{directory}: index format {manifest.format_version} is newer than this program "
            f"reads ({FORMAT_VERSION}); upgrade the program or rebuild the index"
        )
    folder = directory / manifest.generation
    if not manifest.generation or not manifest.files:
        raise IndexCorruptError(
            f"{directory / MANIFEST_NAME}: names no generation or files; rebuild the index"
        )
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing; rebuild the index")
        if sha256_of(path) != expected:
            raise IndexCorruptError(
                f"{path}: content does not match the manifest checksum (damaged or replaced); rebuild the index"
            )
    return manifest, folder


def write_index_files(
    directory: Path, faiss_index: faiss.Index, labels: np.ndarray, manifest: Manifest
) -> Manifest:
    """Save a FAISS index and its id labels as a new generation named by `manifest`; the manifest
    as saved."""

    def write_files(folder: Path) -> list[str]:
        faiss.write_index(faiss_index, str(folder / INDEX_FILE))
        np.save(folder / LABELS_FILE, labels, allow_pickle=False)
        return [INDEX_FILE, LABELS_FILE]

    try:
        return save_generation(directory, write_files, manifest)
    except (OSError, RuntimeError) as err:
        raise VectorIndexError(f"could not save the vector index to {directory}: {err}") from err


def read_index_files(
    directory: Path, *, expect_model_id: str | None = None, expect_dim: int | None = None
) -> tuple[Manifest, faiss.Index, np.ndarray]:
    """The current generation's manifest, FAISS index and labels, every file verified and checked
    against the manifest and the expected model and dimension."""
    manifest, folder = verified_generation(directory)
    if expect_model_id is not None and manifest.model_id != expect_model_id:
        raise IndexMismatchError(
            f"{directory}: index was built with {manifest.model_id}, the configured model is "
            f"{expect_model_id}; rebuild it"
        )
    if expect_dim is not None and manifest.dim != expect_dim:
        raise IndexMismatchError(
            f"{directory}: index has dimension {manifest.dim}, not {expect_dim}; rebuild it"
        )
    try:
        faiss_index = faiss.read_index(str(folder / INDEX_FILE))
        labels = np.load(folder / LABELS_FILE, allow_pickle=False)
    except (RuntimeError, ValueError, OSError) as err:
        raise IndexCorruptError(f"{folder}: cannot read the index files ({err}); rebuild the index") from err
    _check_consistent(manifest, faiss_index, labels, folder)
    return manifest, faiss_index, labels


def _check_consistent(manifest: Manifest, faiss_index: faiss.Index, labels: np.ndarray, folder: Path) -> None:
    expected_type = faiss.IndexFlatIP if manifest.kind == "flat" else faiss.IndexHNSWFlat
    problems = []
    if manifest.kind not in KINDS or not isinstance(faiss_index, expected_type):
        problems.append(f"kind '{manifest.kind}' but the file holds {type(faiss_index).__name__}")
    if faiss_index.metric_type != faiss.METRIC_INNER_PRODUCT:
        problems.append("the index does not use inner-product similarity")
    if faiss_index.d != manifest.dim:
        problems.append(f"dimension {faiss_index.d} in the file, {manifest.dim} in the manifest")
    if labels.ndim != 1 or labels.dtype != np.int64 or len(labels) != faiss_index.ntotal:
        problems.append(f"{len(labels)} labels for {faiss_index.ntotal} vectors")
    elif int(np.count_nonzero(labels >= 0)) != manifest.count:
        problems.append(
            f"{np.count_nonzero(labels >= 0)} vectors in the files, {manifest.count} in the manifest"
        )
    if problems:
        raise IndexMismatchError(
            f"{folder}: files and manifest disagree: {'; '.join(problems)}; rebuild the index"
        )
