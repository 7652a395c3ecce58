/*
 * Caller ID, sent and received with spandsp's ADSI module: FSK in Bell 202
 * (CLASS, SDMF or MDMF) or ITU V.23 (ETSI CLIP, MDMF), and DTMF CLIP.
 *
 * On a line from the exchange the FSK burst comes between the first and
 * second ring (DTMF CLIP before the first); the line's signalling keeps
 * reception on while it rings. A channel's receive standard defaults to
 * Bell 202, which Chinese exchanges use alongside DTMF; it is a per-line
 * setting (eng_set_cid_standard). What is received becomes one EV_CID with
 * "number=...;name=...;datetime=...;standard=..." text.
 *
 * Message waiting goes the same way to a phone on hook: MDMF (0x82) with the
 * visual indicator and the count of new messages, or SDMF (0x06) for old
 * Bell 202 sets; received, it becomes "mwi=1;messages=N;standard=...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

static int adsi_standard(int standard)
{
    switch (standard) {
    case ENG_CID_BELL202:
        return ADSI_STANDARD_CLASS;
    case ENG_CID_V23:
        return ADSI_STANDARD_CLIP;
    case ENG_CID_DTMF:
        return ADSI_STANDARD_CLIP_DTMF;
    default:
        return -1;
    }
}

static const char *standard_name(int standard)
{
    return standard == ENG_CID_V23 ? "v23" : standard == ENG_CID_DTMF ? "dtmf" : "bell202";
}

static int valid_digits(const char *s, int max)
{
    int n = 0;
    for (; s && *s; s++, n++)
        if ((*s < '0' || *s > '9') || n >= max)
            return 0;
    return 1;
}

/* An MDMF field: type, length, body. Written here rather than with
 * adsi_add_field(), which doubles a length of 16 (DLE stuffing that only
 * J-CLIP uses) and so corrupts a 16-character name or number. */
static int put_field(uint8_t *msg, int len, uint8_t type, const char *body, int blen)
{
    msg[len++] = type;
    msg[len++] = (uint8_t) blen;
    memcpy(msg + len, body, (size_t) blen);
    return len + blen;
}

static void cid_send_failed(engine_t *e, chan_t *c, int id, const char *why)
{
    eng_emit(e, EV_CID_SENT, c->id, id, ENG_END_ERROR, 0, 0, 0, why);
}

/* A fresh transmitter for one message (one at a time: a new one replaces what was left). */
static int tx_begin(engine_t *e, chan_t *c, int id, int std)
{
    if (c->cid_tx)
        adsi_tx_free(c->cid_tx);
    if ((c->cid_tx = adsi_tx_init(NULL, std)) == NULL) {
        cid_send_failed(e, c, id, "caller ID: out of memory");
        return ENG_ENOMEM;
    }
    return 0;
}

static int tx_queue(engine_t *e, chan_t *c, int id, const uint8_t *msg, int len, int on_hook)
{
    int ms, rc;

    if (adsi_tx_put_message(c->cid_tx, msg, len) != len) {
        cid_send_failed(e, c, id, "caller ID: the message could not be queued");
        return ENG_EINVAL;
    }
    c->cid_tx_id = id ? id : -1;
    /* Message waiting goes to a phone that has not been rung: it hears the burst only if
     * the port passes audio on hook, so the driver is asked for that long (seizure + marks
     * + the bytes at 1200 bit/s, and a margin), as chan_dahdi does. Caller ID follows a
     * ring, after which the card passes audio anyway. */
    ms = 400 + (len + 3) * 10 * 1000 / 1200 + 200;
    if (on_hook && c->span->ops->onhook_transfer && (rc = c->span->ops->onhook_transfer(c->span, c, ms)) < 0)
        return rc;              /* the driver emitted why; the burst still goes out */
    return 0;
}

