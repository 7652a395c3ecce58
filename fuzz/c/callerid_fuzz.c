/*
 * libFuzzer harness: caller ID reception (csrc/cid_parse.c behind spandsp's ADSI receiver), on what
 * a line can carry. The first byte picks the standard (bell202, v23, DTMF) and the way in:
 *   0: the rest is a message as spandsp hands it over (type, length, fields): the parser alone;
 *   1: the rest is a message sent as a burst (adsi_tx), heard back through adsi_rx: the whole path;
 *   2: the rest is 16-bit audio straight into adsi_rx.
 * Every text made must be printable, hold no stray ';' or '=' inside a value, and fit the event.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

static const int standards[3] = {ENG_CID_BELL202, ENG_CID_V23, ENG_CID_DTMF};
static const int adsi[3] = {ADSI_STANDARD_CLASS, ADSI_STANDARD_CLIP, ADSI_STANDARD_CLIP_DTMF};

typedef struct {
    adsi_rx_state_t *rx;
    int standard;
    int messages;
} ctx_t;

static void check_text(const char *text)
{
    const char *p;
    if (strlen(text) >= ENG_TEXT_MAX)
        abort();
    for (p = text; *p; p++)
        if ((unsigned char) *p < 0x20)
            abort();
    /* key=value;key=value: every part has exactly one '=' */
    for (p = text; *p;) {
        const char *end = strchr(p, ';'), *eq = strchr(p, '=');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end || memchr(eq + 1, '=', (size_t) (end - eq - 1)))
            abort();
        p = *end ? end + 1 : end;
    }
}

static void parse(ctx_t *c, const uint8_t *msg, int len)
{
    char text[ENG_TEXT_MAX];
    if (cid_parse_message(c->rx, c->standard, msg, len, text, sizeof(text)) == 0)
        check_text(text);
    c->messages++;
}

static void heard(void *user_data, const uint8_t *msg, int len)
{
    parse(user_data, msg, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctx_t c = {0};
    int which, mode;

    if (size < 1)
        return 0;
    which = data[0] % 3;
    mode = (data[0] / 3) % 3;
    data++;
    size--;
    c.standard = standards[which];
    c.rx = adsi_rx_init(NULL, adsi[which], heard, &c);
    if (mode == 0) {
        parse(&c, data, (int) size);
    } else if (mode == 1) {
        adsi_tx_state_t *tx = adsi_tx_init(NULL, adsi[which]);
        int16_t amp[160];
        int n, frames = 0;
        if (size <= 255 && adsi_tx_put_message(tx, data, (int) size) > 0) {
            while ((n = adsi_tx(tx, amp, 160)) > 0 && frames++ < 2000)
                adsi_rx(c.rx, amp, n);
            memset(amp, 0, sizeof(amp));
            adsi_rx(c.rx, amp, 160);
        }
        adsi_tx_free(tx);
    } else {
        int16_t amp[160];
        size_t off;
        for (off = 0; off + 2 <= size; off += 2 * 160) {
            size_t n = (size - off) / 2 < 160 ? (size - off) / 2 : 160;
            memcpy(amp, data + off, n * 2);
            adsi_rx(c.rx, amp, (int) n);
        }
    }
    adsi_rx_free(c.rx);
    return 0;
}
