/* Unit tests for hv/decode/x86_emulate.c, the way to memory: segmentation checks in every mode, page
 * faults with their error codes and CR2, accesses that cross pages, and instruction fetch. */
#include "x86_fake_guest.h"

static void test_segments(void)
{
	/* Protected mode: base, limit (expand-up and down), type, presence; SS faults are #SS. */
	reset_prot32();
	st.seg[X86_SEG_DS] = (struct x86_segment){ 0x1000, 0xfff, 0x10, 0x493 };
	st.gpr[X86_RDI] = 0x10;
	st.gpr[X86_RAX] = 0xcafe;
	CHECK_EQ(emu("89 07"), 0);
	CHECK_EQ(get64(0x1010), 0xcafe);
	CHECK_EQ(st.rip, 0x100002);
	st.gpr[X86_RDI] = 0xffd;
	CHECK_EQ(emu("89 07"), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_GP);
	CHECK_EQ(fault.error, 0);
	CHECK_EQ(st.rip, 0x100002);
	CHECK_EQ(emu("88 07"), 0);
	st.seg[X86_SEG_SS] = (struct x86_segment){ 0, 0xfff, 0x18, 0x493 };
	st.gpr[X86_RBP] = 0x1000;
	CHECK_EQ(emu("8b 45 00"), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_SS);
	st.seg[X86_SEG_DS].attr = 0x491;  /* read-only data */
	st.gpr[X86_RDI] = 0x10;
	CHECK_EQ(emu("89 07"), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_GP);
	CHECK_EQ(emu("8b 07"), 0);
	CHECK_EQ(emu("2e 89 07"), -EFAULT);  /* code segments are never writable */
	CHECK_EQ(emu("2e 8b 07"), 0);        /* but this one is readable */
	st.seg[X86_SEG_CS].attr = 0xc99;
	CHECK_EQ(emu("2e 8b 07"), -EFAULT);
	st.seg[X86_SEG_CS].attr = 0xc9b;
	st.seg[X86_SEG_DS] = (struct x86_segment){ 0, 0xfff, 0x10, 0x497 };  /* expand-down above 4 KiB */
	st.gpr[X86_RDI] = 0x800;
	CHECK_EQ(emu("89 07"), -EFAULT);
	st.gpr[X86_RDI] = 0x2000;
	CHECK_EQ(emu("89 07"), 0);
	st.gpr[X86_RDI] = 0xfffffffe;
	CHECK_EQ(emu("89 07"), -EFAULT);
	st.seg[X86_SEG_DS].attr = 0;  /* a null selector */
	CHECK_EQ(emu("8b 07"), -EFAULT);
	/* 16-bit code in protected mode: IP wraps at 64 KiB. */
	st.seg[X86_SEG_CS].attr = 0x09b;
	st.seg[X86_SEG_DS] = (struct x86_segment){ 0, 0xffff, 0x10, 0x93 };
	st.rip = 0xfffe;
	st.gpr[X86_RBX] = 0x3000;
	CHECK_EQ(emu("89 07"), 0);
	CHECK_EQ(st.rip, 0);

	/* 64-bit mode: only FS and GS have bases; addresses must be canonical. */
	reset_long();
	st.seg[X86_SEG_DS].base = 0x5000;
	st.seg[X86_SEG_FS].base = 0x5000;
	st.seg[X86_SEG_DS].limit = 0;
	st.gpr[X86_RDI] = 0x10;
	st.gpr[X86_RAX] = 0x77;
	CHECK_EQ(emu("88 07"), 0);
	CHECK_EQ(fk.ram[0x10], 0x77);
	CHECK_EQ(emu("64 88 07"), 0);
	CHECK_EQ(fk.ram[0x5010], 0x77);
	st.gpr[X86_RDI] = 0x0000800000000000ull;
	CHECK_EQ(emu("88 07"), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_GP);
	st.gpr[X86_RBP] = 0x00007ffffffffffcull;
	CHECK_EQ(emu("48 89 45 00"), -EFAULT);  /* the last bytes are not canonical */
	CHECK_EQ(fault.vector, X86_EXC_SS);
	st.cr4 |= X86_CR4_LA57;
	st.gpr[X86_RDI] = 0x0000800000000000ull;
	CHECK_EQ(emu("88 07"), -EFAULT);  /* canonical, but no 5-level tables here */
	CHECK_EQ(fault.vector, X86_EXC_PF);

	/* Real mode: 16-bit effective addresses wrap; so does IP. */
	reset_real();
	st.seg[X86_SEG_DS].base = 0x20000;
	st.gpr[X86_RBX] = 0xfff0;
	st.gpr[X86_RSI] = 0x20;
	st.gpr[X86_RAX] = 0xbeef;
	st.rip = 0xfffe;
	CHECK_EQ(emu("89 00"), 0);
	CHECK_EQ(get64(0x20010) & 0xffff, 0xbeef);
	CHECK_EQ(st.rip, 0);
	st.gpr[X86_RBX] = 0xffff;
	CHECK_EQ(emu("89 07"), -EFAULT);  /* the word crosses the 64 KiB limit */
	CHECK_EQ(emu("67 89 03"), -EFAULT);  /* a 32-bit address beyond the limit */
	st.seg[X86_SEG_DS].limit = UINT32_MAX;  /* "unreal" mode */
	CHECK_EQ(emu("67 89 03"), 0);
	CHECK_EQ(get64(0x2ffff) & 0xffff, 0xbeef);
}

