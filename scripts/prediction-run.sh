#!/usr/bin/env bash
# Private prediction end to end, as docs/prediction.md reports it:
#   1. spdz demo trains with --keep-shared: the model is never revealed, P0 and P1 each keep a share;
#   2. spdz serve (P0, P1, the dealer) answers spdz classify, a client with the MNIST test images;
#   3. for the comparison only, combine-shares rebuilds the model (what P0's revealed model would have
#      been) and predict --data measures its accuracy in the clear on the same images.
# Usage: scripts/prediction-run.sh [work dir] ; TRAIN_IMAGES (6400), TEST_IMAGES (10000), BATCH (100).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-/tmp/spdz-prediction}
DATA=${DATA:-../shared/data/mnist}
TRAIN_IMAGES=${TRAIN_IMAGES:-6400}
TEST_IMAGES=${TEST_IMAGES:-10000}
BATCH=${BATCH:-100}
rm -rf "$D" && mkdir -p "$D" && chmod 700 "$D"

./spdz demo --data "$DATA" --train-images "$TRAIN_IMAGES" --keep-shared "$D/shares" --no-progress | tee "$D/train.log"

./spdz keygen --role P0,P1,DEALER,CLIENT0 --out "$D/keys" > "$D/fingerprints.txt"
fp() { awk -v r="$1" '$1 == r { print $3 }' "$D/fingerprints.txt"; }
cat > "$D/run.yaml" <<YAML
version: 1
tls: true
roles:
  P0:      {host: 127.0.0.1, port: 7311, fingerprint: $(fp P0)}
  P1:      {host: 127.0.0.1, port: 7312, fingerprint: $(fp P1)}
  DEALER:  {host: 127.0.0.1, port: 7313, fingerprint: $(fp DEALER)}
  CLIENT0: {host: 127.0.0.1, port: 7314, fingerprint: $(fp CLIENT0)}
YAML
common=(--config "$D/run.yaml" --keys "$D/keys" --timeout 300)
serving=(--sessions 1 --batch "$BATCH" --max-request "$TEST_IMAGES")
./spdz serve --id 0 --model "$D/shares/P0.share" "${common[@]}" "${serving[@]}" > "$D/P0.log" 2>&1 &
./spdz serve --id 1 --model "$D/shares/P1.share" "${common[@]}" "${serving[@]}" > "$D/P1.log" 2>&1 &
./spdz serve --dealer "${common[@]}" "${serving[@]}" > "$D/DEALER.log" 2>&1 &
start=$(date +%s)
./spdz classify --id 0 --data "$DATA" --test-images "$TEST_IMAGES" "${common[@]}" | tee "$D/CLIENT0.log"
wait
echo "classify took $(( $(date +%s) - start )) s (JVM starts included)"
cat "$D/P0.log"

./spdz combine-shares --shares "$D/shares" --save-model "$D/revealed.spdz" > /dev/null
./spdz predict --model "$D/revealed.spdz" --data "$DATA" --test-images "$TEST_IMAGES"
