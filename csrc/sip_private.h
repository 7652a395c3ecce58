/*
 * What the sip driver's files share (drv_sip.c: the driver table and the span; sip_ua.c: the SIP thread;
 * sip_sdp.c: SDP offer/answer and Q.850 causes). Each line's call state belongs to the SIP thread.
 */
#ifndef TELEPHONIST_SIP_PRIVATE_H
#define TELEPHONIST_SIP_PRIVATE_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NUA_MAGIC_T struct sip_span_s
#define NUA_HMAGIC_T struct sip_line_s
#define SU_ROOT_MAGIC_T struct sip_span_s
#define SU_WAKEUP_ARG_T struct sip_span_s

#include <sofia-sip/auth_module.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sdp.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/su_time.h>
#include <sofia-sip/tport_tag.h>

#include "rtp.h"

enum { L_IDLE = 0, L_INCOMING, L_OUTGOING, L_CONNECTED };

typedef struct sip_line_s {
    struct sip_span_s *sp;
    int chan_id;
    chan_t *chan;                   /* the media thread's */
    int state;
    nua_handle_t *nh;
    rtp_t *rtp;
    int alerted;
    int heard;                      /* our INVITE had an answer (any status) from the far end */
    int auth_tries;
    struct sockaddr_in remote;      /* media from the offer or the answer */
    int pt, dtmf_pt;
    int mode;                       /* what the far end's SDP says: sdp_sendrecv, sdp_sendonly ... */
    /* SRTP (sip_sdp.c): keys are never logged, and wiped when the call ends */
    int secure;                     /* the call's signalling is TLS: SDES keys may travel in its SDP */
    rtp_crypto_t crypto;            /* what was agreed (suite NONE: plain RTP) */
    int crypto_tag;                 /* the tag of the far end's a=crypto we answer */
    int savp;                       /* the far end offered RTP/SAVP: our answer says it too */
    int offered_srtp;               /* our offer carried a=crypto with offer_keys (tag 1: _80, tag 2: _32) */
    uint8_t offer_keys[2][RTP_SRTP_KEY_LEN];
    /* digits we send by SIP INFO (the span's dtmf = info): one INFO each, the next after the last's answer */
    char info_out[64];
    int info_pos, info_id, info_ms;
    int held;                       /* the far end holds the call (sendonly or inactive) */
    /* T.38 (sip_t38.c) */
    int t38;                        /* the call's media is m=image udptl t38 now */
    int t38_asked;                  /* our re-INVITE to T.38 waits for its answer */
    int t38_redundancy;             /* the far end takes (or sends) t38UDPRedundancy */
    int t38_max_datagram;           /* its T38FaxMaxDatagram (0: not said) */
    /* transfers (sip_transfer.c) */
    char refer_event[64];           /* the Event of the far end's REFER we NOTIFY about ("": none pending) */
    int refer_out;                  /* our REFER is waiting for its outcome */
    /* a span of phones: this line is the phone of extension user (sip_phones.c) */
    char user[32];
    char password[64];
    char contact[200];              /* where it registered ("": not registered) */
    double expires;                 /* ... until then (monotonic seconds) */
    char via_nat[80];               /* behind NAT (its REGISTER came from another IP address than its Contact's):
                                     * "sip:addr:port" where it came from, requests to it go there ("": not) */
    nua_handle_t *ka_nh;            /* our keep-alive OPTIONS waiting for its answer (NULL: none) */
    double ka_next;                 /* the next keep-alive is due then */
} sip_line_t;

#define SIP_CMD_TLS_FAILED (-2)     /* a sip_cmd_t's line: sofia-sip logged a failed TLS connection (msg: why) */

typedef struct sip_cmd_s {
    int line;                       /* -1: quit; SIP_CMD_TLS_FAILED */
    char msg[ENG_TEXT_MAX];
    struct sip_cmd_s *next;
} sip_cmd_t;

typedef struct sip_span_s {
    engine_t *e;
    eng_sip_params_t p;
    int codec;
    int nlines;
    sip_line_t *lines;

    pthread_t thread;
    int started;
    int wake[2];
    pthread_mutex_t qlock;
    sip_cmd_t *qhead, *qtail;
    pthread_mutex_t ready_lock;
    pthread_cond_t ready_cond;
    int ready;                      /* 1 running, -1 failed (err) */
    char err[200];

    su_home_t home[1];
    su_root_t *root;
    su_wait_t wait[1];
    nua_t *nua;
    nua_handle_t *reg;
    int reg_tries;
    int reg_delay_s;                /* the next retry of a failed REGISTER waits this long (doubling) */
    su_timer_t *reg_timer;
    int shutting_down;
    char tls_contact[100];          /* our Contact in dialogs over TLS ("": no TLS) */
    char tls_error[160];            /* a TLS connection failed: what sofia-sip said (sip_ua.c) */

    /* a span of phones (sip_phones.c) */
    int phones;                     /* 1: its lines are phones that register */
    struct auth_mod_t *am;          /* sofia-sip's digest server (iptsec) with the phones' passwords */
    su_timer_t *expiry_timer;       /* registrations that ran out */
    struct sip_ban_s *bans;         /* failed authentications per source address */
    int nbans;

    /* a trunk's trusted source addresses (drv_sip.c parses the params' list; 0 of them: any source) */
    struct sip_net_s { uint32_t net, mask; } *trusted;     /* network byte order */
    int ntrusted;
} sip_span_t;