static void test_faults(void)
{
	reset_long();
	st.gpr[X86_RDI] = HIGH + 0x1000;
	CHECK_EQ(emu("89 07"), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_PF);
	CHECK_EQ(fault.error, X86_PF_W);
	CHECK_EQ(fault.addr, HIGH + 0x1000);
	CHECK_EQ(st.rip, 0x100000);
	map4k(HIGH + 0x1000, 0x6000, 3);  /* supervisor, writable */
	st.cpl = 3;
	CHECK_EQ(emu("8b 07"), -EFAULT);
	CHECK_EQ(fault.error, X86_PF_P | X86_PF_U);
	st.cpl = 0;
	CHECK_EQ(emu("89 07"), 0);
	CHECK_EQ(get64(0x10000 + 0x2000 + 8) & 0x60, 0x60);  /* the PTE: accessed and dirty */
	map4k(HIGH + 0x2000, MMIO_BASE, 5);  /* user, read-only: the device */
	st.gpr[X86_RDI] = HIGH + 0x2000;
	CHECK_EQ(emu("83 07 01"), -EFAULT);  /* CR0.WP */
	CHECK_EQ(fault.error, X86_PF_P | X86_PF_W);
	CHECK_EQ(fk.nlog, 0);
	st.cpl = 3;
	CHECK_EQ(emu("83 3f 01"), 0);
	CHECK_EQ(fk.nlog, 1);
	st.cpl = 0;
	/* Guest page tables outside RAM; a device that fails. */
	put64(0x1000 + 2 * 8, 0x7ff000000ull | 3);
	st.gpr[X86_RDI] = 2 * HIGH;
	CHECK_EQ(emu("89 07"), -ENXIO);
	st.gpr[X86_RDI] = MMIO_BASE;
	fk.mmio_error = -EIO;
	CHECK_EQ(emu("8b 07"), -EIO);
	fk.mmio_error = 0;
	st.gpr[X86_RDI] = MMIO_BASE + MMIO_SIZE;  /* beyond the device: the bus answers */
	CHECK_EQ(emu("8b 07"), -EIO);
}

static void test_page_cross(void)
{
	reset_long();
	map4k(HIGH, 0x6000, 3);
	map4k(HIGH + 0x1000, 0x9000, 3);
	st.gpr[X86_RDI] = HIGH + 0xffe;
	st.gpr[X86_RAX] = 0x44332211;
	CHECK_EQ(emu("89 07"), 0);
	CHECK_EQ(fk.ram[0x6ffe], 0x11);
	CHECK_EQ(fk.ram[0x6fff], 0x22);
	CHECK_EQ(fk.ram[0x9000], 0x33);
	CHECK_EQ(fk.ram[0x9001], 0x44);
	CHECK_EQ(emu("48 8b 0f"), 0);
	CHECK_EQ(st.gpr[X86_RCX], 0x44332211);
	/* RAM then device: byte by byte. */
	map4k(HIGH + 0x3000, 0xa000, 3);
	map4k(HIGH + 0x4000, MMIO_BASE, 3);
	st.gpr[X86_RDI] = HIGH + 0x3ffe;
	CHECK_EQ(emu("89 07"), 0);
	CHECK_EQ(fk.ram[0xafff], 0x22);
	CHECK_EQ(fk.nlog, 2);
	CHECK(fk.log[1].gpa == MMIO_BASE + 1 && fk.log[1].size == 1 && fk.log[1].val == 0x44);
	/* The second page faults: nothing is accessed, CR2 is that page. */
	map4k(HIGH + 0x5000, MMIO_BASE, 3);
	st.gpr[X86_RDI] = HIGH + 0x5ffc;
	CHECK_EQ(emu("48 8b 07"), -EFAULT);
	CHECK_EQ(fault.addr, HIGH + 0x6000);
	CHECK_EQ(fault.error, 0);
	CHECK_EQ(fk.nlog, 2);
}

