"""The bad-input corpus: every way a message can be wrong that the contract names (each
of its reason codes) and the transport allows (no key, a foreign key, a 2 MB value,
a 2 MB key, a 3.5 MB value just under the broker's limit), each with the one reason code
its dead letter must carry. Valid events are mixed in: the ones the ledger-dependent
cases refer to (sent first, on the same partition) and fillers between the bad ones,
all of which must be accepted.

Built for one pipeline, and for ingest's real clock (no `--replay-clock`): it registers
the agencies' public keys in the pipeline's key store, revokes one agency's key
(`cao-bang`), rotates another's (`lai-chau`), registers a third's from a month ahead
(`dien-bien`), and signs for a province that ceased on 2025-06-30 (`bac-kan`, key valid
since 2020): those agencies must send nothing else through that pipeline. Rotation and
revocation are judged at the time ingest receives an event, so a ``reported_at``
backdated to 2025 does not bring a rotated or revoked key back.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shared.clock import utc_now, vietnam_today
from shared.db.keys import KeyStore
from shared.domain.reasons import ReasonCode
from shared.domain.temporal import VIETNAM_TZ
from shared.keyfiles import SigningKey

from services.simulate.keys import KeyRing, store_keys
from services.simulate.wire import encode, signed

from chaos.stream import Expected

AGENCIES = ("ha-noi", "hue", "nghe-an", "quang-ninh", "bo-cong-an", "bo-tu-phap")
REVOKED_AGENCY = "cao-bang"
ROTATED_AGENCY = "lai-chau"
NOT_YET_VALID_AGENCY = "dien-bien"
DISSOLVED_AGENCY = "bac-kan"
"""Ceased on 2025-06-30 (merged into Thái Nguyên); its keys signed until 90 days later."""
OPERATOR = "chaos corpus"
SEED = 9
MiB = 1024 * 1024
Message = tuple[str | bytes | None, bytes | None]


@dataclass(frozen=True)
class Kind:
    """One kind of bad input and the reason code it must be rejected with."""

    name: str
    reason: ReasonCode
    what: str
    build: Callable[[Context], Message]


def ratio(n: int, d: int) -> dict[str, Any]:
    return {"type": "ratio", "numerator": n, "denominator": d}


def event(agency: str, event_id: str, target: str = "online_dossier_rate", *, kind: str = "measurement",
          observed: str = "2025-03-31", figure: dict[str, Any] | None = None, **members: Any) -> dict[str, Any]:
    """A valid contract-v2 event as a dict: a ratio of 80/100 unless a figure is given (a
    retraction has none); members set to None are left out."""
    day = date.fromisoformat(observed)
    d = {"schema_version": 2, "event_id": event_id, "agency_id": agency, "target_id": target, "kind": kind,
         "observed_at": observed, "reported_at": f"{day + timedelta(days=2)}T09:00:00+07:00",
         "reporter": {"name": "Nguyễn Thị Lan", "role": "Chánh Văn phòng UBND"},
         "figure": figure if figure is not None or kind == "retraction" else ratio(80, 100)}
    d.update(members)
    return {k: v for k, v in d.items() if v is not None}


STATED = {"cause": "Chưa kết nối Cổng Dịch vụ công quốc gia", "action": "Nâng cấp hệ thống một cửa điện tử",
          "committed_on": "2025-06-30"}
"""What an explanation (giải trình) states: cause, remedial action, committed completion date."""


def _committed_before_observed(e: dict[str, Any]) -> None:
    """The event made an explanation, of 31/03/2025, committing to 01/03/2025."""
    del e["figure"]
    e.update(kind="explanation", explanation={**STATED, "committed_on": "2025-03-01"})


def _seed(purpose: str) -> bytes:
    return hashlib.sha256(f"chaos corpus|{SEED}|{purpose}".encode()).digest()


class Context:
    """Keys and the events the ledger-dependent cases refer to.

    ``keys``: every agency's current signing key; ``ring``: the simulated keys first
    registered (with the forgers' invented ones); ``old``: keys rotated or revoked since."""

    def __init__(self, ring: KeyRing, keys: dict[str, SigningKey], old: dict[str, SigningKey], today: date,
                 now: datetime) -> None:
        self.ring = ring
        self.keys = keys
        self.old = old
        self.today = today
        self.now = now
        self._n = 0
        # Recorded before the bad cases that contradict them (same key: same partition).
        self.base = {
            "b1": event("ha-noi", "ha-noi-base-1"),
            "b2": event("ha-noi", "ha-noi-base-2", "dossiers_with_personal_id", figure=ratio(90, 100)),
            "b3": event("ha-noi", "ha-noi-base-3", "end_to_end_services", figure=ratio(50, 100)),
        }
        self.base["r3"] = event("ha-noi", "ha-noi-base-r3", "end_to_end_services", kind="retraction",
                                amends="ha-noi-base-3")

    def fresh(self, agency: str = "ha-noi", **kw: Any) -> dict[str, Any]:
        """A valid event never sent before."""
        self._n += 1
        return event(agency, f"{agency}-bad-{self._n}", **kw)

    def sign(self, e: dict[str, Any], key: SigningKey | None = None) -> bytes:
        return encode(signed(e, key or self.keys[e["agency_id"]]))

    def signed_fresh(self, agency: str = "ha-noi", **kw: Any) -> Message:
        return agency, self.sign(self.fresh(agency, **kw))


def _edit(ctx: Context, change: Callable[[dict[str, Any]], None], resign: bool = True) -> Message:
    """A fresh ha-noi event changed by ``change`` (after signing unless ``resign``)."""
    e = ctx.fresh()
    if resign:
        change(e)
        return "ha-noi", ctx.sign(e)
    wire = json.loads(ctx.sign(e))
    change(wire)
    return "ha-noi", encode(wire)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(e: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            e = e[p]
        e[last] = value
    return change


def _drop(member: str) -> Callable[[dict[str, Any]], None]:
    return lambda e: e.pop(member)


def _raw_text(ctx: Context, old: str, new: str) -> Message:
    """A signed fresh event with a piece of its text replaced (for what dicts cannot say)."""
    key, value = ctx.signed_fresh()
    text = value.decode("utf-8")
    assert old in text, old
    return key, text.replace(old, new, 1).encode("utf-8")


def _big(size: int) -> bytes:
    return b'{"padding":"' + b"x" * (size - 14) + b'"}'


def _truncated(ctx: Context) -> Message:
    key, value = ctx.signed_fresh()
    text = value.decode("utf-8")
    # Cut between characters: a cut inside a UTF-8 sequence would be not_utf8.
    return key, text[: len(text) // 2].encode("utf-8")


def _prefixed(ctx: Context, prefix: bytes) -> Message:
    key, value = ctx.signed_fresh()
    return key, prefix + value


def _windows_1258(ctx: Context) -> Message:
    key, value = ctx.signed_fresh()
    return key, value.decode("utf-8").encode("cp1258", errors="replace")


def _vietnam(moment: datetime) -> str:
    """``moment`` as a canonical ``reported_at`` (whole seconds, Vietnam offset)."""
    return moment.astimezone(VIETNAM_TZ).replace(microsecond=0).isoformat()


def _revoked(ctx: Context, backdated: bool) -> Message:
    """An event signed with the key revoked while the corpus was built: reported just
    now, or (``backdated``) with a reported_at of 2025, before the revocation."""
    e = ctx.fresh(REVOKED_AGENCY)
    if not backdated:
        e["reported_at"] = _vietnam(ctx.now - timedelta(minutes=1))
    return REVOKED_AGENCY, ctx.sign(e, ctx.old[REVOKED_AGENCY])


def _rotated_backdated(ctx: Context) -> Message:
    """The agency's key before its rotation signs an event whose reported_at (2025) is
    before the rotation: ingest receives it after, so the old key signs nothing."""
    return ROTATED_AGENCY, ctx.sign(ctx.fresh(ROTATED_AGENCY), ctx.old[ROTATED_AGENCY])


def _claiming(ctx: Context, e: dict[str, Any], signer: SigningKey, key_id: str) -> bytes:
    """``e`` signed by ``signer`` under the id of another key (the signature does not
    cover the signature member, so the claim changes no signed byte)."""
    wire = json.loads(ctx.sign(e, signer))
    wire["signature"]["key_id"] = key_id
    return encode(wire)


def _future_correction(ctx: Context) -> Message:
    """A correction of a 2025 figure whose reported_at is in 2099: were the agency's own
    clock believed, it would count in whatever period the agency chose."""
    e = ctx.fresh(kind="correction", amends="ha-noi-base-1", figure=ratio(95, 100))
    e["reported_at"] = "2099-01-01T09:00:00+07:00"
    return "ha-noi", ctx.sign(e)


def _dissolved(ctx: Context) -> Message:
    """A report for the dissolved province's last day, sent today: its key (valid since
    2020, never revoked) stopped signing 90 days after the province ceased."""
    e = ctx.fresh(DISSOLVED_AGENCY, observed="2025-06-30")
    return DISSOLVED_AGENCY, ctx.sign(e)


def _second_retraction(e: dict[str, Any]) -> None:
    e.update(kind="retraction", target_id="end_to_end_services", amends="ha-noi-base-3")
    del e["figure"]


KINDS: tuple[Kind, ...] = (
    # ---- bytes that are no event at all -------------------------------------------------------
    Kind("garbage", ReasonCode.NOT_JSON, "not JSON at all", lambda c: ("ha-noi", b"{agency_id: ha-noi, 80%}")),
    Kind("truncated", ReasonCode.NOT_JSON, "a signed event cut in half", _truncated),
    Kind("empty", ReasonCode.NOT_JSON, "an empty message", lambda c: ("ha-noi", b"")),
    Kind("tombstone", ReasonCode.NOT_JSON, "a message with no value (a Kafka tombstone)", lambda c: ("ha-noi", None)),
    Kind("nan", ReasonCode.NOT_JSON, "NaN where a number goes", lambda c: _raw_text(c, '"numerator":80', '"numerator":NaN')),
    Kind("bom", ReasonCode.NOT_JSON, "a UTF-8 byte-order mark first", lambda c: _prefixed(c, b"\xef\xbb\xbf")),
    Kind("deep_nesting", ReasonCode.NOT_JSON, "100,000 nested arrays", lambda c: ("ha-noi", b"[" * 100_000 + b"]" * 100_000)),
    Kind("windows_1258", ReasonCode.NOT_UTF8, "Vietnamese text in Windows-1258, not UTF-8", _windows_1258),
    Kind("invalid_utf8", ReasonCode.NOT_UTF8, "bytes that are no UTF-8 (0xff 0xfe)",
         lambda c: ("ha-noi", b'{"agency_id":"ha-noi\xff\xfe"}')),
    Kind("lone_surrogate", ReasonCode.NOT_UTF8, "a \\ud800 escape: half a character",
         lambda c: _raw_text(c, '"name":"Nguy', '"name":"\\ud800Nguy')),
    Kind("duplicate_member", ReasonCode.DUPLICATE_FIELD, "kind written twice",
         lambda c: _raw_text(c, '"kind":"measurement"', '"kind":"measurement","kind":"milestone"')),
    Kind("array", ReasonCode.NOT_AN_OBJECT, "a JSON array of events", lambda c: ("ha-noi", b"[" + c.signed_fresh()[1] + b"]")),
    Kind("string", ReasonCode.NOT_AN_OBJECT, "a JSON string", lambda c: ("ha-noi", b'"ha-noi 80%"')),
    # ---- size and transport ---------------------------------------------------------------------
    Kind("two_mb_value", ReasonCode.MESSAGE_TOO_LARGE, "a 2 MB message", lambda c: ("ha-noi", _big(2 * MiB))),
    Kind("near_broker_limit", ReasonCode.MESSAGE_TOO_LARGE,
         "a 3.5 MB message, just under the broker's 4 MiB limit", lambda c: ("ha-noi", _big(3 * MiB + MiB // 2))),
    Kind("two_mb_key", ReasonCode.MESSAGE_TOO_LARGE, "a valid event under a 2 MB Kafka key",
         lambda c: (b"k" * (2 * MiB), c.signed_fresh()[1])),
    Kind("no_key", ReasonCode.MISSING_KEY, "a valid event without a Kafka key", lambda c: (None, c.signed_fresh()[1])),
    Kind("wrong_key", ReasonCode.KEY_MISMATCH, "a valid event keyed by another agency",
         lambda c: ("bo-cong-an", c.signed_fresh()[1])),
    # ---- the contract -------------------------------------------------------------------------------
    Kind("schema_v3", ReasonCode.UNKNOWN_SCHEMA_VERSION, "schema_version 3", lambda c: _edit(c, _set("schema_version", 3))),
    Kind("schema_text", ReasonCode.UNKNOWN_SCHEMA_VERSION, 'schema_version "2"',
         lambda c: _edit(c, _set("schema_version", "2"))),
    Kind("no_reporter", ReasonCode.MISSING_FIELD, "reporter left out", lambda c: _edit(c, _drop("reporter"))),
    Kind("extra_member", ReasonCode.UNKNOWN_FIELD, "a member the contract lacks",
         lambda c: _edit(c, _set("ghi_chu", "sơ bộ"))),
    Kind("quoted_number", ReasonCode.WRONG_TYPE, 'numerator "80"', lambda c: _edit(c, _set("figure.numerator", "80"))),
    Kind("float_integer", ReasonCode.WRONG_TYPE, "numerator 80.0", lambda c: _raw_text(c, '"numerator":80', '"numerator":80.0')),
    Kind("unknown_kind", ReasonCode.INVALID_VALUE, 'kind "estimate"', lambda c: _edit(c, _set("kind", "estimate"))),
    Kind("utc_spelling", ReasonCode.INVALID_VALUE, "reported_at with +00:00 instead of Z",
         lambda c: _edit(c, _set("reported_at", "2025-04-02T02:00:00+00:00"))),
    Kind("upper_case_signature", ReasonCode.INVALID_VALUE, "the signature in upper-case hex",
         lambda c: _edit(c, lambda e: e["signature"].update(value=e["signature"]["value"].upper()), resign=False)),
    Kind("alg_none", ReasonCode.INVALID_VALUE, 'signature alg "none"',
         lambda c: _edit(c, lambda e: e["signature"].update(alg="none"), resign=False)),
    Kind("huge_integer", ReasonCode.INVALID_VALUE, "a denominator of 5,000 digits",
         lambda c: _raw_text(c, '"denominator":100', '"denominator":' + "9" * 5000)),
    Kind("past_2_53", ReasonCode.INVALID_VALUE, "a denominator above 2^53 − 1",
         lambda c: _edit(c, _set("figure", ratio(1, 2**60)))),
    Kind("zero_denominator", ReasonCode.DENOMINATOR_ZERO, "0 of 0", lambda c: _edit(c, _set("figure", ratio(0, 0)))),
    Kind("numerator_over", ReasonCode.NUMERATOR_EXCEEDS_DENOMINATOR, "120 of 100",
         lambda c: _edit(c, _set("figure", ratio(120, 100)))),
    Kind("negative", ReasonCode.NEGATIVE_FIGURE, "a negative count",
         lambda c: _edit(c, lambda e: e.update(target_id="procedures_local_data", figure={"type": "count", "count": -3}))),
    Kind("future", ReasonCode.OBSERVED_IN_FUTURE, "observed a month from now",
         lambda c: _edit(c, lambda e: e.update(observed_at=f"{c.today + timedelta(days=30)}",
                                                reported_at=f"{c.today + timedelta(days=31)}T09:00:00+07:00"))),
    Kind("before_2020", ReasonCode.OBSERVED_BEFORE_2020, "observed in 2015", lambda c: _edit(c, _set("observed_at", "2015-03-31"))),
    Kind("after_reported", ReasonCode.OBSERVED_AFTER_REPORTED, "reported the day before the day it is for",
         lambda c: _edit(c, _set("reported_at", "2025-03-30T16:00:00+07:00"))),
    Kind("done_after_observed", ReasonCode.DONE_AFTER_OBSERVED, "a milestone done after observed_at",
         lambda c: _edit(c, lambda e: e.update(kind="milestone", target_id="r57_plan_issued",
                                                figure={"type": "milestone", "done": True, "done_on": "2025-04-15"}))),
    Kind("shape_mismatch", ReasonCode.FIGURE_SHAPE_MISMATCH, "a count for a ratio target",
         lambda c: _edit(c, _set("figure", {"type": "count", "count": 80}))),
    Kind("amends_missing", ReasonCode.AMENDS_MISSING, "a correction that names nothing",
         lambda c: _edit(c, _set("kind", "correction"))),
    Kind("amends_not_allowed", ReasonCode.AMENDS_NOT_ALLOWED, "a measurement carrying amends",
         lambda c: _edit(c, _set("amends", "ha-noi-base-1"))),
    Kind("retraction_with_figure", ReasonCode.RETRACTION_WITH_FIGURE, "a retraction with a figure",
         lambda c: _edit(c, lambda e: e.update(kind="retraction", amends="ha-noi-base-1"))),
    Kind("explanation_with_figure", ReasonCode.EXPLANATION_WITH_FIGURE, "an explanation with a figure",
         lambda c: _edit(c, lambda e: e.update(kind="explanation", explanation=STATED))),
    Kind("explanation_not_allowed", ReasonCode.EXPLANATION_NOT_ALLOWED, "a measurement carrying an explanation",
         lambda c: _edit(c, _set("explanation", STATED))),
    Kind("committed_before_observed", ReasonCode.COMMITTED_BEFORE_OBSERVED,
         "an explanation committing to a day before its own",
         lambda c: _edit(c, _committed_before_observed)),
    # ---- registry and catalogue ---------------------------------------------------------------------
    Kind("unknown_target", ReasonCode.UNKNOWN_TARGET, "a misspelt target",
         lambda c: _edit(c, _set("target_id", "online_dossier_rates"))),
    Kind("unknown_agency", ReasonCode.UNKNOWN_AGENCY, "a misspelt agency (hanoi)",
         lambda c: ("hanoi", c.sign(dict(c.fresh(), agency_id="hanoi"), c.keys["ha-noi"]))),
    Kind("agency_not_active", ReasonCode.AGENCY_NOT_ACTIVE, "a province reporting after it merged (Hà Giang, 08/2025)",
         lambda c: ("ha-giang", c.sign(dict(c.fresh(), agency_id="ha-giang", observed_at="2025-08-31",
                                            reported_at="2025-09-02T09:00:00+07:00"), c.keys["ha-noi"]))),
    Kind("target_not_applicable", ReasonCode.TARGET_NOT_APPLICABLE, "a ministry reporting a province's target",
         lambda c: c.signed_fresh("bo-cong-an", target="land_database")),
    # ---- signatures --------------------------------------------------------------------------------------
    Kind("unsigned", ReasonCode.MISSING_SIGNATURE, "no signature", lambda c: ("ha-noi", encode(c.fresh()))),
    Kind("null_signature", ReasonCode.MISSING_SIGNATURE, "signature: null",
         lambda c: ("ha-noi", encode(dict(c.fresh(), signature=None)))),
    Kind("altered", ReasonCode.BAD_SIGNATURE, "the figure changed after signing",
         lambda c: _edit(c, _set("figure.numerator", 81), resign=False)),
    Kind("wrong_private_key", ReasonCode.BAD_SIGNATURE, "ha-noi's key id, signed with a private key nobody registered",
         lambda c: ("ha-noi", _claiming(c, c.fresh(), c.ring.forged("ha-noi"), c.keys["ha-noi"].key_id))),
    Kind("foreign_key", ReasonCode.FOREIGN_SIGNATURE, "signed with another agency's key",
         lambda c: ("ha-noi", c.sign(c.fresh(), c.keys["bo-cong-an"]))),
    Kind("revoked_key", ReasonCode.REVOKED_KEY, "signed with a revoked key, reported just now",
         lambda c: _revoked(c, backdated=False)),
    Kind("revoked_backdated", ReasonCode.REVOKED_KEY,
         "signed with a revoked key, reported_at backdated to 2025 (before the revocation)",
         lambda c: _revoked(c, backdated=True)),
    Kind("rotated_backdated", ReasonCode.REVOKED_KEY,
         "signed with the key rotated away, reported_at backdated to 2025 (before the rotation)", _rotated_backdated),
    Kind("invented_key", ReasonCode.UNKNOWN_KEY, "signed with a key nobody registered",
         lambda c: ("ha-noi", c.sign(c.fresh(), c.ring.forged("ha-noi")))),
    Kind("key_not_yet_valid", ReasonCode.KEY_NOT_YET_VALID, "signed with a key registered to sign from next month",
         lambda c: c.signed_fresh(NOT_YET_VALID_AGENCY)),
    Kind("dissolved_agency", ReasonCode.AGENCY_DISSOLVED,
         "a province that ceased on 2025-06-30 (Bắc Kạn) sends today, its key valid since 2020", _dissolved),
    # ---- time the signer cannot choose ---------------------------------------------------------------
    Kind("future_correction", ReasonCode.REPORTED_IN_FUTURE,
         "a correction whose reported_at is in 2099 (more than 5 minutes after ingest received it)",
         _future_correction),
    # ---- against the ledger --------------------------------------------------------------------------------
    Kind("event_id_conflict", ReasonCode.EVENT_ID_CONFLICT, "an event id reused for another figure",
         lambda c: ("ha-noi", c.sign(dict(c.base["b1"], figure=ratio(81, 100))))),
    Kind("correction_of_unknown", ReasonCode.UNKNOWN_AMENDED_EVENT, "a correction of an event never sent",
         lambda c: _edit(c, lambda e: e.update(kind="correction", amends="ha-noi-never-sent"))),
    Kind("correction_of_other_target", ReasonCode.AMENDED_EVENT_MISMATCH,
         "a correction amending an event of another target",
         lambda c: _edit(c, lambda e: e.update(kind="correction", amends="ha-noi-base-2"))),
    Kind("double_retraction", ReasonCode.ALREADY_RETRACTED, "the same event retracted twice",
         lambda c: _edit(c, _second_retraction)),
)


@dataclass
class Corpus:
    """The corpus's messages, what must become of them, and which kind each bad one is."""

    expected: Expected
    kinds: tuple[Kind, ...]
    bad: dict[str, Message] = field(default_factory=dict)
    """Each kind's message, by the kind's name."""


def prepare_keys(keys: KeyStore, today: date) -> tuple[KeyRing, dict[str, SigningKey], dict[str, SigningKey]]:
    """Register, rotate and revoke as the corpus needs, the way an operator would (the
    key registry's own API, as the owner): (the simulated ring, every agency's current
    key, the keys rotated or revoked)."""
    ring, _ = store_keys(keys, SEED, [*AGENCIES, REVOKED_AGENCY, ROTATED_AGENCY, DISSOLVED_AGENCY])
    current = dict(ring.keys)
    old = {REVOKED_AGENCY: current.pop(REVOKED_AGENCY), ROTATED_AGENCY: ring.keys[ROTATED_AGENCY]}
    keys.revoke(REVOKED_AGENCY, OPERATOR)
    # The agency's new key signs from now; the old one signs nothing received after.
    current[ROTATED_AGENCY] = SigningKey.derived(ROTATED_AGENCY, _seed("rotated"))
    keys.register(current[ROTATED_AGENCY].key_id, ROTATED_AGENCY, current[ROTATED_AGENCY].public_key, OPERATOR,
                  rotate=True)
    current[NOT_YET_VALID_AGENCY] = SigningKey.derived(NOT_YET_VALID_AGENCY, _seed("next month"))
    starts = datetime.combine(today + timedelta(days=30), datetime.min.time(), VIETNAM_TZ)
    keys.register(current[NOT_YET_VALID_AGENCY].key_id, NOT_YET_VALID_AGENCY, current[NOT_YET_VALID_AGENCY].public_key,
                  OPERATOR, valid_from=starts)
    return ring, current, old


def build(keys: KeyStore, today: date | None = None, fillers: int = 3) -> Corpus:
    """The corpus for a pipeline whose key store is ``keys``: the base events, then each
    bad kind with ``fillers`` fresh valid events after it (from every agency, in turn),
    and last an event signed with the rotated agency's new key (accepted: rotation keeps
    the agency reporting). Ingest must run on its real clock, soon after."""
    today = today or vietnam_today()
    ring, current, old = prepare_keys(keys, today)
    ctx = Context(ring, current, old, today, utc_now())
    out = Expected()
    for e in ctx.base.values():
        out.add_valid(e["agency_id"], ctx.sign(e), e["agency_id"], e["event_id"])
    rng = random.Random(SEED)
    bad: dict[str, Message] = {}
    for kind in KINDS:
        key, value = bad[kind.name] = kind.build(ctx)
        out.add_bad(key, value, kind.reason.value)
        for _ in range(fillers):
            agency = rng.choice(AGENCIES)
            e = ctx.fresh(agency, target="dossiers_with_personal_id",
                          observed=f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                          figure=ratio(rng.randint(0, 500), 500))
            out.add_valid(agency, ctx.sign(e), agency, e["event_id"])
    e = ctx.fresh(ROTATED_AGENCY)
    out.add_valid(ROTATED_AGENCY, ctx.sign(e), ROTATED_AGENCY, e["event_id"])
    return Corpus(out, KINDS, bad)
