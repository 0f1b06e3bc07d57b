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
``evaluation``  completions, statuses, national figures and scores on one day
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
    to the national target and its status is the national status (see below).
Status on day *d*, first rule that holds
    1. ``met``      — the latest figure reaches the target (completion = 1), however old;
    2. ``overdue``  — *d* is after the deadline;
    3. ``no_data``  — nothing observed in the reporting interval, i.e. the latest
       ``observed_at`` is more than 35 days before *d* (monthly reporting + 5 days' grace),
       or nothing at all;
    4. milestone not done: ``at_risk`` within 30 days of the deadline, else ``on_track``;
    5. ratio / count: the straight line through the last two observations (on different
       days) is extrapolated to the deadline: ``on_track`` if it reaches the target,
       ``at_risk`` if not. A single observation gives no trend: ``at_risk``.
National figure on day *d*
    Over the applicable agencies that exist on *d* (each with its rolled-up history):
    ratio = Σ numerators ÷ Σ denominators, count = Σ counts, milestone = share of the
    applicable agencies done. Its completion is against the target value, except for a
    count each agency must reach on its own (200 procedures per province), where the
    national goal is that count × the applicable agencies. Its status follows the same
    rules applied to the national series (a point on every day any agency reported).
Composite score and rank
    The weighted mean (catalogue weights) of an agency's completion over the agency-scope
    targets that apply to it (no figure counts as 0), in points out of 100; ranked among
    the agencies of the same kind (ministries; provinces) existing on *d*, highest first,
    equal scores sharing a rank (1, 2, 2, 4).
Deadline warnings
    For every agency × target not ``met`` on *d*: ``30d``, ``7d`` or ``1d`` when the
    deadline is at most that many days away (the tightest one reached), ``overdue`` once it
    has passed. The store keeps one alert per agency, target and threshold.

Arithmetic is exact (``Fraction``) and converted to ``float`` only for output, so two
computations over the same entries give bit-identical rows.
"""
