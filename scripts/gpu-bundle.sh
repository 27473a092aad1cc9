#!/usr/bin/env bash
# Packs what the GPU machine needs into .gpu/ (git-ignored; carry it with the device tool):
# a jlink runtime (that machine has no JDK; JFR included), the application jar with the compiled
# C and CUDA kernels inside, JMH and the benchmark classes, the JUnit console and the device
# tests (native's and training's, with the test jars they use), and the first 8,000 MNIST
# training images with the 10,000 test images (the bundle and the repository's files travel
# together, and must stay under the tool's 64 MiB). Then scripts/gpu-run.sh runs everything there
# in one call.
#
#   scripts/gpu-bundle.sh [mnist-dir [training-images]]   # default ../shared/data/mnist, 8000
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/mnist}
images=${2:-8000}
junit=1.11.4

command -v nvcc >/dev/null || { echo "nvcc not on the PATH: the bundle would have no CUDA kernels" >&2; exit 1; }
mvn -B -q install -DskipTests
rm -rf .gpu
mkdir -p .gpu/lib .gpu/test .gpu/shared/data
unzip -Z1 app/target/spdz.jar linux-x86-64/libspdz4j_cuda.so >/dev/null 2>&1 \
    || { echo "app/target/spdz.jar lacks libspdz4j_cuda.so" >&2; exit 1; }

# the modules jdeps lists for the jars but java.desktop (PNG reading, not run there), plus logging (JUnit), EC keys (TLS)
# and the flight recorder (where a step's host time goes)
jlink --add-modules java.base,java.logging,java.management,java.naming,java.sql,jdk.unsupported,jdk.crypto.ec,jdk.jfr \
      --strip-debug --no-man-pages --no-header-files --compress=2 --output .gpu/jre
strip --strip-unneeded .gpu/jre/lib/server/libjvm.so      # its symbols are 4 MB of the 64 MiB

cp app/target/spdz.jar bench/target/spdz-bench-*-SNAPSHOT.jar spdz-core/target/spdz-core-*-tests.jar \
   data/target/spdz-data-*-tests.jar .gpu/lib/
chmod u+w .gpu/lib/spdz.jar
command -v zip >/dev/null || { echo "zip is needed (apt-get install zip)" >&2; exit 1; }
# what that machine never loads, for room under the 64 MiB: the other platforms' native libraries
# (it is x86-64), the PDF and vector graphics behind XChart (no chart is drawn there), Bouncy
# Castle's post-quantum classes (certificates here are EC, through the JDK's providers) and its
# message and protocol suites (time stamps, EST, S/MIME, OER, ITS, EAC: keys and
# certificates use asn1, cert, cms, operator, openssl and pkcs), and commons-codec's phonetic encoders
zip -q -d .gpu/lib/spdz.jar 'META-INF/native/libnetty_tcnative_linux_aarch_64.so' 'org/apache/pdfbox/*' \
    'org/apache/fontbox/*' 'de/*' 'org/bouncycastle/pqc/*' 'org/bouncycastle/tsp/*' \
    'org/bouncycastle/est/*' 'org/bouncycastle/mime/*' 'org/bouncycastle/oer/*' 'org/bouncycastle/its/*' \
    'org/bouncycastle/eac/*' 'org/apache/commons/codec/language/*'
unzip -Z1 .gpu/lib/spdz.jar | grep -E '^com/sun/jna/[^/]+/(lib)?jnidispatch|^org/jline/nativ/[^/]+/[^/]+/.' \
    | grep -v -E '/linux-x86-64/|/Linux/x86_64/' | xargs zip -q -d .gpu/lib/spdz.jar
mvn -B -q dependency:copy-dependencies -pl bench -DincludeGroupIds=org.openjdk.jmh,net.sf.jopt-simple,org.apache.commons \
    -DexcludeArtifactIds=jmh-generator-annprocess \
    -DoutputDirectory="$PWD/.gpu/lib"
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit \
    -DoutputDirectory="$PWD/.gpu/lib"
cp -r native/target/test-classes .gpu/test/native
cp -r training/target/test-classes .gpu/test/training
mkdir -p .gpu/shared/data/mnist
# the first $images training images (the count field rewritten) and the whole test set
python3 - "$data" .gpu/shared/data/mnist "$images" <<'PY'
import gzip, os, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def read(name):
    path = f'{src}/{name}'
    return gzip.open(path + '.gz').read() if os.path.exists(path + '.gz') else open(path, 'rb').read()
for name, header, item in (('train-images-idx3-ubyte', 16, 784), ('train-labels-idx1-ubyte', 8, 1)):
    raw = read(name)
    head = bytearray(raw[:header])
    head[4:8] = struct.pack('>I', n)          # the IDX count field
    with gzip.open(f'{dst}/{name}.gz', 'wb') as f:
        f.write(bytes(head) + raw[header:header + n * item])
for name in ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'):
    with gzip.open(f'{dst}/{name}.gz', 'wb') as f:
        f.write(read(name))
PY
chmod -R u+w .gpu
bytes=$(du -sb .gpu | cut -f1)
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
echo ".gpu: $bytes bytes, with the repository's files $((bytes + tree)) (the limit: $((64 << 20)))"
[ $((bytes + tree)) -lt $((64 << 20)) ] || { echo ".gpu and the repository are over the device tool's 64 MiB" >&2; exit 1; }
