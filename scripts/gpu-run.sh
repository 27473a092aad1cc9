#!/usr/bin/env bash
# Runs on the GPU machine, in the repository root, after scripts/gpu-bundle.sh made .gpu/ here,
# everything issue 33 asks for in one call of under 8 minutes:
#   1. the CUDA tests (required there: every kernel bit-exact with Java, a profiled run too, and
#      the seed network's training step revealing Java's model);
#   2. ring matmul MAC/s at 32x288x3136 and 32x288x25088 for java, cpu, native and cuda, and the
#      Java and C backends (cpu, native) from 1 to 16 threads;
#   3. seconds per step at batch 128 on cuda against java and native, same seeds, revealed
#      models compared: the narrow network with exact ReLU and max pooling, and the seed network
#      with the polynomial and average pooling;
#   4. the narrow network as three processes over TLS on cuda, 10 steps (compute against waiting);
#   5. training on cuda for the minutes left, then the test accuracy, with the device profile
#      (kernels and copies by kind) and a flight recording (where the host's time goes).
# Writes the log and the result files to $OUT (or ./gpu-out); prints the JFR summary.
#
#   device tool: run(command="scripts/gpu-run.sh", carry=[".gpu"], timeout_s=540)
#   a second run, the matrix products already measured: run(command="GPU_RUN_MATMUL=0 scripts/gpu-run.sh", ...)
#   rehearsal without a GPU: GPU_RUN_BACKEND=native GPU_RUN_SECONDS=330 scripts/gpu-run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-out}
mkdir -p "$out"
java=.gpu/jre/bin/java
jar=.gpu/lib/spdz.jar
data=.gpu/shared/data/mnist
cores=$(nproc)
gpu=${GPU_RUN_BACKEND:-cuda}           # the backend under test; native for a rehearsal on a CPU
budget=${GPU_RUN_SECONDS:-450}         # the whole script; the training run takes what is left
matmul=${GPU_RUN_MATMUL:-1}            # 0 leaves out the matrix product benchmarks (75 s), for a second run
status=0

section() { echo; echo "== $* ($SECONDS s in)"; }
# jmh PATTERN CSV PARAMS...: a short JMH run of Ring128MatmulBenchmark, MAC/s per backend and threads
jmh() {
    local pattern=$1 csv=$2
    shift 2
    timeout 150 $java -cp ".gpu/lib/*" org.openjdk.jmh.Main "$pattern" "$@" -wi 1 -w 1 -i 2 -r 1 -f 1 \
        -rf csv -rff "$out/$csv" >/dev/null || { echo "JMH $pattern failed"; status=1; return; }
    awk -F, 'NR > 1 { gsub(/"/, ""); n = split($1, b, "."); printf "  %-18s %-7s %3s threads %10.2f GMAC/s\n", b[n], $8, $9, $5 / 1e9 }' \
        "$out/$csv"
}
# compare NAME ARGS...: compare-backends at batch 128, 3 steps (the first not timed); keeps its output in $out/NAME.txt
compare() {
    local name=$1
    shift
    timeout 180 $java -jar $jar compare-backends --data $data --backend $gpu --batch 128 --steps 3 "$@" \
        | tee "$out/$name.txt" || status=1
}

{
    [ "$gpu" = cuda ] && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    echo "$cores cores; backend under test: $gpu; budget ${budget} s"

    section "tests"
    require=false
    [ "$gpu" = cuda ] && require=true
    timeout 150 $java -Dspdz4j.requireCuda=$require -Dspdz4j.repoRoot=.gpu/repo \
        -jar .gpu/lib/junit-platform-console-standalone-*.jar \
        execute --disable-banner --details=summary --fail-if-no-tests \
        -cp .gpu/test/native:.gpu/test/training:$(ls .gpu/lib/spdz-core-*-tests.jar):$(ls .gpu/lib/spdz-data-*-tests.jar):$jar \
        --select-class org.spdz4j.accel.CudaRingBackendTest --select-class org.spdz4j.accel.DeviceEmulationTest \
        --select-class org.spdz4j.accel.CpuRingBackendTest --select-class org.spdz4j.training.BackendStepTest || status=1

    if [ "$matmul" = 1 ]; then
        section "ring matmul 32x288 times 288xN (matmul: N = 3136, matmulWholeBatch: N = 25088), $cores threads"
        backends=java,cpu,native
        [ "$gpu" = cuda ] && backends=$backends,cuda
        jmh 'Ring128MatmulBenchmark.matmul' matmul.csv -p backend=$backends -p threads=$cores
        section "ring matmul, N = 3136, the Java and C backends (cpu, native) from 1 to 16 threads"
        jmh 'Ring128MatmulBenchmark.matmul$' threads.csv -p backend=java,cpu,native -p threads=1,2,4,8,16
    fi

    section "training steps at batch 128, same seeds: seconds per step, revealed models identical"
    for reference in java native; do
        [ "$reference" = "$gpu" ] || compare "narrow-$reference" --network narrow --activation relu --pool max --reference $reference
    done
    compare seed-java --network seed --activation poly --pool avg --reference java

    section "three processes over mutual TLS on $gpu, batch 128, 10 steps: compute against waiting (transport)"
    timeout 150 $java -jar $jar demo --data $data --network narrow --activation relu --pool max --batch 128 \
        --train-images 1280 --test-images 0 --backend $gpu --no-progress > "$out/demo.txt" 2>&1 || status=1
    grep -E '^P0: |^dealer: |^total' "$out/demo.txt"

    section "training on $gpu for the time left, the device profile and a flight recording on"
    perstep=$(awk '/s\/step/ { s = $(NF - 1) } END { print s + 0 }' "$out/narrow-java.txt" 2>/dev/null)
    left=$((budget - SECONDS - 60))                   # 60 s: starting, the test set, the profile's waits
    steps=$(awk -v left=$left -v s="$perstep" 'BEGIN { n = (s > 0 && left > 0) ? int(left / (s * 1.5)) : 0; print n }')
    images=$(python3 -c "import gzip, sys; print(int.from_bytes(gzip.open(sys.argv[1]).read(8)[4:], 'big'))" \
        $data/train-images-idx3-ubyte.gz)
    epochs=$((steps * 128 / images))                  # whole passes over the bundle's images, if that many fit
    [ "$epochs" -ge 1 ] && train="--train-images $images --epochs $epochs" || train="--train-images $((steps * 128))"
    if [ "$steps" -lt 2 ]; then
        echo "no time left for a training run ($left s left, ${perstep:-?} s a step)"
    else
        echo "about $steps steps: $train ($left s left at ${perstep} s a step, and half again for the profile's waits)"
        timeout $((left + 90)) $java -Dspdz4j.deviceProfile=true -Xlog:jfr+startup=error \
            -XX:StartFlightRecording=filename=$out/train.jfr,settings=default,dumponexit=true \
            -jar $jar train --data $data --network narrow --activation relu --pool max --batch 128 \
            --lr 0.02 --lr-schedule cosine $train --test-images 10000 --backend $gpu --no-progress || status=1
        python3 scripts/jfr-hot.py .gpu/jre/bin/jfr "$out/train.jfr" || true
    fi
    section "done, status $status"
    exit $status
} 2>&1 | tee "$out/gpu-run.log"
exit "${PIPESTATUS[0]}"
