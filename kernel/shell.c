/*
 * The kernel shell.
 *
 * Commands are a table: name, usage, one-line help, and a function taking
 * argc/argv.  A command that gets arguments it does not take prints its
 * usage, so every malformed line gets a message.  Input is edited in a line
 * buffer: backspace erases, ctrl-U clears the line, ctrl-C abandons it.
 */
#include "arch.h"
#include "cmdline.h"
#include "console.h"
#include "driver.h"
#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "shell.h"
#include "timer.h"

#define MAX_ARGS 8

struct command {
    const char *name;
    const char *usage; /* arguments, "" for none */
    const char *help;
    int max_args; /* arguments after the name */
    int (*fn)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static int cmd_mem(int argc, char **argv)
{
    struct frame_stats fs = frame_stats();
    struct heap_stats hs = heap_stats();

    (void)argc;
    (void)argv;
    kprintf("frames: %lu total, %lu free, %lu in use (%lu KiB free)\n",
            (unsigned long)fs.total, (unsigned long)fs.free,
            (unsigned long)(fs.total - fs.free),
            (unsigned long)(fs.free * (PAGE_SIZE / 1024)));
    kprintf("heap: %lu bytes in use, %lu live allocations, peak %lu bytes\n",
            (unsigned long)hs.bytes_in_use, (unsigned long)hs.live_allocs,
            (unsigned long)hs.peak_bytes);
    kprintf("heap pools: %lu (%lu bytes), bad frees: %lu\n",
            (unsigned long)hs.pools, (unsigned long)hs.pool_bytes,
            (unsigned long)hs.bad_frees);
    return 0;
}

static int cmd_uptime(int argc, char **argv)
{
    uint64_t ms = uptime_ns() / 1000000;

    (void)argc;
    (void)argv;
    kprintf("up %lu.%03lu s (%lu ticks at %u Hz)\n", (unsigned long)(ms / 1000),
            (unsigned long)(ms % 1000), (unsigned long)timer_ticks(),
            timer_hz());
    return 0;
}

static int cmd_halt(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kprintf("Powering off.\n");
    arch_poweroff();
    kprintf("Power-off failed; halting. It is safe to switch off.\n");
    arch_halt();
}

static int cmd_devices(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < driver_count(); i++) {
        const struct chardev *d = driver_at(i);

        kprintf("%-10s %s%s\n", d->name, d->ops->read ? "read " : "",
                d->ops->write ? "write" : "");
    }
    return 0;
}

static int cmd_cmdline(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kprintf("options given:\n");
    for (size_t i = 0; i < cmdline_count(); i++) {
        kprintf("  %s=%s\n", cmdline_key(i), cmdline_value(i));
    }
    kprintf("options known:\n");
    for (size_t i = 0; i < cmdline_known_count(); i++) {
        kprintf("  %-8s %s\n", cmdline_known_key(i), cmdline_known_help(i));
    }
    return 0;
}

static const struct command commands[] = {
    {"help", "", "list the commands", 0, cmd_help},
    {"mem", "", "frame and heap counters", 0, cmd_mem},
    {"uptime", "", "time since the timer started", 0, cmd_uptime},
    {"devices", "", "registered character devices", 0, cmd_devices},
    {"cmdline", "", "kernel command line options", 0, cmd_cmdline},
    {"halt", "", "power the machine off", 0, cmd_halt},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        kprintf("  %-8s %-10s %s\n", commands[i].name, commands[i].usage,
                commands[i].help);
    }
    return 0;
}

/* Split line into words in place; returns the count or -E2BIG-like -EINVAL. */
static int split(char *line, char **argv, int max)
{
    int argc = 0;

    for (char *p = line; *p != '\0';) {
        while (*p == ' ' || *p == '\t') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        if (argc == max) {
            return -EINVAL;
        }
        argv[argc++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t') {
            p++;
        }
    }
    return argc;
}

int shell_execute(char *line)
{
    char *argv[MAX_ARGS];
    int argc = split(line, argv, MAX_ARGS);

    if (argc < 0) {
        kprintf("too many words (at most %d)\n", MAX_ARGS);
        return -EINVAL;
    }
    if (argc == 0) {
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *c = &commands[i];

        if (strcmp(argv[0], c->name) != 0) {
            continue;
        }
        if (argc - 1 > c->max_args) {
            kprintf("usage: %s %s\n", c->name, c->usage);
            return -EINVAL;
        }
        return c->fn(argc, argv);
    }
    kprintf("unknown command '%s' (type 'help' for the list)\n", argv[0]);
    return -EINVAL;
}

/* ---- Line input ---------------------------------------------------------- */

struct line {
    char buf[SHELL_LINE_MAX];
    size_t len;
    bool overflow; /* the line outgrew buf; it is discarded at its end */
    char last;     /* previous byte, to treat "\r\n" as one end of line */
};

static void put(struct chardev *out, const char *s, size_t n)
{
    dev_write(out, s, n);
}

/* Feed one byte; returns true when a complete line is in l->buf. */
static bool line_feed(struct line *l, char c, struct chardev *out)
{
    char prev = l->last;

    l->last = c;
    if (c == '\n' && prev == '\r') {
        return false;
    }
    if (c == '\r' || c == '\n') {
        put(out, "\n", 1);
        l->buf[l->len] = '\0';
        return true;
    }
    if ((c == '\b' || c == 0x7F) && l->len > 0) {
        l->len--;
        put(out, "\b \b", 3);
    } else if (c == 0x15 || c == 0x03) { /* ctrl-U, ctrl-C */
        put(out, c == 0x03 ? "^C\n" : "\n", c == 0x03 ? 3 : 1);
        l->len = 0;
        l->buf[0] = '\0';
        l->overflow = false;
        return c == 0x03; /* an empty line: a fresh prompt */
    } else if (c >= 0x20 && c < 0x7F) {
        if (l->len + 1 < sizeof(l->buf)) {
            l->buf[l->len++] = c;
            put(out, &c, 1);
        } else {
            l->overflow = true;
        }
    }
    return false;
}

/* Read one byte, sleeping in arch_cpu_idle until one arrives. */
static char read_byte(struct chardev *in)
{
    char c;

    for (;;) {
        arch_irqstate_t s = arch_irq_save();
        long n = dev_read(in, &c, 1);

        if (n <= 0) {
            arch_cpu_idle(); /* atomically enables interrupts and waits */
        }
        arch_irq_restore(s);
        if (n == 1) {
            return c;
        }
    }
}

void shell_run(void)
{
    struct chardev *in = driver_find("keyboard");
    struct chardev *out = driver_find("console");
    struct line l = {.len = 0};

    if (in == NULL || out == NULL) {
        kprintf("shell: no keyboard or console device\n");
        return;
    }
    kprintf("Type 'help' for commands.\n");
    for (;;) {
        put(out, "kairos> ", 8);
        while (!line_feed(&l, read_byte(in), out)) {
        }
        if (l.overflow) {
            kprintf("line too long (at most %d characters); ignored\n",
                    SHELL_LINE_MAX - 1);
        } else {
            shell_execute(l.buf);
        }
        l.len = 0;
        l.overflow = false;
    }
}
