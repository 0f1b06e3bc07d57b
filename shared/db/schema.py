"""Table definitions. Alembic migrations in shared/db/migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
Seq = BigInteger().with_variant(Integer(), "sqlite")

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("agency_id", String(64), nullable=False),
    Column("chain_pos", Integer, nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("observed_at", Date, nullable=False),
    Column("amends", String(128)),
    Column("payload", Text, nullable=False),
    Column("content_digest", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # The entry's place in the Merkle tree (0, 1, 2, … in commit order; docs/audit.md).
    Column("leaf_index", BigInteger, nullable=False),
    UniqueConstraint("agency_id", "chain_pos", name="uq_ledger_chain_pos"),
    UniqueConstraint("leaf_index", name="uq_ledger_leaf_index"),
    UniqueConstraint("agency_id", "event_id", name="uq_ledger_event_id"),
)
# Ingest asks, for every batch, which amended events a retraction already removed: an
# index seek, not a walk through all of an agency's entries (which grew with the ledger).
# Only amendments are indexed (a few per cent of the entries).
_AMENDMENT = ledger_entries.c.amends.isnot(None)
Index("ix_ledger_amends", ledger_entries.c.agency_id, ledger_entries.c.amends,
      sqlite_where=_AMENDMENT, postgresql_where=_AMENDMENT)

# The Merkle tree over the ledger (shared/db/tree.py). One row: how many leaves the tree
# has; ingest moves it forward in each batch's transaction, which also orders concurrent
# ingest workers' batches, so that leaf order is commit order.
merkle_tree = Table(
    "merkle_tree",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)

# Every complete subtree's hash: (level, index) covers leaves [index·2^level, (index+1)·2^level);
# level 0 holds the leaf hashes, so a row edited in ledger_entries no longer matches it.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# Signed tree heads, as issued (shared/domain/tree_head.py).
tree_heads = Table(
    "tree_heads",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("origin", String(200), nullable=False),
    Column("key_id", String(250), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)

consumer_offsets = Table(
    "consumer_offsets",
    metadata,
    Column("group_id", String(200), primary_key=True),
    Column("topic", String(249), primary_key=True),
    Column("partition", Integer, primary_key=True, autoincrement=False),
    Column("next_offset", BigInteger, nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("reason_code", String(64), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("original", LargeBinary, nullable=False),
    Column("original_key", LargeBinary),
    Column("source_topic", String(249), nullable=False),
    Column("source_partition", Integer, nullable=False),
    Column("source_offset", BigInteger, nullable=False),
    Column("agency_id", String(64)),
    Column("event_id", String(128)),
    Column("rejected_at", DateTime(timezone=True), nullable=False),
    Column("requeued_at", DateTime(timezone=True)),
    UniqueConstraint(
        "source_topic", "source_partition", "source_offset", name="uq_dead_letters_source"
    ),
    # An agency's latest rejected events, newest first (the web view's agency page).
    Index("ix_dead_letters_agency", "agency_id", "id"),
)

# Messages written in the same transaction as the rows they announce, published to
# Kafka after the commit and deleted once the broker has them (transactional outbox):
# dead letters and tree heads. Ledger entries are their own outbox (below).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("topic", String(249), nullable=False),
    Column("key", LargeBinary),
    Column("value", LargeBinary, nullable=False),
)

# The ledger entries whose ledger-topic messages and receipts the broker has not yet
# acknowledged: one row per committed batch, its leaves [first_leaf, end_leaf), written
# in the batch's transaction and deleted once published. The messages are built again
# from the entries after a crash, so no entry is written twice (issue 15). One row per
# batch rather than one watermark: two ingest workers commit batches in one order and
# see them published in another, and a single highest-published mark could pass over a
# batch whose worker died before publishing it.
unpublished_leaves = Table(
    "unpublished_leaves",
    metadata,
    Column("first_leaf", BigInteger, primary_key=True, autoincrement=False),
    Column("end_leaf", BigInteger, nullable=False),
)

# The registry of agencies' public keys (issue 13): append-only, one hash chain over all
# of it (a unique prev_hash forbids a fork), written by the schema owner only. A key's
# state is the fold of its events (shared/domain/keyring.py); no secret is stored.
key_events = Table(
    "key_events",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("action", String(16), nullable=False),
    Column("key_id", String(128), nullable=False, index=True),
    Column("agency_id", String(64), nullable=False, index=True),
    Column("public_key", String(64)),
    Column("effective_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("prev_hash", name="uq_key_events_prev_hash"),
)

# ---- scorer (issue 5) ---------------------------------------------------------------
# One row: the scorer's lock and change counter. Every scorer transaction starts by
# bumping `version` (which serialises scorer instances on both backends); rows below
# carry the version that wrote them, so an instance can read what the others applied.
scorer_state = Table(
    "scorer_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
    Column("evaluated_on", Date),
    Column("updated_at", DateTime(timezone=True)),
    # How many ledger entries the scorer has applied (or skipped as unreadable) and the
    # highest seq among them: the ledger position its figures reflect when the two agree
    # with the ledger (issue 15, snapshots).
    Column("applied", BigInteger, nullable=False, server_default="0"),
    Column("highest_seq", BigInteger, nullable=False, server_default="0"),
)

# The ledger entries the scorer has applied (its own copy, so it restarts without the
# ingest tables and de-duplicates redelivered ledger messages by seq).
scorer_observations = Table(
    "scorer_observations",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("agency_id", String(64), nullable=False),
    Column("chain_pos", Integer, nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("observed_at", Date, nullable=False),
    Column("amends", String(128)),
    Column("figure", Text),
    Column("version", BigInteger, nullable=False, index=True),
    # An amended agency × target is replayed from here (the scorer keeps no entries): the
    # days its amendments touch, found through its amendments.
    Index("ix_scorer_observations_key", "agency_id", "target_id", "observed_at"),
    Index("ix_scorer_observations_amending", "agency_id", "target_id",
          postgresql_where=text("kind IN ('correction', 'retraction')"),
          sqlite_where=text("kind IN ('correction', 'retraction')")),
)

# Ledger entries the scorer could not read (counted as applied, so that its position
# stays exact; usually none).
scorer_skipped = Table(
    "scorer_skipped",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

# Projection: every active agency × applicable target on `evaluated_on`.
agency_target_values = Table(
    "agency_target_values",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("target_id", String(64), primary_key=True),
    Column("value", Float),
    Column("numerator", BigInteger),
    Column("denominator", BigInteger),
    Column("completion", Float),
    Column("status", String(16), nullable=False, index=True),
    Column("observed_at", Date),
    Column("source_seq", BigInteger),
    Column("source_agency_id", String(64)),
    Column("source_event_id", String(128)),
    Column("rolled_up", Boolean, nullable=False),
    Column("required", Float),
    Column("met_on", Date),
    Column("evaluated_on", Date, nullable=False),
)

# Projection: the national figure of every target in force on `evaluated_on`, per block
# (ministry, province, and "all" where a task pools both).
national_figures = Table(
    "national_figures",
    metadata,
    Column("target_id", String(64), primary_key=True),
    Column("block", String(16), primary_key=True),
    Column("value", Float),
    Column("numerator", BigInteger),
    Column("denominator", BigInteger),
    Column("completion", Float),
    Column("status", String(16), nullable=False),
    Column("met_on", Date),
    Column("required", Float),
    Column("agencies", Integer, nullable=False),
    Column("reporting", Integer, nullable=False),
    Column("met", Integer, nullable=False),
    Column("met_late", Integer, nullable=False),
    Column("on_track", Integer, nullable=False),
    Column("at_risk", Integer, nullable=False),
    Column("overdue", Integer, nullable=False),
    Column("no_data", Integer, nullable=False),
    Column("untimed", Integer, nullable=False),
    Column("evaluated_on", Date, nullable=False),
)

# Projection: each active agency's composite score and its rank among its peers.
agency_scores = Table(
    "agency_scores",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("score", Float, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("peers", Integer, nullable=False),
    Column("targets", Integer, nullable=False),
    Column("evaluated_on", Date, nullable=False),
)

# ---- snapshots (issue 15) -------------------------------------------------------------
# The projections of the month ends reports read, one copy of each projection table per
# day (shared/scoring/snapshots.py). `snapshot_days.version` is the scorer version whose
# applied entries a day's rows reflect; NULL while entries that touch it wait to be
# taken in.
def _per_day(table: Table, name: str) -> Table:
    return Table(name, metadata, *(Column(c.name, c.type, nullable=c.nullable) for c in table.columns),
                 PrimaryKeyConstraint("evaluated_on", *(c.name for c in table.primary_key.columns)))


snapshot_cells = _per_day(agency_target_values, "snapshot_cells")
snapshot_national = _per_day(national_figures, "snapshot_national")
snapshot_scores = _per_day(agency_scores, "snapshot_scores")
snapshot_days = Table(
    "snapshot_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("version", BigInteger),
)

# Deadline warnings, emitted once per agency, target and threshold (30d, 7d, 1d, overdue).
# A row is also its own outbox entry: published to the alerts topic after the commit,
# then stamped `published_at`.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("alert_id", String(200), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("threshold", String(16), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("evaluated_on", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("completion", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    UniqueConstraint("agency_id", "target_id", "threshold", name="uq_alerts_agency_target_threshold"),
)

# ---- report (issue 6) ---------------------------------------------------------------
# One row per scheduled report (period × language). It is claimed with its cut-off
# before anything is built, so a worker that restarts rebuilds the very same report;
# `built_at` and `files` record the files, `published_at` the announcement on the
# reports topic (a row is its own outbox entry, like an alert).
reports = Table(
    "reports",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("period", String(16), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("cutoff_at", DateTime(timezone=True), nullable=False),
    Column("cutoff_seq", BigInteger, nullable=False),
    Column("cutoff_dead_letter_id", BigInteger, nullable=False),
    Column("tree", Text),  # the cut-off's Merkle proof (JSON), written when the report is built
    Column("files", Text),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("built_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    UniqueConstraint("period", "lang", name="uq_reports_period_lang"),
)

# ---- web view (issue 17) ------------------------------------------------------------
# Who may open the web view: a role (leadership, auditor, operator, agency), the agency of
# an agency user, and an argon2id hash of the password (never the password).
web_users = Table(
    "web_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("agency_id", String(64)),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A signed-in browser: the SHA-256 of its cookie's token, so that a copy of this table
# opens no session.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_name", String(64), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Failed logins, counted per name and address over a window (rate limit; shared by every
# web worker, unlike a counter in memory).
web_login_attempts = Table(
    "web_login_attempts",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
)
Index("ix_web_login_attempts_key", web_login_attempts.c.name, web_login_attempts.c.address,
      web_login_attempts.c.attempted_at)

# Bearer tokens of the read-only API, each acting as one web user (`tiendo web token`):
# the SHA-256 of the token only, as for sessions; revoked or expired, it opens nothing.
web_api_tokens = Table(
    "web_api_tokens",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_name", String(64), nullable=False, index=True),
    Column("label", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# ---- report delivery (issue 17) -------------------------------------------------------
# Who receives the issued reports by e-mail: an address subscribed as a role (leadership,
# auditor, operator) or for an agency, in a language. Managed by `tiendo web subscription`.
report_subscriptions = Table(
    "report_subscriptions",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("role", String(16)),
    Column("agency_id", String(64)),
    Column("lang", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("email", name="uq_report_subscriptions_email"),
)

# One row per issued report and subscriber (shared/db/deliveries.py): pending until the
# SMTP server accepts it (sent); a refusal is recorded with the server's answer (failed)
# and tried again at `next_attempt_at`, later after each failure (NULL: given up).
report_deliveries = Table(
    "report_deliveries",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("report_id", BigInteger, nullable=False),
    Column("subscription_id", BigInteger, nullable=False),
    Column("email", String(320), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("report_id", "subscription_id", name="uq_report_deliveries_report_id"),
    Index("ix_report_deliveries_due", "status", "next_attempt_at"),
)
