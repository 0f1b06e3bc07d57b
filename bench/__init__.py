"""`make bench`: how fast the pipeline is, measured against the limits of the Kafka client
on the same machine in the same run (issue 8). Not part of the product; see
docs/benchmarks.md for what each figure means."""
