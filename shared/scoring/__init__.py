"""The scoring core: the fold over ledger entries and everything computed from it.

Pure: no SQL, no Kafka, no presentation (the words for a status live with those who
print them). The scorer worker, `scorer rebuild`, the as-of queries and the report all
feed ledger entries into a :class:`~shared.scoring.history.Fold` and ask a
:class:`~shared.scoring.projector.Projector` for the figures on a day, so they share one
code path. One concern a module:

``figures``     a ratio, a count, a milestone, and their JSON form
``entries``     a ledger entry, decoded from an event, a ledger message or a ledger row
``history``     the fold: each agency × target's entries and the points they leave
``world``       the catalogue and the registry as the scorer sees them
``status``      the statuses and the thresholds of their rules
``sweep``       running totals across series, day by day (roll-ups, national figures)
``evaluation``  completions, statuses and paths of agency × task cells on one day
``national``    national figures per block and their statuses
``ranking``     composite scores ranked within each kind
``restate``     an earlier day's projections on a later day's map
``rows``        the projection rows of a day and the change between two days
``alerts``      deadline warnings
``projector``   every projection of a day, or only what new entries change

Semantics (design.md §4; the choices the design leaves open are documented here)
--------------------------------------------------------------------------------
Value of an agency × target on day *d* (as of ledger position *N*)
    The latest observation with ``observed_at <= d`` among the entries with ``seq <= N``;
    ties on ``observed_at`` go to ledger order. Entries are replayed in ``seq`` order per
    agency × target, whatever order they arrived in, so a late event (``observed_at``
    earlier than the latest figure) is placed by ``observed_at``, not by arrival.
Corrections
    A correction takes the place of the event it amends (following chains: a correction
    of a correction replaces the correction): the amended figure disappears and the
    correction's figure stands at the correction's ``observed_at``; for ties it keeps the
    ledger position of the original, so it does not jump ahead of a later same-day figure.
Retractions
    A retraction removes the amended event (or whatever correction replaced it); a later
    correction of a removed event changes nothing.
Reorganisations
    On a day *d* after a merger, the successor's history before the merger rolls up from
    its predecessors: at every day a predecessor reported, the successor's figure is
    Σ numerators ÷ Σ denominators (ratio) or Σ counts (count) of each predecessor's latest
    figure, never an average of percentages; a milestone is done only when every
    predecessor has reported it done. A predecessor that has reported nothing yet is left
    out of the sums. Predecessors' own predecessors roll up the same way (recursively).
    Before the merger day the predecessors are listed themselves and the successor does
    not exist. Ministries (01/03/2025) and provinces (01/07/2025) follow the same rule.
Completion
    ``min(1, value / target_value)`` (``target_value / value`` for a lower-is-better
    target); 1 or 0 for a milestone. For a national-scope target (the target value is a
    national total, e.g. 76 essential services) an agency's completion is its contribution
    to the national target and its status is the national status.
Status on day *d* (``status``; docs/scorer.md states each rule with an example)
    ``met`` / ``met_late`` — reached, the current run reaching the target having begun on
    or before / after the deadline (``met_on``); ``untimed`` — a task without a deadline,
    not reached; ``overdue`` — from the deadline day on, not reached; ``no_data`` — nothing
    in the last 35 days; a milestone in time ``on_track``; a ratio or count ``on_track`` on
    or above the path (lộ trình) from its baseline (the figure on 31/12/2024, else the
    first) to the target on the deadline, ``at_risk`` below it.
National figures (``national``)
    One row per block (ministries, provinces, and the total where a task pools both):
    Σ numerators ÷ Σ denominators, Σ counts, or x/N agencies that reached a milestone or a
    count each must reach. A task every agency must reach is reached nationally when all
    N have; a national total is judged on its national series like an agency.
Comparisons (``restate``)
    An earlier day restated on a later day's map of agencies, for "so với kỳ trước".
Composite score and rank (``ranking``)
    Tiến độ's own: the weighted mean (catalogue weights) of an agency's completion over the
    agency-scope targets that apply to it (no figure counts as 0), in points out of 100;
    ranked among the agencies of the same kind existing on *d*, highest first, equal
    scores sharing a rank (1, 2, 2, 4).
Deadline warnings
    For every agency × task with a deadline not reached on *d*: ``30d``, ``7d`` or ``1d``
    when the deadline is at most that many days away (the tightest one reached),
    ``overdue`` once it has passed. The store keeps one alert per agency, target and
    threshold.

Arithmetic is exact (``Fraction``) and converted to ``float`` only for output, so two
computations over the same entries give bit-identical rows.
"""
