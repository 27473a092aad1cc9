#!/usr/bin/env bash
# Issue 34's WAN benchmark where each compute party has cores of its own (this 2-core machine
# shares two between three processes, so the micro-batches cannot compute while messages
# travel): on the device machine (16 cores), after scripts/gpu-bundle.sh made .gpu/ here,
# `spdz wan-bench` at batch 128 (the narrow network, exact ReLU and max pooling) at round trips
# 0 and 50 ms, loopback, 1,000 and 100 Mbit/s, on the native backend (P0 and P1 half the cores
# each, as spdz demo gives them). Writes wan-run.log to $OUT (or ./wan-out).
#
#   device tool, after issue 33's run: run(command="scripts/wan-run.sh", carry=[".gpu"], timeout_s=420)
#   rehearsal here: WAN_RUN_ARGS="--batch 32 --rtts 0 --bandwidths 0 --steps 3" scripts/wan-run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-wan-out}
mkdir -p "$out"
args=${WAN_RUN_ARGS:---batch 128 --rtts 0,50 --bandwidths 0,1000,100 --steps 8}
{
    echo "$(nproc) cores; spdz wan-bench $args --backend native"
    # shellcheck disable=SC2086 # the arguments are words
    timeout "${WAN_RUN_SECONDS:-400}" .gpu/jre/bin/java -jar .gpu/lib/spdz.jar wan-bench --data .gpu/shared/data/mnist \
        $args --backend native
    status=$?
    echo "status $status"
    exit $status
} 2>&1 | tee "$out/wan-run.log"
exit "${PIPESTATUS[0]}"
