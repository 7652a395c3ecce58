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

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sdp.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_wait.h>

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
    int auth_tries;
    struct sockaddr_in remote;      /* media from the offer or the answer */
    int pt, dtmf_pt;
} sip_line_t;

typedef struct sip_cmd_s {
    int line;                       /* -1: quit */
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
    int shutting_down;
} sip_span_t;

/* sip_sdp.c */
int q850_of_status(int status);                          /* RFC 3398 */
int status_of_q850(int cause, const char **phrase);
int cause_of(const sip_t *sip, int status);              /* a Reason header's Q.850 cause, else the status's */
void make_sdp(sip_line_t *l, int answer, char *out, size_t cap);
int take_sdp(sip_line_t *l, const sip_t *sip, char *why, size_t cap);

/* sip_ua.c */
void *sip_thread(void *arg);                             /* the span's SIP thread */
void sip_push(sip_span_t *sp, int line, const char *msg);   /* any thread: a message for a line; line -1: quit */

#endif
