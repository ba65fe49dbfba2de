/* WAGI trap: logs a line, then executes `unreachable`. */
#include <stdio.h>

int main(void) {
    fprintf(stderr, "about to trap\n");
    fflush(stderr);
    __builtin_trap();
}
