#!/usr/bin/env python3
"""Writes tinyben(1) from the built binary itself: `tinyben --help` names the verbs and the exit
codes, `tinyben VERB --help` gives each verb's synopsis and options, `tinyben list --json
--options` the benchmarks and their --set keys. The man page is made from the same tables as
--help, so a new verb or option appears in it without anyone editing this file.

usage: mkman.py TINYBEN OUTPUT
"""
import json
import os
import re
import subprocess
import sys
import time


def help_text(binary, *args):
    # Help goes to stdout with exit 0; a verb that printed nothing is left out, not faked.
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"mkman: '{' '.join(['tinyben', *args])}' exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def esc(s):
    """Text into troff: backslashes, and hyphens of options as minus signs (copyable)."""
    s = s.replace("\\", "\\e")
    s = re.sub(r"(?<![\w])-", r"\\-", s)
    return s


def line(s):
    """One output line; a leading dot or quote would be a request."""
    s = esc(s)
    return "\\&" + s if s[:1] in (".", "'") else s


def verbs_and_exit_codes(top):
    verbs, codes = [], []
    lines = top.splitlines()
    for i, l in enumerate(lines):
        m = re.match(r"^  ([a-z][a-z-]*)\s{2,}(.*)$", l)
        if m:
            verbs.append((m.group(1), m.group(2)))
        if l.startswith("exit codes:"):
            text = " ".join([l[len("exit codes:"):]] + [x.strip() for x in lines[i + 1:]])
            for part in re.split(r",\s*(?=\d+ )", text.strip()):
                code, _, what = part.strip().partition(" ")
                codes.append((code, what))
    return verbs, codes


USAGE = re.compile(r"^usage:\s+(tinyben\s.*?)(?:\s{3,}\(.*)?$")
OPTION = re.compile(r"^\s{1,8}(-\S.*?)(?:\s{2,}(.*))?$")


def verb_section(name, summary, text):
    """A verb's help as troff: synopsis lines in bold, options as tagged paragraphs, the rest
    as running text."""
    out = [f'.SS "{name}"', line(summary[:1].upper() + summary[1:] + ".")]
    para, opt = [], None

    def flush():
        nonlocal para, opt
        if opt:
            out.extend([".TP", "\\fB" + esc(opt[0]) + "\\fR", line(" ".join(opt[1]))])
        elif para:
            out.extend([".PP", line(" ".join(para))])
        para, opt = [], None

    for raw in text.splitlines():
        s = raw.strip()
        if not s:
            flush()
            continue
        syn = re.match(r"^(?:usage:\s+|\s+)(tinyben\s.*)$", raw)
        if syn:
            flush()
            out.extend([".PP", ".nf", "\\fB" + esc(syn.group(1).strip()) + "\\fR", ".fi"])
            continue
        m = OPTION.match(raw)
        if m:
            flush()
            opt = (m.group(1).strip(), [m.group(2)] if m.group(2) else [])
            continue
        if opt and raw.startswith("   "):
            opt[1].append(s)
            continue
        if opt:
            flush()
        para.append(s)
    flush()
    return out


def variants_text(variants):
    # mem.latency has one variant per block size and method: name the pattern, not 200 names.
    if len(variants) <= 24:
        return ", ".join(variants)
    return ", ".join(variants[:6]) + f", ... ({len(variants)} in all: tinyben list)"


def bench_sections(listing):
    out = [".SH BENCHMARKS",
           "Select with \\fB\\-b\\fR \\fIBENCH\\fR or \\fIBENCH\\fR:\\fIVARIANT\\fR (shell globs)."]
    opts = [".SH BENCHMARK OPTIONS",
            "Each is given as \\fB\\-\\-set\\fR \\fIBENCH.KEY\\fR=\\fIVALUE\\fR; "
            "the default is shown, and the value \\fB\\-\\-quick\\fR uses where it differs."]
    for b in listing:
        out.extend([".TP", f"\\fB{esc(b['name'])}\\fR ({esc(b['group'])})",
                    line(b["description"] + "."), ".br",
                    line("Variants: " + variants_text(b["variants"]) + "."), ".br",
                    line("Metrics: " + ", ".join(f"{m['name']} ({m['unit']}, {m['better']} is better)"
                                                 for m in b["metrics"]) + ".")])
        for o in b.get("options", []):
            kind = o["type"]
            if "choices" in o:
                kind = "one of " + ", ".join(o["choices"])
            elif "min" in o:
                kind = f"{o['type']}, {o['min']}..{o['max']}"
            default = f"default {o['default'] or 'empty'}"
            if o.get("quick", o["default"]) != o["default"]:
                default += f", \\-\\-quick {esc(o['quick'])}"
            opts.extend([".TP", f"\\fB{esc(b['name'])}.{esc(o['name'])}\\fR ({esc(kind)}; {default})",
                         line(o["help"][:1].upper() + o["help"][1:] + ".")])
    return out + opts


STATIC_HEAD = r"""
.SH DESCRIPTION
.B tinyben
is one statically linked binary that runs inside a guest, detects its
confidential-computing level (AMD SEV, SEV-ES, SEV-SNP, Intel TDX, or none), runs CPU,
memory and I/O benchmarks, and writes every measured sample as one CSV row tagged with that
level, so that a plain guest and a confidential guest can be compared with
.BR "tinyben compare" " and " "tinyben report" .
Progress and the summary go to standard error, results to standard output or the file of
.BR \-o .
Warm-up runs are never written; every measured repetition is.
.PP
Each verb takes
.B \-h
or
.B \-\-help
and prints the usage shown below. A malformed option value is one error line and exit
status 2, before anything runs.
"""

