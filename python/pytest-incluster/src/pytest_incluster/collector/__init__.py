"""The static pytest collector behind ``incluster trace``: pytest's tests found without running them.

pytest's own rules decide the rootdir, the config file and which files and names are tests
(``discovery``); Python's ``ast`` reads each test file, and the values markers are built from are
evaluated where they are constants (``evaluation``); the tests, their parameter sets and their
requirement IDs come out as pytest would collect them (``collection``). incluster's CLI runs
``__main__.py`` as a file with the host's python3 (3.9 or newer, nothing installed), the request on
stdin and JSON on stdout. Only the standard library is used here, so it runs before any install.
A change here changes what ``incluster trace`` counts: incluster's corpus test
(``test/unit/trace/pytest/corpus.test.ts``) checks it against ``pytest --collect-only``.
"""