int cid_send(engine_t *e, chan_t *c, int id, int standard, int mdmf, const char *number,
             const char *name, const char *datetime)
{
    uint8_t msg[256];
    int len, std = adsi_standard(standard);

    if (std < 0) {
        cid_send_failed(e, c, id, "caller ID: unknown standard");
        return ENG_EINVAL;
    }
    if (number && *number && !valid_digits(number, 20)) {
        cid_send_failed(e, c, id, "caller ID: the number must be at most 20 digits");
        return ENG_EINVAL;
    }
    if (datetime && *datetime && (strlen(datetime) != 8 || !valid_digits(datetime, 8))) {
        cid_send_failed(e, c, id, "caller ID: the date and time must be MMDDHHMM");
        return ENG_EINVAL;
    }
    if (name && *name && (std == ADSI_STANDARD_CLIP_DTMF || (std == ADSI_STANDARD_CLASS && !mdmf))) {
        cid_send_failed(e, c, id, "caller ID: a name needs MDMF over FSK (not SDMF, not DTMF)");
        return ENG_EINVAL;
    }
    if (name && strlen(name) > 50) {
        cid_send_failed(e, c, id, "caller ID: the name must be at most 50 characters");
        return ENG_EINVAL;
    }
    if ((len = tx_begin(e, c, id, std)) < 0)
        return len;
    if (std == ADSI_STANDARD_CLIP_DTMF) {
        len = adsi_add_field(c->cid_tx, msg, -1, CLIP_DTMF_HASH_TERMINATED, NULL, 0);
        if (number && *number)
            len = adsi_add_field(c->cid_tx, msg, len, CLIP_DTMF_HASH_CALLER_NUMBER, (const uint8_t *) number,
                                 (int) strlen(number));
        else
            len = adsi_add_field(c->cid_tx, msg, len, CLIP_DTMF_HASH_ABSENCE, (const uint8_t *) "3", 1);
    } else if (std == ADSI_STANDARD_CLASS && !mdmf) {
        const char *dt = datetime && *datetime ? datetime : "01010000";
        len = adsi_add_field(c->cid_tx, msg, -1, CLASS_SDMF_CALLERID, NULL, 0);
        len = adsi_add_field(c->cid_tx, msg, len, 0, (const uint8_t *) dt, 8);
        if (number && *number)
            len = adsi_add_field(c->cid_tx, msg, len, 0, (const uint8_t *) number, (int) strlen(number));
        else
            len = adsi_add_field(c->cid_tx, msg, len, 0, (const uint8_t *) "O", 1);
    } else {
        /* MDMF: CLASS and ETSI CLIP share the field codes we use */
        len = adsi_add_field(c->cid_tx, msg, -1, std == ADSI_STANDARD_CLASS ? CLASS_MDMF_CALLERID : CLIP_MDMF_CALLERID,
                             NULL, 0);
        if (datetime && *datetime)
            len = put_field(msg, len, CLIP_DATETIME, datetime, 8);
        if (number && *number)
            len = put_field(msg, len, CLIP_CALLER_NUMBER, number, (int) strlen(number));
        else
            len = put_field(msg, len, CLIP_ABSENCE1, "O", 1);
        if (name && *name)
            len = put_field(msg, len, CLIP_CALLER_NAME, name, (int) strlen(name));
    }
    return tx_queue(e, c, id, msg, len, 0);
}

int cid_send_mwi(engine_t *e, chan_t *c, int id, int standard, int mdmf, int messages)
{
    uint8_t msg[32];
    int len, std = adsi_standard(standard);

    if (std < 0 || std == ADSI_STANDARD_CLIP_DTMF) {
        cid_send_failed(e, c, id, "message waiting: FSK only (bell202 or v23), not DTMF");
        return ENG_EINVAL;
    }
    if (messages < 0) {
        cid_send_failed(e, c, id, "message waiting: the count of messages cannot be negative");
        return ENG_EINVAL;
    }
    if ((len = tx_begin(e, c, id, std)) < 0)
        return len;
    if (std == ADSI_STANDARD_CLASS && !mdmf) {
        /* SDMF: three bytes, 0x42 each for on, 0x6F each for off (Telcordia GR-30) */
        const char *body = messages ? "BBB" : "ooo";
        len = adsi_add_field(c->cid_tx, msg, -1, CLASS_SDMF_MSG_WAITING, NULL, 0);
        len = adsi_add_field(c->cid_tx, msg, len, 0, (const uint8_t *) body, 3);
    } else {
        char on = messages ? (char) 0xFF : 0x00, count = (char) (messages > 255 ? 255 : messages);
        len = adsi_add_field(c->cid_tx, msg, -1, CLASS_MDMF_MSG_WAITING, NULL, 0);
        len = put_field(msg, len, CLIP_VISUAL_INDICATOR, &on, 1);
        if (messages)
            len = put_field(msg, len, CLIP_NUM_MSG, &count, 1);
    }
    return tx_queue(e, c, id, msg, len, 1);
}

void cid_tx(engine_t *e, chan_t *c, int16_t *tx, int *have_tx)
{
    int n = e->frame, got;

    got = adsi_tx(c->cid_tx, tx, n);
    if (got < n) {
        memset(tx + got, 0, sizeof(int16_t) * (size_t) (n - got));
        eng_emit(e, EV_CID_SENT, c->id, c->cid_tx_id > 0 ? c->cid_tx_id : 0, ENG_END_DONE, 0, 0, 0, NULL);
        c->cid_tx_id = 0;
    }
    *have_tx = 1;
}