STATIC_TAIL = r"""
.SH ENVIRONMENT
.TP
.B TMPDIR
Where io.redis puts the private socket of the redis-server it starts, and where other
temporary files go (default /tmp). Every temporary file is removed at the end, on errors and
on Ctrl-C.
.TP
.B TINYBEN_NO_IO_URING
Set to 1: io.uring uses pread/pwrite (engine psync) even where io_uring works.
.TP
.B PATH
Where io.redis finds
.BR redis-server ;
without one (and without
.BR \-\-redis )
its rows are skipped.
.SH FILES
.TP
.IR FILE " of " \-o
Results (CSV, or JSON Lines for .json or
.BR "\-\-format json" ).
An existing file is never replaced without
.BR \-\-force .
Rows are written after every variant and fdatasync'ed.
.TP
.IR DIR " of " \-\-dir
io.sqlite's database and io.uring's test file are created here (default: the current
directory) and removed afterwards.
.TP
.B /dev/cpu/0/msr
The SEV_STATUS MSR (as root; the msr module is loaded when needed).
.TP
.BR /dev/kmsg ", " /proc/meminfo ", " /sys/devices/system/cpu
The kernel log, CPUs and memory: detection, pinning and the free-memory check.
.TP
.BR /sys/kernel/config/tsm/report ", " /dev/sev\-guest ", " /dev/tdx_guest
Where
.B attest
asks for an attestation report, in that order.
.TP
.BR /sys/kernel/mm/transparent_hugepage/enabled ", " /proc/sys/kernel/io_uring_disabled
What mem.latency, mem.firsttouch and io.uring may use.
.TP
.BR /proc/ PID /mem ", " /proc/ PID /smaps
What
.B scan
reads of the VM process it is given.
.SH SEE ALSO
.BR lz4 (1),
.BR fio (1),
.BR redis\-benchmark (1),
.BR mbw (1),
.BR sqlite3 (1).
The manuals under /usr/share/doc/tinyben and docs/ of the source tree: USAGE.md,
CONTRACT.md (the CSV), BENCHMARKS.md, COMPARING.md, ATTESTATION.md, GUESTS.md, FLEET.md,
KUBERNETES.md, PACKAGING.md.
"""


EXAMPLES = [
    ("tinyben run --quick", "every benchmark, small sizes (~40 s)"),
    ("tinyben run -o plain.csv", "the full suite into plain.csv"),
    ("tinyben run -b 'mem.*' --runs 5 -o snp.csv", "5 fresh runs of the memory benchmarks"),
    ("tinyben run -b mem.mbw:MEMCPY -r 10 --set mem.mbw.size_mib=256 --tag guest=snp", ""),
    ("tinyben compare plain.csv snp.csv --margin 2", "is snp within 2% of plain?"),
    ("tinyben report -o report.html plain.csv snp.csv", ""),
    ("tinyben detect --json", ""),
    ("tinyben attest --bind snp.csv -o report.bin", "report_data = SHA-512(snp.csv)"),
    ("tinyben attest verify report.bin --vcek vcek.der --chain ask_ark.pem --bound snp.csv", ""),
    ("tinyben exec -r 3 --prepare 'make clean' -o build.csv -- make -j4", ""),
]


def examples():
    width = max(len(c) for c, why in EXAMPLES if why) + 2
    out = [".SH EXAMPLES", ".nf"]
    out += [line(c.ljust(width) + "# " + why if why else c) for c, why in EXAMPLES]
    return out + [".fi"]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkman.py TINYBEN OUTPUT")
    binary, output = sys.argv[1], sys.argv[2]
    top = help_text(binary, "--help")
    version = help_text(binary, "--version").split()[-1]
    what = top.splitlines()[0].partition(": ")[2] or "benchmarks for confidential VMs"
    verbs, codes = verbs_and_exit_codes(top)
    if not verbs or not codes:
        sys.exit("mkman: 'tinyben --help' lists no verbs or no exit codes")
    listing = [json.loads(l) for l in help_text(binary, "list", "--json", "--options").splitlines() if l]
    # Reproducible: the date of SOURCE_DATE_EPOCH (dpkg sets it from the changelog), else none.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    date = time.strftime("%Y-%m-%d", time.gmtime(int(epoch))) if epoch else ""

    out = [f'.TH TINYBEN 1 "{date}" "tinyben {esc(version)}" "User Commands"',
           ".nh", ".ad l", ".SH NAME", "tinyben \\- " + esc(what),
           ".SH SYNOPSIS", ".nf"]
    helps = {v: help_text(binary, v, "--help") for v, _ in verbs}
    for v, _ in verbs:
        usage = [m.group(1) for m in map(USAGE.match, helps[v].splitlines()) if m]
        out.append("\\fB" + esc(usage[0] if usage else f"tinyben {v}") + "\\fR")
    out += ["\\fBtinyben\\fR \\fIVERB\\fR \\fB\\-\\-help\\fR", "\\fBtinyben \\-\\-version\\fR", ".fi"]
    out += STATIC_HEAD.strip("\n").splitlines()
    out.append(".SH COMMANDS")
    for v, summary in verbs:
        out += verb_section(v, summary, helps[v])
    out += bench_sections(listing)
    out.append(".SH EXIT STATUS")
    for code, what in codes:
        out.extend([".TP", f"\\fB{code}\\fR", line(what[:1].upper() + what[1:] + ".")])
    tail = STATIC_TAIL.strip("\n").splitlines()
    see_also = tail.index(".SH SEE ALSO")
    out += tail[:see_also] + examples() + tail[see_also:]
    tmp = output + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, output)


if __name__ == "__main__":
    main()