static void test_fetch(void)
{
	static const uint8_t insn[] = { 0x48, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12 };
	uint8_t bytes[X86_INSN_MAX];
	struct x86_insn in;
	size_t len;

	/* Across a page boundary, into a page elsewhere in RAM; then all the way to the device. */
	reset_long();
	map4k(HIGH, 0x6000, 3);
	map4k(HIGH + 0x1000, 0x9000, 3);
	memcpy(fk.ram + 0x6ffc, insn, 4);
	memcpy(fk.ram + 0x9000, insn + 4, 3);
	st.rip = HIGH + 0xffc;
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), 0);
	CHECK_EQ(len, X86_INSN_MAX);
	CHECK(memcmp(bytes, insn, sizeof(insn)) == 0);
	CHECK_EQ(x86_decode(bytes, len, x86_cpu_mode(&st), &in), 0);
	st.gpr[X86_RDI] = MMIO_BASE + 8;
	CHECK_EQ(x86_emulate_mmio(&st, &in, &ops, &fk, &fault), 0);
	CHECK_EQ(reg_value(8, 8), 0x12345678);
	CHECK_EQ(st.rip, HIGH + 0x1003);

	/* The second page absent: the first four bytes come with the fault, which decode shows is needed. */
	map4k(HIGH + 0x1000, 0, 0);
	st.rip = HIGH + 0xffc;
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), -EFAULT);
	CHECK_EQ(len, 4);
	CHECK_EQ(fault.vector, X86_EXC_PF);
	CHECK_EQ(fault.error, X86_PF_I);
	CHECK_EQ(fault.addr, HIGH + 0x1000);
	CHECK_EQ(x86_decode(bytes, len, x86_cpu_mode(&st), &in), -EINVAL);
	st.rip = HIGH + 0xff8;
	memcpy(fk.ram + 0x6ff8, "\x88\x07", 2);
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), -EFAULT);
	CHECK_EQ(len, 8);
	CHECK_EQ(x86_decode(bytes, len, x86_cpu_mode(&st), &in), 0);  /* fits: the fault does not matter */
	map4k(HIGH, 0x6000, 3 | (UINT64_C(1) << 63));
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), -EFAULT);
	CHECK_EQ(len, 0);
	CHECK_EQ(fault.error, X86_PF_P | X86_PF_I);
	st.rip = MMIO_BASE;  /* code in a device */
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), -ENXIO);
	st.rip = 0x00007ffffffffff8ull;  /* eight bytes before the canonical hole */
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_PF);
	st.rip = 0x0000800000000000ull;
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), -EFAULT);
	CHECK_EQ(fault.vector, X86_EXC_GP);
	CHECK_EQ(len, 0);

	/* Protected mode: the CS limit cuts the fetch. Real mode: CS base is selector * 16. */
	reset_prot32();
	st.seg[X86_SEG_CS].limit = 0x100005;
	memcpy(fk.ram + 0x100000, "\x89\x07\x90\x90\x90\x90\x90", 7);
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), -EFAULT);
	CHECK_EQ(len, 6);
	CHECK_EQ(fault.vector, X86_EXC_GP);
	reset_real();
	st.seg[X86_SEG_CS] = (struct x86_segment){ 0x10000, 0xffff, 0x1000, 0x9b };
	st.rip = 0x20;
	memcpy(fk.ram + 0x10020, "\xa1\x34\x12", 3);
	CHECK_EQ(x86_fetch(&st, &ops, &fk, bytes, &len, &fault), 0);
	CHECK_EQ(x86_decode(bytes, len, x86_cpu_mode(&st), &in), 0);
	CHECK_EQ(in.len, 3);
	CHECK_EQ(in.mem.disp, 0x1234);
}

int main(void)
{
	test_segments();
	test_faults();
	test_page_cross();
	test_fetch();
	return check_summary();
}
