/*
 * /bin/hello: the first user program.  Shows that musl's start-up works on
 * Kairos (TLS, stdio, argv, the environment) and that malloc gets memory
 * both ways musl's allocator asks for it: small blocks from brk-grown
 * groups, a large one from its own mmap.  tests/e2e checks the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SMALL (4 * 1024)
#define LARGE (1024 * 1024) /* over musl's MMAP_THRESHOLD (about 128 KiB) */

/* Fill n bytes with a pattern that depends on the address, then check it:
 * a page mapped twice or not zero-filled would break it.  0 when right. */
static int fill_and_check(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char)(i * 7 + ((uintptr_t)p >> 12));
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] != (unsigned char)(i * 7 + ((uintptr_t)p >> 12))) {
            return -1;
        }
    }
    return 0;
}

static int check_malloc(void)
{
    unsigned char *small = malloc(SMALL);
    unsigned char *large = malloc(LARGE);

    if (small == NULL || large == NULL) {
        printf("malloc: failed (small %p, large %p)\n", (void *)small,
               (void *)large);
        return 1;
    }
    if (fill_and_check(small, SMALL) != 0 ||
        fill_and_check(large, LARGE) != 0) {
        printf("malloc: memory did not keep what was written\n");
        return 1;
    }
    printf("malloc: %d and %d bytes written and read back\n", SMALL, LARGE);
    free(large);
    free(small);
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    const char *home = getenv("HOME");

    printf("hello from pid %d\n", (int)getpid());
    for (int i = 0; i < argc; i++) {
        printf("argv[%d] = %s\n", i, argv[i]);
    }
    for (int i = 0; envp[i] != NULL; i++) {
        printf("envp[%d] = %s\n", i, envp[i]);
    }
    printf("HOME %s%s\n", home ? "= " : "is not set", home ? home : "");
    return check_malloc();
}
