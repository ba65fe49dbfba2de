/* WAGI echo: answers JSON with argv, the whole environment and the body read from stdin. */
#include <stdio.h>

extern char **environ;

static void json_string(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { putchar('\\'); putchar(c); }
        else if (c == '\n') fputs("\\n", stdout);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static size_t length(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

int main(int argc, char **argv) {
    static char body[1 << 16];
    size_t n = fread(body, 1, sizeof body, stdin);
    printf("Content-Type: application/json\nX-Echo: yes\n\n{\"argv\":[");
    for (int i = 0; i < argc; i++) { if (i) putchar(','); json_string(argv[i], length(argv[i])); }
    printf("],\"env\":{");
    for (char **e = environ; *e; e++) {
        const char *eq = *e; while (*eq && *eq != '=') eq++;
        if (e != environ) putchar(',');
        json_string(*e, (size_t)(eq - *e)); putchar(':');
        json_string(*eq ? eq + 1 : eq, *eq ? length(eq + 1) : 0);
    }
    printf("},\"body\":"); json_string(body, n); printf("}\n");
    return 0;
}
