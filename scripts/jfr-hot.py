#!/usr/bin/env python3
"""Where a flight recording's samples fall: the methods most often on top of the stack, and the
spdz4j methods nearest the top (the project's code that the time is spent under). Java code
(jdk.ExecutionSample) and native calls (jdk.NativeMethodSample: the C and CUDA kernels, waits
for the device) both count; the last table says how many of each.

    python3 scripts/jfr-hot.py JFR_TOOL RECORDING.jfr [ROWS]

JFR_TOOL is the JDK's jfr launcher (.gpu/jre/bin/jfr in the GPU bundle, jfr on a JDK's PATH).
"""
import collections
import re
import subprocess
import sys


def samples(jfr, recording):
    """Each sample's kind, thread and frames, top first."""
    text = subprocess.run([jfr, 'print', '--events', 'jdk.ExecutionSample,jdk.NativeMethodSample',
                           '--stack-depth', '64', recording], check=True, capture_output=True, text=True).stdout
    for kind, block in re.findall(r'^jdk\.(\w+) \{(.*?)^\}', text, re.M | re.S):
        thread = re.search(r'sampledThread = "([^"]*)"', block)
        frames = re.findall(r'^\s+([\w$.<>]+)\(.*\)\s+line:', block, re.M)
        if frames:
            yield kind, (thread.group(1) if thread else '?'), frames


def table(title, counter, total, rows):
    print(f'{title} ({total} samples)')
    for name, n in counter.most_common(rows):
        print(f'  {100.0 * n / total:5.1f}%  {name}')


def main():
    jfr, recording = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    top, ours, threads, kinds = (collections.Counter() for _ in range(4))
    for kind, thread, frames in samples(jfr, recording):
        kinds['in Java code' if kind == 'ExecutionSample' else 'in a native call'] += 1
        top[frames[0]] += 1
        ours[next((f for f in frames if f.startswith('org.spdz4j.')), '(no spdz4j frame)')] += 1
        threads[re.sub(r'\d+', 'N', thread)] += 1
    total = sum(top.values())
    if total == 0:
        print('no execution samples in', recording)
        return
    table('samples by the method on top', top, total, rows)
    table('by the spdz4j method nearest the top', ours, total, rows)
    table('by thread', threads, total, 8)
    table('by kind', kinds, total, 2)


if __name__ == '__main__':
    main()
