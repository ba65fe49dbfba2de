/* WAGI flood: a valid head, then body bytes forever, ignoring write errors. */
#include <stdio.h>

int main(void) {
    static char chunk[4096];
    for (unsigned i = 0; i < sizeof chunk; i++) chunk[i] = 'x';
    printf("Content-Type: text/plain\n\n");
    for (;;) fwrite(chunk, 1, sizeof chunk, stdout);
}
