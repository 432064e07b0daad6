#!/bin/sh
# Writes the assembly for the kernel's symbol table from an ELF file: function symbols sorted by address.
# usage: ksyms_gen.sh KERNEL.ELF > ksyms.S
set -eu
nm -n --defined-only "$1" | awk 'BEGIN { n = 0 }
$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff8/ { addr[n] = $1; name[n] = $3; n++ }
END {
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.global ksym_count"
	print "ksym_count: .quad " n
	print "\t.global ksym_table"
	print "ksym_table:"
	off = 0
	for (i = 0; i < n; i++) {
		printf "\t.quad 0x%s\n\t.long %d, 0\n", addr[i], off
		off += length(name[i]) + 1
	}
	print "\t.global ksym_names"
	print "ksym_names:"
	for (i = 0; i < n; i++)
		printf "\t.asciz \"%s\"\n", name[i]
}'
