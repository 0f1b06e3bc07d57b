"""What people read of the scoring core's results: words and formats shared by the
services that print them (the scorer's CLI, the report)."""
