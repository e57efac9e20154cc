/*
 * arch_start: the first C code, called by boot.S in long mode on the boot
 * stack with interrupts off.  Sets up the CPU tables and early consoles,
 * turns the Multiboot information into a boot_info, and enters the
 * portable kernel.
 */
#include "boot.h"
#include "x86.h"

void arch_start(uint32_t magic, uint32_t mbi);

void arch_start(uint32_t magic, uint32_t mbi)
{
    static struct boot_info bi;

    serial_early_init();
    vga_early_init();
    gdt_init();
    idt_init();
    user_init();
    pic_init();
    multiboot_parse(magic, mbi, &bi);
    kernel_main(&bi);
}
