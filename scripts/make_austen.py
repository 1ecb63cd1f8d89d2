#!/usr/bin/python3
"""Makes data/austen-pride.txt: Jane Austen's "Pride and Prejudice" (1813, public domain) as plain text.

Source: Debian's package r-cran-janeaustenr (Julia Silge's janeaustenr 1.0.0, MIT; the texts are
Project Gutenberg's, public domain), whose lazy-load data holds each novel as an R character vector
of lines. Debian's python has no R reader, and the package's data is small: this file reads the
R lazy-load database directly (Rdata.rdx = gzip'd serialized index, Rdata.rdb = per object a 4-byte
big-endian length and a zlib stream of R's XDR serialization).

Run (as the data/README.md says):
  apt-get download r-cran-janeaustenr && dpkg -x r-cran-janeaustenr_*.deb /tmp/ja
  /usr/bin/python3 scripts/make_austen.py /tmp/ja/usr/lib/R/site-library/janeaustenr
Output: the vector's lines joined with "\n" and a final "\n", UTF-8, as the package holds them.
"""
import gzip
import os
import struct
import sys
import zlib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "data", "austen-pride.txt")


class RReader:
    """R's XDR serialization (format 'X', versions 2 and 3): the subset character vectors and lists use."""

    def __init__(self, buf):
        self.b, self.i, self.refs = buf, 0, []

    def int(self):
        (v,) = struct.unpack(">i", self.b[self.i : self.i + 4])
        self.i += 4
        return v

    def read(self):
        assert self.b[:2] == b"X\n", "not an XDR R serialization"
        self.i = 2
        version = self.int()
        self.int(), self.int()  # writer's R version, minimal reader version
        if version == 3:
            n = self.int()
            self.i += n  # native encoding name
        return self.item()

    def item(self):
        flags = self.int()
        t, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if t == 254:  # NILVALUE_SXP
            return None
        if t == 255:  # REFSXP
            return self.refs[(flags >> 8) - 1]
        if t == 1:  # SYMSXP: a CHARSXP follows
            s = self.item()
            self.refs.append(s)
            return s
        if t == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            s = self.b[self.i : self.i + n].decode("utf-8")
            self.i += n
            return s
        if t == 2:  # LISTSXP (pairlist): [attr] [tag] car cdr
            attr = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            car = self.item()
            cdr = self.item()
            return [(tag, car)] + (cdr or [])
        if t in (13, 10):  # INTSXP, LGLSXP
            n = self.int()
            v = list(struct.unpack(f">{n}i", self.b[self.i : self.i + 4 * n]))
            self.i += 4 * n
            return self.attrs(v, has_attr)
        if t == 14:  # REALSXP
            n = self.int()
            v = list(struct.unpack(f">{n}d", self.b[self.i : self.i + 8 * n]))
            self.i += 8 * n
            return self.attrs(v, has_attr)
        if t in (16, 19):  # STRSXP, VECSXP
            n = self.int()
            return self.attrs([self.item() for _ in range(n)], has_attr)
        raise ValueError(f"R type {t} at byte {self.i - 4} is not supported")

    def attrs(self, v, has_attr):
        if not has_attr:
            return v
        a = dict(self.item())
        if "names" in a:
            return dict(zip(a["names"], v))
        return v


def load_lazy(dir_, name):
    """Object `name` of the lazy-load database <dir_>/data/Rdata.{rdx,rdb}."""
    index = RReader(gzip.decompress(open(os.path.join(dir_, "data", "Rdata.rdx"), "rb").read())).read()
    off, n = (int(x) for x in index["variables"][name])
    blob = open(os.path.join(dir_, "data", "Rdata.rdb"), "rb").read()[off : off + n]
    (size,) = struct.unpack(">I", blob[:4])
    raw = zlib.decompress(blob[4:])
    assert len(raw) == size, f"{name}: {len(raw)} bytes, expected {size}"
    return RReader(raw).read()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lines = load_lazy(sys.argv[1], "prideprejudice")
    text = "\n".join("" if l is None else l for l in lines) + "\n"
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, OUT)
    data = text.encode("utf-8")
    print(f"{OUT}: {len(lines)} lines, {len(data)} bytes, {len(set(data))} distinct bytes")


if __name__ == "__main__":
    main()
