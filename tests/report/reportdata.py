"""Input CSVs for the report tests: real tinyben runs, and crafted rows for other groups."""
import csv
import random

import tbtest

MBW_TINY = ["-b", "mem.mbw", "--quick", "--set", "mem.mbw.size_mib=4", "--min-time", "0.01", "-q"]

# Crafted series: (group, bench, variant, metric, unit, better, typical value).
CRAFTED = [
    ("cpu", "cpu.lz4", "compress", "speed", "MB/s", "higher", 520.0),
    ("cpu", "cpu.lz4", "decompress", "speed", "MB/s", "higher", 3100.0),
    ("cpu", "cpu.exits", "cpuid", "cost", "ns", "lower", 95.0),
    ("cpu", "cpu.exits", "getpid", "cost", "ns", "lower", 60.0),
    ("io", "io.sqlite", "insert", "rate", "ops/s", "higher", 41000.0),
    ("io", "io.redis", "SET", "rps", "req/s", "higher", 88000.0),
    ("io", "io.uring", "randread-4k", "iops", "IO/s", "higher", 51000.0),
]
LAT_SIZES = [1 << k for k in range(12, 27, 2)]  # 4 KiB .. 64 MiB


def run_real(path, tag):
    """Runs the real binary (tiny mem.mbw) into path; returns the parsed rows."""
    p = tbtest.run("run", *MBW_TINY, "--tag", f"guest={tag}", "-o", path)
    assert p.returncode == 0, p.stderr
    return tbtest.read_csv(path)


def env_row(cc_level, run_id):
    return {"timestamp": "2026-11-25T12:00:00Z", "run_id": run_id, "host": "guest-" + cc_level,
            "cc_level": cc_level, "cc_features": "SEV SEV-ES SEV-SNP" if cc_level == "sev-snp" else "",
            "kernel": "6.1.0-27-amd64", "cpu_model": "AMD EPYC 9654 96-Core Processor",
            "vcpus": "4", "mem_mib": "7936", "tinyben_version": "0.1.0"}


def craft(path, cc_level, run_id, slow=1.0, seed=1, reps=5, extra_rows=(), skip=True,
          latency=True, series=CRAFTED):
    """Writes a CSV with crafted samples: every value is `slow` times worse than the base
    figure, with a few percent of deterministic noise."""
    rnd = random.Random(seed)
    rows = []
    env = env_row(cc_level, run_id)
    for group, bench, variant, metric, unit, better, v in series:
        for rep in range(1, reps + 1):
            val = (v / slow if better == "higher" else v * slow) * rnd.uniform(0.97, 1.03)
            rows.append(dict(env, group=group, bench=bench, variant=variant, metric=metric,
                             unit=unit, better=better, rep=str(rep), value=f"{val:.6g}",
                             status="ok", detail=f"tag.guest={cc_level}"))
    if latency:
        for mode in ("single", "dual"):
            for b in LAT_SIZES:
                base = 1.5 if b <= 32768 else 5 if b <= 1 << 20 else 30 if b <= 1 << 24 else 95
                base *= 1.6 if mode == "dual" else 1.0
                extra = slow if b > 1 << 20 else 1.0
                for rep in range(1, reps + 1):
                    val = base * extra * rnd.uniform(0.97, 1.03)
                    rows.append(dict(env, group="mem", bench="mem.latency",
                                     variant=f"{mode}-4k-{b}", metric="latency", unit="ns",
                                     better="lower", rep=str(rep), value=f"{val:.5g}",
                                     status="ok", detail=f"block_bytes={b} pages=4k"))
    if skip:
        rows.append(dict(env, group="io", bench="io.uring", variant="randwrite-4k", metric="",
                         unit="", better="", rep="", value="", status="skipped",
                         detail="io_uring disabled by kernel.io_uring_disabled=2"))
    rows.extend(dict(env, **r) for r in extra_rows)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=tbtest.HEADER, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
    return rows
