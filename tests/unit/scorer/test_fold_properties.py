"""Properties of the fold on random ledgers: incremental = from scratch = as of the final
position, whatever the batches, their order and the duplicates."""

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.scoring.history import Fold, replay_points

from .builders import PROJECTOR
from .streams import EVALUATION_DAYS, build, ops


@settings(max_examples=60, deadline=None)
@given(ops, st.sampled_from(EVALUATION_DAYS), st.randoms(use_true_random=False), st.integers(1, 8))
def test_incremental_updates_equal_a_full_evaluation(operations, on, rnd, n_batches):
    lg = build(operations)
    arrivals = list(lg.entries) + rnd.sample(lg.entries, k=min(3, len(lg.entries)))  # redeliveries
    rnd.shuffle(arrivals)
    cuts = sorted(rnd.randint(0, len(arrivals)) for _ in range(n_batches - 1))
    batches = [arrivals[i:j] for i, j in zip([0, *cuts], [*cuts, len(arrivals)])]

    fold = Fold()
    proj = PROJECTOR.full(fold, on)
    for batch in batches:
        changed = fold.apply_all(batch)
        proj = PROJECTOR.update(fold, proj, changed)

    from_scratch = PROJECTOR.full(lg.fold(), on)
    assert proj == from_scratch
    head = len(lg.entries)
    assert PROJECTOR.full(lg.fold(), on, upto=head) == from_scratch


@settings(max_examples=40, deadline=None)
@given(ops, st.sampled_from(EVALUATION_DAYS), st.integers(0, 80))
def test_as_of_a_position_equals_folding_only_the_entries_up_to_it(operations, on, position):
    lg = build(operations)
    everything = lg.fold()
    assert PROJECTOR.full(everything, on, upto=position) == PROJECTOR.full(lg.fold(upto=position), on)


@settings(max_examples=30, deadline=None)
@given(ops, st.sampled_from(EVALUATION_DAYS))
def test_national_ratio_is_the_sum_over_its_agencies(operations, on):
    proj = PROJECTOR.full(build(operations).fold(), on)
    for target_id, block in (("online_dossier_rate", "all"), ("civil_registry_digitised", "province")):
        n = proj.national[(target_id, block)]
        cells = [c for (a, t), c in proj.cells.items() if t == target_id and c.numerator is not None]
        if cells:
            assert (n.numerator, n.denominator) == (sum(c.numerator for c in cells), sum(c.denominator for c in cells))
        assert n.met + n.met_late + n.on_track + n.at_risk + n.overdue + n.no_data + n.untimed == n.agencies


@settings(max_examples=80, deadline=None)
@given(ops, st.integers(0, 80))
def test_the_columnar_replay_gives_the_points_of_the_reference_replay(operations, position):
    fold = build(operations).fold()
    for history in fold.keys.values():
        entries = history.entries
        upto = entries[min(position, len(entries) - 1)].seq
        assert history.points(upto) == replay_points([e for e in entries if e.seq <= upto])
        assert history.points() == replay_points(entries)
