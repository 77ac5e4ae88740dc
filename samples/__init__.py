"""The illustrative sample collection (invented projects) and the generators that typeset it as a
brochure PDF and as web pages; imported by `kb demo` and the tests, runnable as scripts too."""
