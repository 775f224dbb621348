"""Writes a large tinyben CSV (for the streaming and memory tests): `rows` rows of a few
series spread over `runs` runs, with deterministic noise."""
import random
import sys

import tbtest


def write(out, rows, runs=20, series=8, seed=1, scale=1.0):
    rnd = random.Random(seed)
    # Without boot_id: the big files also check that old files still read.
    out.write(",".join(tbtest.HEADER_NO_BOOT_ID) + "\r\n")
    per_run = max(1, rows // runs)
    env = ("2026-11-25T12:00:00Z,{run},guest,none,,6.1.0-27-amd64,"
           "\"AMD EPYC 9654 96-Core Processor\",4,7936,0.1.0")
    buf = []
    for i in range(rows):
        run = f"big-{seed}-{i // per_run}"
        s = i % series
        v = (100.0 + 10 * s) * scale * (1 + 0.02 * rnd.random())
        buf.append(f"{env.format(run=run)},cpu,cpu.big,v{s},speed,MB/s,higher,{i},{v:.6g},ok,"
                   f"tag.k=v\r\n")
        if len(buf) == 10000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


if __name__ == "__main__":
    rows = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    series = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    write(sys.stdout, rows, runs=runs, series=series, seed=seed)
