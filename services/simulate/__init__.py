"""`tiendo simulate`: stand-in for the agency systems.

Every ministry and province reports its 2025 figures through the real broker, signed with
its own key, along trajectories anchored on the seeds, with the mess of real reporting:
late and missing reports, re-sends, corrections, retractions, malformed and forged events,
and explanations (giải trình) of some tasks left late.

Pure parts (no I/O): :mod:`profiles` (sizes and people), :mod:`trajectories` (the true
figures), :mod:`mess` (who is late, silent, sloppy), :mod:`faults` (the bad events and the
reason code each must earn), :mod:`explanations` (who explains which late task, and
what), :mod:`wire` (canonical bytes and signatures), :mod:`plan`
(the ordered message stream). Adapters: :mod:`keys`, :mod:`run`; the click command in
:mod:`cli`.
"""
