/*
 * SRTP for sip lines (RFC 3711, libsrtp2) keyed by SDES (RFC 4568: the keys travel in the SDP's a=crypto).
 *
 * Two suites, AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (SRTCP takes an 80-bit tag with either, as
 * RFC 4568 says). A key is 30 bytes, master key and salt, drawn from the kernel's CSPRNG (getrandom) and
 * never logged.
 *
 * Threads: the SIP thread draws keys and reads/writes them as text for the SDP (rtp_crypto_*). The media
 * thread owns the libsrtp2 contexts (srtp_pair_*): made when it takes a new session from the SIP thread
 * (rtp.c's sync_session), used in place on each packet (no allocation per packet: libsrtp2 protects and
 * checks in the caller's buffer), freed when the session ends.
 */
#ifndef TELEPHONIST_RTP_CRYPTO_H
#define TELEPHONIST_RTP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum { RTP_SRTP_NONE = 0, RTP_SRTP_AES_CM_80 = 1, RTP_SRTP_AES_CM_32 = 2 };
#define RTP_SRTP_KEY_LEN 30
#define RTP_SRTP_TRAILER 148        /* room libsrtp2 may write after a packet (SRTP_MAX_TRAILER_LEN + the SRTCP index) */

typedef struct {
    int suite;                      /* RTP_SRTP_*: NONE is plain RTP */
    uint8_t tx_key[RTP_SRTP_KEY_LEN];   /* ours: what we send is protected with it */
    uint8_t rx_key[RTP_SRTP_KEY_LEN];   /* the far end's, from its a=crypto */
} rtp_crypto_t;

const char *rtp_crypto_suite_name(int suite);            /* "" for NONE */
int rtp_crypto_suite_of(const char *name, size_t len);   /* RTP_SRTP_NONE: not one we take */
int rtp_crypto_random_key(uint8_t key[RTP_SRTP_KEY_LEN]);   /* 0, or -1 when the CSPRNG fails */
/* base64 of a key (40 characters), and back: -1 unless the text is exactly a 30-byte key */
void rtp_crypto_key_text(const uint8_t key[RTP_SRTP_KEY_LEN], char out[41]);
int rtp_crypto_key_of_text(const char *text, size_t len, uint8_t key[RTP_SRTP_KEY_LEN]);
void rtp_crypto_wipe(rtp_crypto_t *c);

/* The media thread's libsrtp2 contexts of one session. */
typedef struct {
    void *tx, *rx;                  /* srtp_t */
} srtp_pair_t;

int srtp_pair_open(srtp_pair_t *s, const rtp_crypto_t *c);   /* NONE: nothing to open; -1 failed */
void srtp_pair_close(srtp_pair_t *s);
/* In place: len is updated; the buffer has RTP_SRTP_TRAILER bytes to spare. 0, or -1 (not sent / refused). */
int srtp_pair_protect(srtp_pair_t *s, uint8_t *pkt, int *len, int rtcp);
int srtp_pair_unprotect(srtp_pair_t *s, uint8_t *pkt, int *len, int rtcp);

#endif
