"""`make chaos` (issue 9): faults, bad input, tampering and access attempts against the
real broker and PostgreSQL, counted: nothing lost, nothing duplicated, no one gets in.

run.py orchestrates the scenarios (scenarios.py) on pipelines of their own (pipeline.py):
workers are `python -m services ingest|scorer run` processes (workers.py) fed by the
simulator's stream (stream.py) or by the bad-input corpus and its fuzzer (corpus.py,
fuzz.py); faults that stop a service use a broker and a PostgreSQL cluster of the run's
own (infra.py), never the shared ones. check.py counts what was lost or duplicated,
report.py writes docs/reliability.md. The integration tests run the same code smaller.
"""
