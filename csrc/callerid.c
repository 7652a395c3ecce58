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

static void cid_message(void *user_data, const uint8_t *msg, int len)
{
    chan_t *c = user_data;
    engine_t *e = c->span->eng;
    char text[ENG_TEXT_MAX];

    if (cid_parse_message(c->cid_rx, c->cid_rx_standard, msg, len, text, sizeof(text)) < 0)
        eng_emit(e, EV_ERROR, c->id, 0, 0, 0, 0, 0, "caller ID: a corrupt message was received");
    else
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