/* sip_sdp.c */
int q850_of_status(int status);                          /* RFC 3398 */
int status_of_q850(int cause, const char **phrase);
int cause_of(const sip_t *sip, int status);              /* a Reason header's Q.850 cause, else the status's */
void make_sdp(sip_line_t *l, int answer, char *out, size_t cap);
/* The far end's offer (answer 0) or answer (1): media, mode and SRTP as the span's srtp says; -1 and why
 * when we cannot take it (an offer: 488). */
int take_sdp(sip_line_t *l, const sip_t *sip, int answer, char *why, size_t cap);
int srtp_allowed(const sip_line_t *l);                  /* SRTP may be offered/taken on this call */
void forget_crypto(sip_line_t *l);                       /* the call is over: its keys are wiped */

/* sip_info.c: DTMF by SIP INFO (application/dtmf-relay, application/dtmf) both ways */
void info_received(sip_line_t *l, const sip_t *sip);     /* nua_i_info */
void info_send(sip_line_t *l, const char *msg);          /* chand's INFO id= digits= on=: the first digit */
void info_answered(sip_line_t *l, int status);           /* nua_r_info: the next digit, or the end */

/* sip_phones.c: phones registering as extensions, digest authentication and bans */
int phones_parse(sip_span_t *sp, const char *text, char *err, size_t cap);   /* eng_sip_span: the lines' users */
int phones_start(sip_span_t *sp);                        /* the SIP thread: the auth module, the expiry timer */
void phones_stop(sip_span_t *sp);
void phones_register(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip);   /* nua_i_register */
sip_line_t *phones_invite(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip);  /* NULL: answered */
/* a SETUP on a phone: its contact, and via: where to send it when the phone is behind NAT (else NULL); -1: not
 * registered */
int phones_target(sip_line_t *l, char *url, size_t cap, const char **via);
void phones_keepalive_answered(sip_span_t *sp, nua_handle_t *nh, int status);   /* nua_r_options */
int sip_source(nua_t *nua, struct in_addr *a, int *port, char *text, size_t cap);   /* the request's source */
/* "sip:addr:port" of the request's source when it came over UDP from another IP address than contact names (NAT:
 * a request to contact must go there), else "" (0) */
int sip_nat_source(nua_t *nua, const url_t *contact, char *out, size_t cap);
void sip_refused(sip_span_t *sp, const char *source, const char *user, const char *why, int failures);  /* REFUSED */
void sip_emit(sip_line_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sip_transfer.c: REFER both ways (RFC 3515), INVITE with Replaces (RFC 3891) */
void transfer_refer_in(sip_line_t *l, nua_t *nua, nua_handle_t *nh, const sip_t *sip, tagi_t tags[]);
void transfer_notify(sip_line_t *l, const char *msg);    /* chand's NOTIFY status=N about the far end's REFER */
void transfer_refer_out(sip_line_t *l, const char *msg); /* chand's REFER to=N: the far end transfers the call */
void transfer_refer_answer(sip_line_t *l, int status);   /* nua_r_refer */
void transfer_notified(sip_line_t *l, const sip_t *sip, tagi_t tags[]);  /* nua_i_notify on our REFER */
int transfer_replaces(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip);   /* 1: taken */

/* sip_t38.c: T.38 fax, m=image udptl t38 by re-INVITE both ways (contact: our Contact over TLS, or NULL) */
void t38_make_sdp(sip_line_t *l, int answer, char *out, size_t cap);
int t38_take_sdp(sip_line_t *l, const sip_t *sip, struct sockaddr_in *remote, char *why, size_t cap);
int t38_reinvite_in(sip_line_t *l, const sip_t *sip, const char *contact);   /* 1: it asked for T.38, answered */
void t38_request(sip_line_t *l, const char *contact);    /* the "T38" command: re-INVITE if the span's t38 is on */
int t38_answered(sip_line_t *l, int status, const sip_t *sip);   /* nua_r_invite in a call; 1: ours */

/* sip_ua.c */
int sip_msg_field(const char *msg, const char *key, char *out, size_t cap);
int sip_over_tls(nua_t *nua, const sip_t *sip);          /* the request being handled came over TLS */
void sip_field(char *out, size_t cap, const char *in);   /* a number as a message field */

void *sip_thread(void *arg);                             /* the span's SIP thread */
void sip_push(sip_span_t *sp, int line, const char *msg);   /* any thread: a message for a line; line -1: quit */

#endif
