"""Measurements of the chat as deployed, kept outside the apps: nothing under them imports this package.

- `python -m benchmarks` (`make bench`): the fan-out benchmark (`scenarios.py`, `run.py`, `client.py`,
  `baseline.py`, `report.py`); see README, "Benchmark".
- `python benchmarks/attacks.py`: issue 9's attacks replayed against a live daphne.
- `servers.py`: the one launcher of real server processes, which the test suite uses too.
- `prepare.py`: signed-in users, written only to a database named with `--database-url`.
"""
