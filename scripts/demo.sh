#!/usr/bin/env bash
# The main job, end to end: simulate 2025 (from the 2024 baseline of 31/12/2024) through the
# real broker, ingest into the SQLite ledger, score, and build the quarterly and year-end
# reports; then check the ledger, the dead letters and the seeds' figures on their days.
# Each run starts from an empty ledger under data/demo and its own topics, so two runs give
# the same reports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

export TIENDO_DATA_DIR="$root/data/demo"
export DATABASE_URL="sqlite:///$TIENDO_DATA_DIR/tiendo.db"
# Topics are kept by the broker between runs; a prefix per run keeps this run's apart.
export TIENDO_TOPIC_PREFIX="demo-$(date +%Y%m%d%H%M%S)"
seed=${DEMO_SEED:-2025}
scale=${DEMO_SCALE:-1}
rm -rf "$TIENDO_DATA_DIR"
mkdir -p "$TIENDO_DATA_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/5 Mô phỏng hệ thống của các bộ, tỉnh báo cáo số liệu nền 31/12/2024 và năm 2025 (simulate, seed $seed)"
tiendo simulate --seed "$seed" --scale "$scale" --expectations "$TIENDO_DATA_DIR/expected.json"

step "2/5 Ingest: kiểm tra, xác thực, ghi sổ cái (raw topic → ledger)"
tiendo ingest run --until-idle --replay-clock

step "3/5 Scorer: tính mức độ hoàn thành (ledger → projections)"
tiendo scorer run --until-idle

step "4/5 Báo cáo quý và báo cáo cả năm"
reports="$root/reports/demo"
rm -rf "$reports"
for period in 2025-Q1 2025-Q2 2025-Q3 2025-Q4 2025; do
  tiendo report build --period "$period" --format md,html,pdf --out "$reports" >/dev/null
done

step "5/5 Kiểm tra (verify): sổ cái, bằng chứng Merkle, hàng đợi lỗi, báo cáo"
tiendo ledger verify
# What an auditor does: publish the ledger key, keep a signed head, get one event's proof
# and check it with nothing but the file and the public key (docs/audit.md).
tiendo ledger key --json > "$TIENDO_DATA_DIR/ledger-key.json"
tiendo ledger head --json > "$TIENDO_DATA_DIR/kept-head.json"
read -r agency event < <(python3 -c "import sqlite3, sys; print(*sqlite3.connect(sys.argv[1]).execute(
  'SELECT agency_id, event_id FROM ledger_entries ORDER BY seq LIMIT 1').fetchone())" "$TIENDO_DATA_DIR/tiendo.db")
tiendo ledger prove "$agency" "$event" --json > "$TIENDO_DATA_DIR/proof.json"
tiendo ledger check-proof "$TIENDO_DATA_DIR/proof.json" --public-key "$TIENDO_DATA_DIR/keys/ledger.pub.pem"
tiendo ledger verify --against "$TIENDO_DATA_DIR/kept-head.json"
python "$root/scripts/check_demo.py" "$TIENDO_DATA_DIR/expected.json"
tiendo report verify "$reports/tiendo-2025-vi.md"
# A rebuild from the ledger must give the projections the worker maintained.
tiendo score national --json > "$TIENDO_DATA_DIR/national-incremental.json"
tiendo scorer rebuild >/dev/null
tiendo score national --json > "$TIENDO_DATA_DIR/national-rebuilt.json"
cmp -s "$TIENDO_DATA_DIR/national-incremental.json" "$TIENDO_DATA_DIR/national-rebuilt.json" \
  && echo "scorer: rebuild from the ledger equals the incremental projections" \
  || { echo "scorer: rebuild differs from the incremental projections" >&2; exit 1; }

step "Toàn quốc — National summary (as of 2025-12-31)"
tiendo score national --as-of 2025-12-31

echo
echo "Reports:"
ls -1 "$reports"/* | sed 's/^/  /'
