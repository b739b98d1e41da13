#!/usr/bin/python3
"""Print the DT_SONAME of an ELF shared library (what dlopen() must ask
for to get the library the build found). Used by meson.build for libcurl.

Usage: elf-soname.py LIBRARY [LIBRARY ...]   (the first that exists wins)"""
import os
import struct
import sys

SHT_DYNAMIC = 6
DT_NULL, DT_SONAME = 0, 14


def soname(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        raise ValueError("%s is not an ELF file" % path)
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        sh_fmt, dyn_fmt = end + "IIQQQQIIQQ", end + "qQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        sh_fmt, dyn_fmt = end + "IIIIIIIIII", end + "iI"
    sections = [struct.unpack_from(sh_fmt, data, shoff + i * shentsize) for i in range(shnum)]
    for sec in sections:
        if sec[1] != SHT_DYNAMIC:
            continue
        offset, size, link = sec[4], sec[5], sec[6]
        strtab = sections[link][4]
        step = struct.calcsize(dyn_fmt)
        for pos in range(offset, offset + size, step):
            tag, val = struct.unpack_from(dyn_fmt, data, pos)
            if tag == DT_NULL:
                break
            if tag == DT_SONAME:
                return data[strtab + val:data.index(b"\0", strtab + val)].decode()
    raise ValueError("%s has no DT_SONAME" % path)


def main():
    for path in sys.argv[1:]:
        if os.path.exists(path):
            print(soname(path))
            return
    sys.exit("elf-soname: none of %s exists; configure with -Dcurl_soname=SONAME "
             "or -Dcurl_loading=linked" % " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
