"""A test key hierarchy and SNP reports signed by it, made at test time with the openssl CLI.

AMD's chain is ARK (self-signed RSA) -> ASK (RSA) -> VCEK (ECDSA P-384), the RSA
signatures RSASSA-PSS with SHA-384 (AMD 57230, "VCEK Certificate"); the VCEK carries AMD's
extensions for the TCB it was derived at (1.3.6.1.4.1.3704.1.3.x, SPLs as INTEGERs) and the
chip (1.3.6.1.4.1.3704.1.4, hwID = chip_id). The RSA keys are 2048-bit here instead of
AMD's 4096 only to keep key generation short on a shared machine; nothing checked depends
on the size. Reports follow the SEV-SNP ABI ATTESTATION_REPORT (1184 bytes)."""
import hashlib
import os
import struct
import subprocess

REPORT_SIZE = 1184
SIGNED = 0x2A0

# TCB_VERSION bytes (Milan/Genoa): boot loader, TEE, 4 reserved, SNP, microcode.
MILAN_TCB = bytes([3, 0, 0, 0, 0, 0, 8, 115])
SPL_OIDS = {"1.3.6.1.4.1.3704.1.3.1": 0, "1.3.6.1.4.1.3704.1.3.2": 1,
            "1.3.6.1.4.1.3704.1.3.3": 6, "1.3.6.1.4.1.3704.1.3.8": 7}


def openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), p.stderr.decode()))
    return p.stdout


PSS = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48", "-sha384"]


