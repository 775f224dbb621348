/* The firmware packaging/qemu/accel.sh boots to find out whether KVM can run a guest here.
 *
 * It does what a Linux kernel does first, from the reset vector to 64-bit code: protected
 * mode, PAE paging, EFER.LME (an MSR write), long mode; then it writes 1 to the
 * isa-debug-exit port 0xf4 and QEMU exits with status (1 << 1) | 1 = 3. Proving less is not
 * enough: on a nested host KVM runs real-mode code and then never reaches 64-bit mode, so a
 * kernel hangs before its first console line.
 *
 * accel.sh embeds the assembled bytes (it must not need an assembler); after an edit:
 *   as --32 -o p.o accel-probe.S && ld -m elf_i386 -Ttext=0xffff0000 -e 0xffff0000 \
 *     --oformat binary -o p.bin p.o
 * and paste p.bin's bytes before its zero padding, and its last 16 (the reset vector).
 * tests/e2e/test_launch.py checks that the two agree.
 *
 * The 64 KiB image sits just below 4 GiB; the CPU starts at 0xfffffff0 with CS base 0xffff0000
 * (Intel SDM vol. 3, 9.1.4 "First Instruction Executed"). */
	.code16
start:
	cli
	lgdtl %cs:(gdtdesc - start)     /* CS base is 0xffff0000: the GDT is read from the image */
	movl %cr0, %eax
	orl $1, %eax                    /* CR0.PE */
	movl %eax, %cr0
	ljmpl $0x08, $pm32
	.code32
pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	/* Page tables in RAM at 0x1000 (the CPU sets accessed bits: not in ROM), mapping the 2 MiB
	 * below 4 GiB onto itself so that the next instruction has the same address in long mode. */
	movl $0x1000, %edi
	xorl %eax, %eax
	movl $0xc00, %ecx
	rep stosl
	movl $0x2003, 0x1000                    /* PML4[0] -> PDPT, present + writable */
	movl $0x3003, 0x2000 + 3 * 8            /* PDPT[3] (3 GiB..4 GiB) -> PD */
	movl $0xffe00083, 0x3000 + 511 * 8      /* PD[511]: 2 MiB page at 0xffe00000 (PS bit 7) */
	movl %cr4, %eax
	orl $0x20, %eax                 /* CR4.PAE */
	movl %eax, %cr4
	movl $0x1000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx          /* IA32_EFER */
	rdmsr
	orl $0x100, %eax                /* EFER.LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax           /* CR0.PG: long mode is active from here */
	movl %eax, %cr0
	ljmp $0x18, $lm64
	.code64
lm64:
	movb $1, %al
	outb %al, $0xf4                 /* isa-debug-exit: QEMU exits with status 3 */
1:	hlt
	jmp 1b
	.p2align 3
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff        /* 0x10: data, flat */
	.quad 0x00af9a000000ffff        /* 0x18: 64-bit code (L bit) */
gdtdesc:
	.word gdtdesc - gdt - 1
	.long gdt
	.org 0xfff0                     /* the reset vector */
	.code16
	jmp start
	.org 0x10000
