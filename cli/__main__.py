"""`python -m cli ...` runs the `kb` command (what tests and benchmarks start as a child process)."""

from cli import main

main()