class Hierarchy:
    """ARK, ASK and a VCEK for one chip_id and TCB, in directory d. Files: ark.pem,
    ask.pem, chain.pem (ASK then ARK, as AMD's cert_chain), vcek.der, vcek.key."""

    def __init__(self, d, chip_id=None, tcb=MILAN_TCB, product="Milan"):
        self.dir, self.tcb, self.product = d, tcb, product
        self.chip_id = chip_id or hashlib.sha512(b"tinyben test chip").digest()
        os.makedirs(d, exist_ok=True)
        for k in ("ark", "ask"):
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", k + ".key", cwd=d)
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
                "-out", "vcek.key", cwd=d)
        ext = ["[ca]", "basicConstraints=critical,CA:true", "keyUsage=keyCertSign,cRLSign",
               "[vcek]", "1.3.6.1.4.1.3704.1.1=ASN1:INTEGER:1",
               "1.3.6.1.4.1.3704.1.2=ASN1:IA5STRING:%s-B0" % product]
        for oid, i in SPL_OIDS.items():
            ext.append("%s=ASN1:INTEGER:%d" % (oid, tcb[i]))
        # hwID: the raw 64 chip_id bytes as the extension value, as AMD's VCEKs carry it.
        ext.append("1.3.6.1.4.1.3704.1.4=DER:" + ":".join("%02X" % b for b in self.chip_id))
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write("\n".join(ext) + "\n")
        openssl("req", "-new", "-x509", "-key", "ark.key", "-subj", "/CN=ARK-%s" % product,
                "-days", "30", "-extensions", "ca", "-config", "ext.cnf", "-out", "ark.pem",
                *PSS, cwd=d)
        openssl("req", "-new", "-key", "ask.key", "-subj", "/CN=SEV-%s" % product,
                "-config", "ext.cnf", "-out", "ask.csr", cwd=d)
        openssl("x509", "-req", "-in", "ask.csr", "-CA", "ark.pem", "-CAkey", "ark.key",
                "-set_serial", "2", "-days", "30", "-extfile", "ext.cnf", "-extensions", "ca",
                "-out", "ask.pem", *PSS, cwd=d)
        openssl("req", "-new", "-key", "vcek.key", "-subj", "/CN=SEV-VCEK",
                "-config", "ext.cnf", "-out", "vcek.csr", cwd=d)
        openssl("x509", "-req", "-in", "vcek.csr", "-CA", "ask.pem", "-CAkey", "ask.key",
                "-set_serial", "3", "-days", "30", "-extfile", "ext.cnf", "-extensions", "vcek",
                "-outform", "DER", "-out", "vcek.der", *PSS, cwd=d)
        with open(os.path.join(d, "chain.pem"), "w") as out:
            for name in ("ask.pem", "ark.pem"):
                with open(os.path.join(d, name)) as f:
                    out.write(f.read())

    def path(self, name):
        return os.path.join(self.dir, name)

    def resign(self, which, start, end):
        """The VCEK (as DER) or the ASK (as a chain PEM, ASK then ARK) signed again by its
        issuer with validity start..end (YYYYMMDDHHMMSSZ); returns the new file's path."""
        issuer = {"vcek": "ask", "ask": "ark"}[which]
        cnf = self.path("ca.cnf")
        with open(cnf, "w") as f:
            f.write("[ca]\ndefault_ca = tb\n[tb]\ndatabase = index.txt\nnew_certs_dir = .\n"
                    "serial = serial\npolicy = any\ndefault_md = sha384\nunique_subject = no\n"
                    "[any]\ncommonName = supplied\n")
        open(self.path("index.txt"), "w").close()
        with open(self.path("serial"), "w") as f:
            f.write("%02X\n" % (16 + len(os.listdir(self.dir))))
        name = "%s-%s-%s" % (which, start, end)
        openssl("ca", "-batch", "-config", "ca.cnf", "-cert", issuer + ".pem", "-keyfile",
                issuer + ".key", "-in", which + ".csr", "-startdate", start, "-enddate", end,
                "-extfile", "ext.cnf", "-extensions", "vcek" if which == "vcek" else "ca",
                "-notext", "-out", name + ".pem", *PSS[:4], cwd=self.dir)
        if which == "vcek":
            openssl("x509", "-in", name + ".pem", "-outform", "DER", "-out", name + ".der",
                    cwd=self.dir)
            return self.path(name + ".der")
        with open(self.path(name + "-chain.pem"), "w") as out:
            for n in (name + ".pem", "ark.pem"):
                with open(self.path(n)) as f:
                    out.write(f.read())
        return self.path(name + "-chain.pem")

    def report(self, report_data=b"", version=3, vmpl=0):
        """An unsigned report of this chip at this TCB; version 3 carries Milan's CPUID."""
        r = bytearray(REPORT_SIZE)
        struct.pack_into("<IIQ", r, 0, version, 1, 0x30000)  # policy: SMT, bit 17 reserved
        struct.pack_into("<II", r, 0x30, vmpl, 1)            # ECDSA P-384 with SHA-384
        r[0x38:0x40] = self.tcb                               # current_tcb
        r[0x50:0x50 + len(report_data)] = report_data
        r[0x90:0xC0] = hashlib.sha384(b"tinyben test launch").digest()
        r[0x140:0x160] = hashlib.sha256(b"report id").digest()
        r[0x180:0x188] = self.tcb                             # reported_tcb
        if version >= 3:
            r[0x188:0x18B] = bytes([0x19, 0x01, 0x01])       # Milan B1
        r[0x1A0:0x1E0] = self.chip_id
        r[0x1E0:0x1E8] = self.tcb                             # committed_tcb
        r[0x1E8:0x1EB] = bytes([21, 55, 1])                   # firmware 1.55 build 21
        r[0x1EC:0x1EF] = bytes([21, 55, 1])
        r[0x1F0:0x1F8] = self.tcb                             # launch_tcb
        return r

    def sign(self, report):
        """Signs bytes 0..0x29F with the VCEK key; R and S little-endian, 72 bytes each."""
        body = os.path.join(self.dir, "body.bin")
        with open(body, "wb") as f:
            f.write(bytes(report[:SIGNED]))
        der = openssl("dgst", "-sha384", "-sign", "vcek.key", body, cwd=self.dir)
        r, s = ecdsa_der_to_ints(der)
        out = bytearray(report)
        out[SIGNED:SIGNED + 72] = r.to_bytes(72, "little")
        out[SIGNED + 72:SIGNED + 144] = s.to_bytes(72, "little")
        return bytes(out)


def ecdsa_der_to_ints(der):
    """SEQUENCE { INTEGER r, INTEGER s } -> (r, s)."""
    def length(i):
        n = der[i]
        if n < 0x80:
            return n, i + 1
        k = n & 0x7F
        return int.from_bytes(der[i + 1:i + 1 + k], "big"), i + 1 + k
    assert der[0] == 0x30
    _, i = length(1)
    out = []
    for _ in range(2):
        assert der[i] == 0x02
        n, i = length(i + 1)
        out.append(int.from_bytes(der[i:i + n], "big"))
        i += n
    return tuple(out)


def sha512_file(path):
    with open(path, "rb") as f:
        return hashlib.sha512(f.read()).digest()
