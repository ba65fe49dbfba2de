/* WAGI memhog: allocates and touches 1 MiB blocks until malloc fails, then aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *volatile keep; /* volatile so the compiler cannot drop the allocations */

int main(void) {
    for (unsigned long i = 0;; i++) {
        char *block = malloc(1 << 20);
        if (!block) { fprintf(stderr, "malloc failed after %lu MiB\n", i); abort(); }
        memset(block, 1, 1 << 20);
        keep = block;
    }
}
