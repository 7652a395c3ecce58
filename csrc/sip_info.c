/*
 * DTMF by SIP INFO on a sip line in a call: the far end's INFO (application/dtmf-relay "Signal=5\r\n
 * Duration=160", or application/dtmf "5") is told to the media thread, which tells it as it tells an RFC 4733
 * digit (EV_DTMF_BEGIN, EV_DTMF); with the span's dtmf = info, send_dtmf sends one INFO
 * (application/dtmf-relay) per digit, the next when the last one is answered, and EV_DTMF_SENT at the end.
 * All on the SIP thread; nua answers the far end's INFO (200) itself.
 */
#define _GNU_SOURCE
#include <ctype.h>

#include "sip_private.h"

static const char DIGITS[] = "0123456789*#ABCD";

/* A digit's text: one of 0-9 * # A-D, or the event code 10 (*) / 11 (#) some send; 0 if not one. */
static char digit_of(const char *v, size_t n)
{
    if (n == 2 && v[0] == '1' && (v[1] == '0' || v[1] == '1'))
        return v[1] == '0' ? '*' : '#';
    if (n == 1 && strchr(DIGITS, toupper((unsigned char) v[0])))
        return (char) toupper((unsigned char) v[0]);
    return 0;
}

/* The value of "key=" at the start of a line of body (case-insensitive, blanks allowed around '='). */
static const char *relay_value(const char *body, const char *key, size_t *n)
{
    size_t klen = strlen(key);
    const char *p = body;
    while (p && *p) {
        p += strspn(p, " \t");
        if (strncasecmp(p, key, klen) == 0) {
            const char *v = p + klen + strspn(p + klen, " \t");
            if (*v == '=') {
                v += 1 + strspn(v + 1, " \t");
                *n = strcspn(v, " \t\r\n");
                return v;
            }
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

void info_received(sip_line_t *l, const sip_t *sip)
{
    char body[256];
    const char *type, *v;
    size_t n = 0, len;
    int ms = 100;
    char d = 0;
    if (l->state != L_CONNECTED || !sip || !sip->sip_content_type || !sip->sip_payload)
        return;
    type = sip->sip_content_type->c_type;
    len = sip->sip_payload->pl_len < sizeof(body) - 1 ? sip->sip_payload->pl_len : sizeof(body) - 1;
    memcpy(body, sip->sip_payload->pl_data, len);
    body[len] = '\0';
    if (type && strcasecmp(type, "application/dtmf-relay") == 0) {
        if ((v = relay_value(body, "signal", &n)) != NULL)
            d = digit_of(v, n);
        if ((v = relay_value(body, "duration", &n)) != NULL && atoi(v) > 0)
            ms = atoi(v);
    } else if (type && strcasecmp(type, "application/dtmf") == 0) {
        v = body + strspn(body, " \t\r\n");
        d = digit_of(v, strcspn(v, " \t\r\n"));
    }
    if (d)
        rtp_info_dtmf(l->rtp, d, ms > 5000 ? 5000 : ms);
}

static void sent(sip_line_t *l, int end, const char *text)
{
    eng_emit(l->sp->e, EV_DTMF_SENT, l->chan_id, l->info_id > 0 ? l->info_id : 0, end, 0, 0, 0, text);
    l->info_out[0] = '\0';
    l->info_pos = l->info_id = 0;
}

static void send_next(sip_line_t *l)
{
    char body[64];
    snprintf(body, sizeof(body), "Signal=%c\r\nDuration=%d\r\n", l->info_out[l->info_pos], l->info_ms);
    nua_info(l->nh, SIPTAG_CONTENT_TYPE_STR("application/dtmf-relay"), SIPTAG_PAYLOAD_STR(body), TAG_END());
}

void info_send(sip_line_t *l, const char *msg)
{
    char id[16], on[16], digits[sizeof(l->info_out)];
    size_t i, j = 0;
    sip_msg_field(msg, "id", id, sizeof(id));
    sip_msg_field(msg, "on", on, sizeof(on));
    sip_msg_field(msg, "digits", digits, sizeof(digits));
    if (l->info_id)
        sent(l, ENG_END_STOPPED, NULL);         /* new digits replace those still going */
    l->info_id = atoi(id) ? atoi(id) : -1;
    for (i = 0; digits[i] && j + 1 < sizeof(l->info_out); i++)
        if (strchr(DIGITS, toupper((unsigned char) digits[i])))
            l->info_out[j++] = (char) toupper((unsigned char) digits[i]);
    l->info_out[j] = '\0';
    l->info_ms = atoi(on) > 0 ? atoi(on) : 100;
    l->info_pos = 0;
    if (l->state != L_CONNECTED || !l->nh)
        sent(l, ENG_END_ERROR, "no call on this line");
    else if (j == 0)
        sent(l, ENG_END_DONE, NULL);
    else
        send_next(l);
}

void info_answered(sip_line_t *l, int status)
{
    char text[64];
    if (status < 200 || !l->info_id)
        return;
    if (status >= 300) {
        snprintf(text, sizeof(text), "the far end refused INFO: %d", status);
        sent(l, ENG_END_ERROR, text);
        return;
    }
    rtp_count_tx_dtmf(l->rtp);
    if (l->info_out[++l->info_pos])
        send_next(l);
    else
        sent(l, ENG_END_DONE, NULL);
}
