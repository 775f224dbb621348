"""mem.tmb's kernels keep the instruction mix their names promise, whichever compiler built
the binary: read back from the machine code of $TINYBEN (objdump -d).

A C kernel must stay scalar 8-byte moves (no vector registers, no memcpy/memset call, no
rep string instruction), and one loop iteration must move exactly 64 bytes (8 stores: not
unrolled further); a vector kernel must use only its own register width and store four
registers per iteration. These are what GCC's optimize attribute and clang's loop pragmas in
src/mem/tmb_kernels.c guarantee; a compiler or flag change that breaks them fails here.
Skipped (exit 77) when objdump is missing, the binary has no symbols (stripped) or carries
sanitizer checks."""
import re
import shutil
import subprocess
import sys
import unittest

import tbtest

SCALAR = ["c_copy", "c_copy_backwards", "c_copy_pf32", "c_copy_pf64", "c_fill"]
VECTOR = {"sse2": "xmm", "avx2": "ymm", "avx512": "zmm"}
KINDS = ["copy", "nt_copy", "fill", "nt_fill"]
# A store: any instruction whose last operand is a memory reference (AT&T syntax).
STORE = re.compile(r"^\s*[0-9a-f]+:\s+(\S+)\s+\S+,\s*-?(0x[0-9a-f]+)?\(%")
LOAD = re.compile(r"^\s*[0-9a-f]+:\s+mov\S*\s+-?(0x[0-9a-f]+)?\(%[^)]*\),\s*%")


def disassemble():
    if shutil.which("objdump") is None:
        print("objdump not found: cannot read the kernels' machine code", file=sys.stderr)
        sys.exit(77)
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", tbtest.TINYBEN],
                         capture_output=True, text=True, check=True).stdout
    funcs, name = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            name = m.group(1)
            funcs[name] = []
        elif name and line.strip():
            funcs[name].append(line)
    if any(n.startswith(("__asan_", "__ubsan_")) for n in funcs):
        print("a sanitizer build: its checks add calls to every loop, so only a build without "
              "them says what users run", file=sys.stderr)
        sys.exit(77)
    if "c_fill" not in funcs:
        print("no kernel symbols in the binary (stripped?)", file=sys.stderr)
        sys.exit(77)
    return funcs


FUNCS = disassemble()


def loop_body(lines):
    """The instructions of the function's (only) backward branch's loop."""
    addrs = [int(l.split(":")[0], 16) for l in lines]
    for i, l in enumerate(lines):
        m = re.search(r"\s(j\w+)\s+([0-9a-f]+) <", l)
        if m and m.group(1) != "jmp" and int(m.group(2), 16) < addrs[i]:
            start = addrs.index(int(m.group(2), 16))
            return lines[start:i + 1]
    return None


class Disasm(unittest.TestCase):
    def check_common(self, name):
        body = FUNCS.get(name)
        self.assertIsNotNone(body, f"{name} not in the binary (inlined or renamed?)")
        text = "\n".join(body)
        self.assertNotRegex(text, r"call|memcpy|memset|\brep\b", f"{name}: calls or rep")
        loop = loop_body(body)
        self.assertIsNotNone(loop, f"{name}: no loop found")
        return text, loop

    def test_c_kernels_stay_scalar_one_line_per_iteration(self):
        for name in SCALAR:
            with self.subTest(kernel=name):
                text, loop = self.check_common(name)
                self.assertNotRegex(text, r"%[xyz]mm", f"{name} was vectorised")
                stores = [l for l in loop if STORE.match(l)]
                self.assertEqual(len(stores), 8, f"{name}: {len(stores)} stores per iteration")
                if name != "c_fill":
                    loads = [l for l in loop if LOAD.match(l)]
                    self.assertEqual(len(loads), 8, f"{name}: {len(loads)} loads per iteration")

    def test_vector_kernels_keep_their_width(self):
        for isa, reg in VECTOR.items():
            for kind in KINDS:
                name = f"{isa}_{kind}"
                with self.subTest(kernel=name):
                    text, loop = self.check_common(name)
                    others = {"xmm", "ymm", "zmm"} - {reg}
                    used = {r for r in others if f"%{r}" in "\n".join(loop)}
                    self.assertEqual(used, set(), f"{name} uses {used} in its loop")
                    stores = [l for l in loop if STORE.match(l)]
                    self.assertEqual(len(stores), 4, f"{name}: {len(stores)} stores per loop")
                    self.assertTrue(all(f"%{reg}" in s for s in stores), name)
                    if kind.startswith("nt_"):
                        self.assertTrue(all("movnt" in s for s in stores), f"{name}: not nt")
                        self.assertIn("sfence", text)


if __name__ == "__main__":
    tbtest.main()
