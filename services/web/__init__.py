"""The web view (issue 17): leaders, auditors, operators and agencies read the scorer's
projections and snapshots in a browser, and other systems read them as JSON."""
