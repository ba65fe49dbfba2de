/* WAGI hello: the smallest useful worker. */
#include <stdio.h>

int main(void) {
    printf("Content-Type: text/plain\n\nHello from WAGI!\n");
    return 0;
}
