/* WAGI status: answers a 500 itself; the runtime must pass it through untouched. */
#include <stdio.h>

int main(void) {
    printf("Status: 500 Internal Server Error\nContent-Type: text/plain\nX-Worker: status\n\nthe worker chose to fail\n");
    return 0;
}
