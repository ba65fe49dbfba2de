/* WAGI exit3: writes two log lines and exits with code 3. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    fprintf(stderr, "first log line\nsecond log line\n");
    exit(3);
}
