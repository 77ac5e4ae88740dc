"""Ingest yields the CPU to a server: nice within a session, and the session's own share where
`kb ingest` leads one (Linux's autogroup scheduling shares the CPU between sessions equally)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

# The autogroup file reads empty where the process belongs to no autogroup (autogroup scheduling
# switched off, or a container's cgroup): "-" then stands for "no session share to compare".
SHOW = (
    "from cli.commands import lower_priority; lower_priority(); import os; "
    "print(os.getpriority(os.PRIO_PROCESS, 0), (open('/proc/self/autogroup').read().split() or ['-'])[-1])"
)


def _group_nice() -> str:
    words = Path("/proc/self/autogroup").read_text().split()
    return words[-1] if words else "-"


def _run(new_session: bool) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True,
        start_new_session=new_session, timeout=120,
    )  # fmt: skip
    return result.stdout.split()


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no autogroup scheduling here")
def test_an_ingest_leading_its_session_lowers_the_sessions_share():
    nice, group_nice = _run(new_session=True)
    assert int(nice) >= 10
    if group_nice == "-":
        pytest.skip("a new session gets no autogroup here (autogroup scheduling is off)")
    assert group_nice == "10"


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no autogroup scheduling here")
def test_an_ingest_started_from_a_shell_leaves_the_shells_session_alone():
    before = _group_nice()
    nice, group_nice = _run(new_session=False)
    assert int(nice) >= 10 and group_nice == before
