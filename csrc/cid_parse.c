/*
 * Caller ID as received: the fields of one message that spandsp's ADSI receiver decoded from the
 * line (outside bytes: anything at all) become the "number=...;name=...;datetime=...;standard=..."
 * text of EV_CID; a value's ';', '=' and control characters become spaces, and what does not fit
 * the event's text is left out. No engine state, so the fuzzer (fuzz/c/callerid_fuzz.c) runs it alone.
 */
#include <stdio.h>
#include <string.h>

#include "engine_private.h"

#define CID_MSG_MAX 256         /* spandsp's ADSI receiver delivers at most this much */

const char *cid_standard_name(int standard)
{
    return standard == ENG_CID_V23 ? "v23" : standard == ENG_CID_DTMF ? "dtmf" : "bell202";
}

static void append(char *out, size_t cap, const char *key, const uint8_t *body, int len)
{
    size_t used = strlen(out);
    int i;

    if (len < 0)
        return;
    if (used + strlen(key) + (size_t) len + 3 >= cap)
        return;
    if (used)
        out[used++] = ';';
    strcpy(out + used, key);
    used += strlen(key);
    out[used++] = '=';
    for (i = 0; i < len; i++) {
        char ch = (char) body[i];
        out[used++] = (ch == ';' || ch == '=' || (unsigned char) ch < 0x20) ? ' ' : ch;
    }
    out[used] = '\0';
}

/* What spandsp's DTMF receiver hands over: DTMF characters ending in its terminator ('#' or 'C').
 * Its field walk scans digits without a bound, so nothing else may reach it. */
static int dtmf_message_ok(const uint8_t *msg, int len)
{
    int i;
    for (i = 0; i < len; i++)
        if (!msg[i] || !strchr("0123456789ABCD*#", msg[i]) || ((msg[i] == '#' || msg[i] == 'C') && i != len - 1))
            return 0;
    return len > 0 && (msg[len - 1] == '#' || msg[len - 1] == 'C');
}

static void append_text(char *out, size_t cap, const char *key, const char *value)
{
    append(out, cap, key, (const uint8_t *) value, (int) strlen(value));
}

static const char *absence(uint8_t v)
{
    return v == 'P' || v == '1' ? "private" : "unavailable";
}

int cid_parse_message(adsi_rx_state_t *rx, int standard, const uint8_t *raw, int len, char *text, size_t cap)
{
    uint8_t type = 0, msg_type = 0, msg[CID_MSG_MAX + 2];
    const uint8_t *body;
    int blen, pos = -1;

    text[0] = '\0';
    if (len < 1 || len > CID_MSG_MAX || (standard == ENG_CID_DTMF && !dtmf_message_ok(raw, len)))
        return -1;
    /* spandsp's walk of FSK fields reads a field's type and length before it checks the end: give
     * it zeros there, not whatever follows the message */
    memcpy(msg, raw, (size_t) len);
    msg[len] = msg[len + 1] = 0;
    while ((pos = adsi_next_field(rx, msg, len, pos, &type, &body, &blen)) > 0) {
        if (!body) {
            msg_type = type;
            continue;
        }
        if (standard == ENG_CID_DTMF) {
            if (type == CLIP_DTMF_HASH_CALLER_NUMBER || type == CLIP_DTMF_HASH_UNSPECIFIED
                || type == CLIP_DTMF_C_CALLER_NUMBER)
                append(text, cap, "number", body, blen);
            else if ((type == CLIP_DTMF_HASH_ABSENCE || type == CLIP_DTMF_C_ABSENCE) && blen > 0)
                append_text(text, cap, "number_absent", absence(body[0]));
        } else if (msg_type == CLASS_SDMF_MSG_WAITING && type == 0) {
            append_text(text, cap, "mwi", blen > 0 && body[0] == 0x42 ? "1" : "0");
        } else if (msg_type == CLASS_MDMF_MSG_WAITING) {
            if (type == CLIP_VISUAL_INDICATOR && blen > 0)
                append_text(text, cap, "mwi", body[0] ? "1" : "0");
            else if (type == CLIP_NUM_MSG && blen > 0) {
                char n[8];
                snprintf(n, sizeof(n), "%d", body[0]);
                append_text(text, cap, "messages", n);
            }
        } else if (msg_type == CLASS_SDMF_CALLERID && type == 0) {
            if (blen >= 8)
                append(text, cap, "datetime", body, 8);
            if (blen > 8 && (body[8] == 'O' || body[8] == 'P') && blen == 9)
                append_text(text, cap, "number_absent", absence(body[8]));
            else if (blen > 8)
                append(text, cap, "number", body + 8, blen - 8);
        } else {
            switch (type) {
            case CLIP_DATETIME:
                append(text, cap, "datetime", body, blen);
                break;
            case CLIP_CALLER_NUMBER:
                append(text, cap, "number", body, blen);
                break;
            case CLIP_DIALED_NUMBER:
                append(text, cap, "dialled", body, blen);
                break;
            case CLIP_ABSENCE1:
                if (blen > 0)
                    append_text(text, cap, "number_absent", absence(body[0]));
                break;
            case CLIP_CALLER_NAME:
                append(text, cap, "name", body, blen);
                break;
            case CLIP_ABSENCE2:
                if (blen > 0)
                    append_text(text, cap, "name_absent", absence(body[0]));
                break;
            default:
                break;
            }
        }
    }
    if (pos < -1)
        return -1;
    append_text(text, cap, "standard", cid_standard_name(standard));
    return 0;
}

