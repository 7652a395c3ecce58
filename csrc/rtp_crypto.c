/*
 * SRTP keyed by SDES for sip lines: suites, keys and their text, and libsrtp2's contexts (see rtp_crypto.h).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <srtp2/srtp.h>

#include "rtp_crypto.h"

static const char *const SUITES[] = {"", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"};
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static int srtp_ready;

static void srtp_start_once(void)
{
    srtp_ready = srtp_init() == srtp_err_status_ok;
}

const char *rtp_crypto_suite_name(int suite)
{
    return suite > RTP_SRTP_NONE && suite <= RTP_SRTP_AES_CM_32 ? SUITES[suite] : "";
}

int rtp_crypto_suite_of(const char *name, size_t len)
{
    int i;
    for (i = RTP_SRTP_AES_CM_80; i <= RTP_SRTP_AES_CM_32; i++)
        if (strlen(SUITES[i]) == len && strncasecmp(SUITES[i], name, len) == 0)
            return i;
    return RTP_SRTP_NONE;
}

int rtp_crypto_random_key(uint8_t key[RTP_SRTP_KEY_LEN])
{
    size_t got = 0;
    while (got < RTP_SRTP_KEY_LEN) {
        ssize_t n = getrandom(key + got, RTP_SRTP_KEY_LEN - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t) n;
    }
    return 0;
}

void rtp_crypto_key_text(const uint8_t key[RTP_SRTP_KEY_LEN], char out[41])
{
    int i, j = 0;
    for (i = 0; i < RTP_SRTP_KEY_LEN; i += 3) {     /* 30 bytes: ten groups of three, no padding */
        uint32_t v = ((uint32_t) key[i] << 16) | ((uint32_t) key[i + 1] << 8) | key[i + 2];
        out[j++] = B64[(v >> 18) & 63];
        out[j++] = B64[(v >> 12) & 63];
        out[j++] = B64[(v >> 6) & 63];
        out[j++] = B64[v & 63];
    }
    out[j] = '\0';
}

int rtp_crypto_key_of_text(const char *text, size_t len, uint8_t key[RTP_SRTP_KEY_LEN])
{
    size_t i;
    int j = 0;
    if (len != 40)
        return -1;
    for (i = 0; i < len; i += 4) {
        uint32_t v = 0;
        int k;
        for (k = 0; k < 4; k++) {
            const char *at = text[i + (size_t) k] ? strchr(B64, text[i + (size_t) k]) : NULL;
            if (!at)
                return -1;
            v = (v << 6) | (uint32_t) (at - B64);
        }
        key[j++] = (uint8_t) (v >> 16);
        key[j++] = (uint8_t) (v >> 8);
        key[j++] = (uint8_t) v;
    }
    return 0;
}

void rtp_crypto_wipe(rtp_crypto_t *c)
{
    explicit_bzero(c, sizeof(*c));
}

/* ---- the media thread's contexts ------------------------------------------------------------- */

static int open_one(srtp_t *ctx, int suite, const uint8_t *key, srtp_ssrc_type_t direction)
{
    srtp_policy_t p;
    uint8_t k[RTP_SRTP_KEY_LEN];
    int rc;
    memset(&p, 0, sizeof(p));
    if (suite == RTP_SRTP_AES_CM_32)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
    else
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);   /* RFC 4568: SRTCP has the 80-bit tag */
    memcpy(k, key, sizeof(k));
    p.key = k;
    p.ssrc.type = direction;
    p.window_size = 128;
    rc = srtp_create(ctx, &p) == srtp_err_status_ok ? 0 : -1;
    explicit_bzero(k, sizeof(k));
    return rc;
}

int srtp_pair_open(srtp_pair_t *s, const rtp_crypto_t *c)
{
    srtp_t tx = NULL, rx = NULL;
    s->tx = s->rx = NULL;
    if (c->suite == RTP_SRTP_NONE)
        return 0;
    pthread_once(&srtp_once, srtp_start_once);
    if (!srtp_ready || open_one(&tx, c->suite, c->tx_key, ssrc_any_outbound) < 0)
        return -1;
    if (open_one(&rx, c->suite, c->rx_key, ssrc_any_inbound) < 0) {
        srtp_dealloc(tx);
        return -1;
    }
    s->tx = tx;
    s->rx = rx;
    return 0;
}

void srtp_pair_close(srtp_pair_t *s)
{
    if (s->tx)
        srtp_dealloc((srtp_t) s->tx);
    if (s->rx)
        srtp_dealloc((srtp_t) s->rx);
    s->tx = s->rx = NULL;
}

int srtp_pair_protect(srtp_pair_t *s, uint8_t *pkt, int *len, int rtcp)
{
    srtp_err_status_t rc = rtcp ? srtp_protect_rtcp((srtp_t) s->tx, pkt, len) : srtp_protect((srtp_t) s->tx, pkt, len);
    return rc == srtp_err_status_ok ? 0 : -1;
}

int srtp_pair_unprotect(srtp_pair_t *s, uint8_t *pkt, int *len, int rtcp)
{
    srtp_err_status_t rc = rtcp ? srtp_unprotect_rtcp((srtp_t) s->rx, pkt, len)
                                : srtp_unprotect((srtp_t) s->rx, pkt, len);
    return rc == srtp_err_status_ok ? 0 : -1;
}