static void append(char *out, size_t cap, const char *key, const uint8_t *body, int len)
{
    size_t used = strlen(out);
    int i;

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

static const char *absence(uint8_t v)
{
    return v == 'P' || v == '1' ? "private" : "unavailable";
}

static void cid_message(void *user_data, const uint8_t *msg, int len)
{
    chan_t *c = user_data;
    engine_t *e = c->span->eng;
    char text[ENG_TEXT_MAX] = "";
    uint8_t type = 0, msg_type = 0;
    const uint8_t *body;
    int blen, pos = -1;

    while ((pos = adsi_next_field(c->cid_rx, msg, len, pos, &type, &body, &blen)) > 0) {
        if (!body) {
            msg_type = type;
            continue;
        }
        if (c->cid_rx_standard == ENG_CID_DTMF) {
            if (type == CLIP_DTMF_HASH_CALLER_NUMBER || type == CLIP_DTMF_HASH_UNSPECIFIED
                || type == CLIP_DTMF_C_CALLER_NUMBER)
                append(text, sizeof(text), "number", body, blen);
            else if ((type == CLIP_DTMF_HASH_ABSENCE || type == CLIP_DTMF_C_ABSENCE) && blen > 0)
                append(text, sizeof(text), "number_absent", (const uint8_t *) absence(body[0]),
                       (int) strlen(absence(body[0])));
        } else if (msg_type == CLASS_SDMF_MSG_WAITING && type == 0) {
            append(text, sizeof(text), "mwi", (const uint8_t *) (blen > 0 && body[0] == 0x42 ? "1" : "0"), 1);
        } else if (msg_type == CLASS_MDMF_MSG_WAITING) {
            if (type == CLIP_VISUAL_INDICATOR && blen > 0)
                append(text, sizeof(text), "mwi", (const uint8_t *) (body[0] ? "1" : "0"), 1);
            else if (type == CLIP_NUM_MSG && blen > 0) {
                char n[8];
                snprintf(n, sizeof(n), "%d", body[0]);
                append(text, sizeof(text), "messages", (const uint8_t *) n, (int) strlen(n));
            }
        } else if (msg_type == CLASS_SDMF_CALLERID && type == 0) {
            if (blen >= 8)
                append(text, sizeof(text), "datetime", body, 8);
            if (blen > 8 && (body[8] == 'O' || body[8] == 'P') && blen == 9)
                append(text, sizeof(text), "number_absent", (const uint8_t *) absence(body[8]),
                       (int) strlen(absence(body[8])));
            else if (blen > 8)
                append(text, sizeof(text), "number", body + 8, blen - 8);
        } else {
            switch (type) {
            case CLIP_DATETIME:
                append(text, sizeof(text), "datetime", body, blen);
                break;
            case CLIP_CALLER_NUMBER:
                append(text, sizeof(text), "number", body, blen);
                break;
            case CLIP_DIALED_NUMBER:
                append(text, sizeof(text), "dialled", body, blen);
                break;
            case CLIP_ABSENCE1:
                if (blen > 0)
                    append(text, sizeof(text), "number_absent", (const uint8_t *) absence(body[0]),
                           (int) strlen(absence(body[0])));
                break;
            case CLIP_CALLER_NAME:
                append(text, sizeof(text), "name", body, blen);
                break;
            case CLIP_ABSENCE2:
                if (blen > 0)
                    append(text, sizeof(text), "name_absent", (const uint8_t *) absence(body[0]),
                           (int) strlen(absence(body[0])));
                break;
            default:
                break;
            }
        }
    }
    if (pos < -1) {
        eng_emit(e, EV_ERROR, c->id, 0, 0, 0, 0, 0, "caller ID: a corrupt message was received");
        return;
    }
    append(text, sizeof(text), "standard", (const uint8_t *) standard_name(c->cid_rx_standard),
           (int) strlen(standard_name(c->cid_rx_standard)));
    eng_emit(e, EV_CID, c->id, 0, c->cid_rx_standard, 0, 0, 0, text);
}

int cid_rx_enable(engine_t *e, chan_t *c, int on)
{
    (void) e;
    if (!c->cid_rx_standard)
        c->cid_rx_standard = ENG_CID_BELL202;
    if (c->cid_rx && !on) {
        adsi_rx_free(c->cid_rx);
        c->cid_rx = NULL;
    } else if (!c->cid_rx && on) {
        c->cid_rx = adsi_rx_init(NULL, adsi_standard(c->cid_rx_standard), cid_message, c);
    }
    return 0;
}

int cid_set_standard(engine_t *e, chan_t *c, int standard)
{
    if (adsi_standard(standard) < 0)
        return ENG_EINVAL;
    c->cid_rx_standard = standard;
    if (c->cid_rx) {
        /* restart reception in the new standard */
        adsi_rx_free(c->cid_rx);
        c->cid_rx = NULL;
        cid_rx_enable(e, c, 1);
    }
    return 0;
}

void cid_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    (void) e;
    adsi_rx(c->cid_rx, amp, n);
}

void cid_free(chan_t *c)
{
    if (c->cid_rx)
        adsi_rx_free(c->cid_rx);
    if (c->cid_tx)
        adsi_tx_free(c->cid_tx);
    c->cid_rx = NULL;
    c->cid_tx = NULL;
}
