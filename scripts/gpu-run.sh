#!/usr/bin/env bash
# Runs on the GPU machine, in the repository root, after scripts/gpu-bundle.sh made .gpu/ here:
# the CUDA tests (bit-exactness of every kernel, the seed network's training step equal to the
# Java backend's), the ring matmul benchmark for java, cpu and cuda, and the step-time
# comparison. Writes the log to $OUT (or ./gpu-out).
#
#   device tool: run(command="scripts/gpu-run.sh", carry=[".gpu"])
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-out}
mkdir -p "$out"
java=.gpu/jre/bin/java
cores=$(nproc)
status=0
{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    echo "== tests"
    $java -Dspdz4j.requireCuda=true -Dspdz4j.repoRoot=.gpu/repo -jar .gpu/lib/junit-platform-console-standalone-*.jar \
        execute --disable-banner --details=summary --fail-if-no-tests \
        -cp .gpu/test/native:.gpu/test/app:$(ls .gpu/lib/spdz-core-*-tests.jar):.gpu/lib/spdz.jar \
        --select-class org.spdz4j.accel.CudaRingBackendTest --select-class org.spdz4j.accel.DeviceEmulationTest \
        --select-class org.spdz4j.accel.CpuRingBackendTest --select-class org.spdz4j.app.BackendStepTest || status=1
    echo "== ring matmul, 32x288 times 288xN, MAC/s"
    $java -cp ".gpu/lib/*" org.openjdk.jmh.Main Ring128MatmulBenchmark -p backend=java,cpu,cuda -p threads=$cores \
        -wi 2 -w 1 -i 3 -r 2 -f 1 -rf csv -rff "$out/matmul.csv" || status=1
    # the table for README: GMAC/s per backend and shape
    awk -F, 'NR > 1 { gsub(/"/, ""); n = split($1, b, "."); printf "%-20s %-5s %10.2f GMAC/s\n", b[n], $8, $5 / 1e9 }' \
        "$out/matmul.csv"
    echo "== training steps, seed network, batch 128"
    for reference in java cpu; do
        $java -jar .gpu/lib/spdz.jar compare-backends --data .gpu/shared/data/mnist --backend cuda \
            --reference $reference --steps 3 || status=1
    done
    exit $status
} 2>&1 | tee "$out/gpu-run.log"
exit "${PIPESTATUS[0]}"
