/* WAGI garbage: prints text that is not a CGI response (no headers, no blank line). */
#include <stdio.h>

int main(void) {
    printf("this is not an HTTP response");
    return 0;
}
