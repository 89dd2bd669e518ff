#!/usr/bin/env python3
"""Marks one version requirement in an ELF64 shared object's .gnu.version_r as weak (VER_FLG_WEAK).

A weak version need lets the dynamic loader accept a library that lacks that version, as long as no
symbol bound to it is left unresolved. Usage: weaken_version_need.py FILE VERSION
Exit 0 when the entry is (now or already) weak, 3 when the file needs no such version.
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def main(path: str, version: str) -> int:
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            sys.exit(f"{path}: not a little-endian ELF64 file")
        e_shoff, = struct.unpack_from("<Q", data, 0x28)
        e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x3A)

        def section(i):
            base = e_shoff + i * e_shentsize
            sh_name, sh_type, _, _, sh_offset, sh_size, sh_link, sh_info = struct.unpack_from("<IIQQQQII", data, base)
            return sh_type, sh_offset, sh_size, sh_link, sh_info

        verneed = next((section(i) for i in range(e_shnum) if section(i)[0] == SHT_GNU_VERNEED), None)
        if verneed is None:
            return 3
        _, off, _, strtab_index, count = verneed
        _, str_off, _, _, _ = section(strtab_index)

        def name_at(o):
            end = data.index(0, str_off + o)
            return data[str_off + o:end].decode()

        entry = off
        for _ in range(count):
            _, vn_cnt, _, vn_aux, vn_next = struct.unpack_from("<HHIII", data, entry)
            aux = entry + vn_aux
            for _ in range(vn_cnt):
                _, flags, _, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                if name_at(vna_name) == version:
                    if not flags & VER_FLG_WEAK:
                        struct.pack_into("<H", data, aux + 4, flags | VER_FLG_WEAK)
                        f.seek(0)
                        f.write(data)
                    return 0
                aux += vna_next
            entry += vn_next
        return 3


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: weaken_version_need.py FILE VERSION")
    sys.exit(main(sys.argv[1], sys.argv[2]))
