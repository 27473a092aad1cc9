#!/usr/bin/env bash
# Packs what the GPU machine needs into .gpu/ (git-ignored; carry it with the device tool):
# a jlink runtime (that machine has no JDK), the application jar with the compiled C and CUDA
# kernels inside, JMH and the benchmark classes, the JUnit console and the device tests, and
# the first 1,024 MNIST training images (the whole bundle must stay under the tool's 64 MiB). Then scripts/gpu-run.sh runs everything there in one call.
#
#   scripts/gpu-bundle.sh [mnist-dir]        # default ../shared/data/mnist
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/mnist}
junit=1.11.4

command -v nvcc >/dev/null || { echo "nvcc not on the PATH: the bundle would have no CUDA kernels" >&2; exit 1; }
mvn -B -q install -DskipTests
rm -rf .gpu
mkdir -p .gpu/lib .gpu/test .gpu/shared/data
unzip -Z1 app/target/spdz.jar linux-x86-64/libspdz4j_cuda.so >/dev/null 2>&1 \
    || { echo "app/target/spdz.jar lacks libspdz4j_cuda.so" >&2; exit 1; }

# the modules jdeps lists for the jars but java.desktop (PNG reading, not run there), plus logging (JUnit) and EC keys (TLS)
jlink --add-modules java.base,java.logging,java.management,java.naming,java.sql,jdk.unsupported,jdk.crypto.ec \
      --strip-debug --no-man-pages --no-header-files --compress=2 --output .gpu/jre
strip --strip-unneeded .gpu/jre/lib/server/libjvm.so      # its symbols are 4 MB of the 64 MiB

cp app/target/spdz.jar bench/target/spdz-bench-*-SNAPSHOT.jar spdz-core/target/spdz-core-*-tests.jar .gpu/lib/
chmod u+w .gpu/lib/spdz.jar
command -v zip >/dev/null || { echo "zip is needed (apt-get install zip)" >&2; exit 1; }
zip -q -d .gpu/lib/spdz.jar 'META-INF/native/libnetty_tcnative_linux_aarch_64.so'   # that machine is x86-64
mvn -B -q dependency:copy-dependencies -pl bench -DincludeGroupIds=org.openjdk.jmh,net.sf.jopt-simple,org.apache.commons \
    -DexcludeArtifactIds=jmh-generator-annprocess \
    -DoutputDirectory="$PWD/.gpu/lib"
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit \
    -DoutputDirectory="$PWD/.gpu/lib"
cp -r native/target/test-classes .gpu/test/native
cp -r app/target/test-classes .gpu/test/app
mkdir -p .gpu/shared/data/mnist
python3 - "$data" .gpu/shared/data/mnist 1024 <<'PY'
import gzip, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name, header, item in (('train-images-idx3-ubyte', 16, 784), ('train-labels-idx1-ubyte', 8, 1)):
    raw = gzip.open(f'{src}/{name}.gz').read()
    head = bytearray(raw[:header])
    head[4:8] = struct.pack('>I', n)          # the IDX count field
    with gzip.open(f'{dst}/{name}.gz', 'wb') as f:
        f.write(bytes(head) + raw[header:header + n * item])
PY
chmod -R u+w .gpu
bytes=$(du -sb .gpu | cut -f1)
echo ".gpu: $bytes bytes (the limit: $((64 << 20)))"
[ "$bytes" -lt $((64 << 20)) ] || { echo ".gpu is over the device tool's 64 MiB" >&2; exit 1; }
