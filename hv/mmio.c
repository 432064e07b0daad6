/* The glue between MMIO exits and hv/decode: guest memory and the bus as x86_mem_ops, and what each
 * emulator outcome means for the VM. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hv/backend.h"
#include "hv/decode/x86_emulate.h"
#include "hv/mmio.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vm.h"

/* The callbacks' ctx is the vCPU: its local APIC answers at the same address as every other vCPU's. */
static int read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	return guest_memory_read(&((struct vcpu *)ctx)->vm->memory, gpa, buf, len);
}

static int write_phys(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	return guest_memory_write(&((struct vcpu *)ctx)->vm->memory, gpa, buf, len);
}

static int cmpxchg_phys(void *ctx, uint64_t gpa, uint64_t old, uint64_t val, unsigned size)
{
	void *p = guest_memory_ptr(&((struct vcpu *)ctx)->vm->memory, gpa, size);
	if (!p || (size != 4 && size != 8) || (gpa & (size - 1)))
		return -EFAULT;
	if (size == 4) {
		uint32_t expected = (uint32_t)old;
		return __atomic_compare_exchange_n((uint32_t *)p, &expected, (uint32_t)val, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST) ? 0 : -EAGAIN;
	}
	return __atomic_compare_exchange_n((uint64_t *)p, &old, val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
		       ? 0
		       : -EAGAIN;
}

static int mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct vcpu *v = ctx;
	if (!platform_local_mmio(v, gpa, size, false, val))
		*val = io_bus_mmio_read(&v->vm->bus, gpa, size);
	return 0;
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct vcpu *v = ctx;
	if (!platform_local_mmio(v, gpa, size, true, &val))
		io_bus_mmio_write(&v->vm->bus, gpa, size, val);
	return 0;
}

static const struct x86_mem_ops mem_ops = { read_phys, write_phys, cmpxchg_phys, mmio_read, mmio_write };

static void inject_fault(struct vcpu *v, const struct x86_fault *f)
{
	if (f->vector == X86_EXC_PF)
		hv->vcpu_set_cr2(v, f->addr);
	hv->vcpu_inject(v, VCPU_EVENT_EXCEPTION, f->vector, true, f->error);
}

void mmio_emulate(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vm *vm = v->vm;
	if (e->mmio.fetch) {
		vm_stop_from_guest(vm, "vCPU %u executed from guest-physical %#llx, which no RAM backs", v->index,
				   (unsigned long long)e->mmio.gpa);
		return;
	}
	struct x86_cpu_state s;
	hv->vcpu_get_state(v, &s);
	uint8_t bytes[X86_INSN_MAX];
	size_t len = 0;
	struct x86_fault fault;
	int fetch = x86_fetch(&s, &mem_ops, v, bytes, &len, &fault);
	struct x86_insn insn;
	int err = x86_decode(bytes, len, x86_cpu_mode(&s), &insn);
	if (err == -EINVAL && fetch == -EFAULT) {
		inject_fault(v, &fault);
		return;
	}
	if (err) {
		char hex[3 * X86_INSN_MAX + 1] = "";
		for (size_t i = 0; i < len; i++)
			snprintf(hex + 3 * i, 4, "%02x ", bytes[i]);
		vm_stop_from_guest(vm, "vCPU %u: cannot emulate the instruction at RIP %#llx touching %#llx: %s(bytes %s)",
				   v->index, (unsigned long long)s.rip, (unsigned long long)e->mmio.gpa,
				   err == -ENOTSUP ? "unsupported instruction " : "code not in RAM ", hex);
		return;
	}
	err = x86_emulate_mmio(&s, &insn, &mem_ops, v, &fault);
	if (err == -EFAULT) {
		inject_fault(v, &fault);
		return;
	}
	if (err == -EAGAIN)
		return;
	if (err) {
		vm_stop_from_guest(vm, "vCPU %u: its page tables at CR3 %#llx lie outside its RAM (RIP %#llx)", v->index,
				   (unsigned long long)s.cr3, (unsigned long long)s.rip);
		return;
	}
	memcpy(v->gpr, s.gpr, sizeof v->gpr);
	v->rip = s.rip;
	v->rflags = s.rflags;
}
