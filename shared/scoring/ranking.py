"""Ranking agencies by Tiến độ's composite score, within each kind (ministries; provinces)."""

from __future__ import annotations

from datetime import date

from shared.scoring.rows import ScoreRow


def rank_scores(scores: dict[str, tuple[float, int]], kinds: dict[str, str], on: date) -> dict[str, ScoreRow]:
    """Competition ranking (1, 2, 2, 4) within each kind, highest score first."""
    out: dict[str, ScoreRow] = {}
    by_kind: dict[str, list[str]] = {}
    for agency_id in scores:
        by_kind.setdefault(kinds[agency_id], []).append(agency_id)
    for kind, members in by_kind.items():
        members.sort(key=lambda a: (-scores[a][0], a))
        rank = 0
        previous = None
        for i, a in enumerate(members, start=1):
            if scores[a][0] != previous:
                rank, previous = i, scores[a][0]
            out[a] = ScoreRow(a, kind, scores[a][0], rank, len(members), scores[a][1], on)
    return out
