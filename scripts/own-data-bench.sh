#!/usr/bin/env bash
# The own-data benchmark of docs/benchmarks.md: a tabular network on a CSV data set and a
# 3-channel image network on an image folder, each trained in MPC beside its float twin (--twin).
#   scripts/own-data-bench.sh [WORK_DIR]     (default: a temporary folder, kept and printed)
# CSV: scikit-learn's copy of the Wisconsin breast-cancer data (569 rows, 30 features, 2 classes;
#   Debian: apt-get install python3-sklearn), every fifth row in test.csv.
# Images: "colour MNIST", made here from ../shared/data/mnist: the first 6,000 training and 1,000
#   test digits as 28x28 RGB PNGs, digit and background each in a random colour (seed 7), their
#   brightness at least 96 of 255 apart.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d /tmp/spdz4j-own-data.XXXXXX)}
mkdir -p "$work"
echo "data and networks in $work"
python3 - "$work" ../shared/data/mnist <<'PY'
import csv, gzip, os, random, struct, sys, zlib, glob
work, mnist = sys.argv[1], sys.argv[2]
found = glob.glob('/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv')
if not found:
    sys.exit('breast_cancer.csv not found: apt-get install python3-sklearn')
rows = list(csv.reader(open(found[0])))[1:]
os.makedirs(f'{work}/cancer', exist_ok=True)
for name, keep in (('train', lambda i: i % 5 != 0), ('test', lambda i: i % 5 == 0)):
    with open(f'{work}/cancer/{name}.csv', 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow([f'f{j + 1}' for j in range(30)] + ['label'])
        w.writerows(r for i, r in enumerate(rows) if keep(i))

def png(path, w, h, rgb):
    raw = b''.join(b'\x00' + bytes(rgb[y * w * 3:(y + 1) * w * 3]) for y in range(h))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))

def idx(name):
    for p in (f'{mnist}/{name}.gz', f'{mnist}/{name}'):
        if os.path.exists(p):
            return (gzip.open if p.endswith('.gz') else open)(p, 'rb').read()
    sys.exit(f'{name} not in {mnist}')

rnd = random.Random(7)
for name, prefix, count in (('train', 'train', 6000), ('test', 't10k', 1000)):
    px, lb = idx(f'{prefix}-images-idx3-ubyte')[16:], idx(f'{prefix}-labels-idx1-ubyte')[8:]
    for i in range(count):
        while True:   # two random colours whose brightness differs by at least 96 of 255
            fg = [rnd.randrange(256) for _ in range(3)]
            bg = [rnd.randrange(256) for _ in range(3)]
            if abs(sum(fg) - sum(bg)) / 3 >= 96:
                break
        out = []
        for p in px[i * 784:(i + 1) * 784]:
            a = p / 255
            out += [round(a * fg[c] + (1 - a) * bg[c]) for c in range(3)]
        d = f'{work}/colour/{name}/{lb[i]}'
        os.makedirs(d, exist_ok=True)
        png(f'{d}/{i:05d}.png', 28, 28, out)
PY
cat > "$work/cancer.yaml" <<'YAML'
input: [30]
layers:
  - dense: {in: 30, out: 16}
  - activation
  - split
  - dense: {in: 16, out: 2}
YAML
cat > "$work/colour.yaml" <<'YAML'
input: [3, 28, 28]
layers:
  - conv2d: {in: 3, out: 8, kernel: 3, padding: 1}
  - pool
  - activation
  - conv2d: {in: 8, out: 16, kernel: 3, padding: 1}
  - pool
  - activation
  - flatten
  - split
  - dense: {in: 784, out: 10}
YAML
set -x
./spdz train --data "$work/cancer" --network "$work/cancer.yaml" --epochs 10 --batch 32 --lr 0.05 --test-images 1000 --twin --no-progress
./spdz train --data "$work/colour" --network "$work/colour.yaml" --epochs 3 --batch 32 --test-images 1000 --twin --no-progress
