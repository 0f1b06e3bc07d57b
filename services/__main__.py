"""`python -m services` is `tiendo`."""

from services.cli import main

main()
