/*
 * The sip driver: a SIP trunk whose lines chand drives exactly like an E1's bearer channels.
 *
 * Signalling is sofia-sip's user agent (nua), run by one thread per span in its own event loop (su_root);
 * the SIP parser, transactions, retransmissions, digest authentication and the SDP parser are all
 * sofia-sip's. What goes in and out is the message shape of the sim E1 (signalling/digital.py):
 *
 *   chand -> eng_sigmsg   SETUP calling= called=   INVITE sip:called@peer (From: calling)
 *                         ALERTING                 180 Ringing to the INVITE we hold
 *                         CONNECT                  200 OK with our SDP answer, RTP starts
 *                         DISCONNECT cause=N       CANCEL, BYE or a final error answer (Reason: Q.850)
 *   EV_SIGMSG -> chand    SETUP calling= called=   an INVITE (Request-URI user = DNIS, From user = caller)
 *                         ALERTING                 180/183
 *                         CONNECT                  200 OK (ACKed by nua), RTP starts
 *                         DISCONNECT cause=N       BYE, CANCEL or a final error (SIP status -> Q.850)
 *                         RELEASE                  after our DISCONNECT: the line is free again
 *
 * Threads: the media thread calls the driver table (read/write through rtp.c; sigmsg queues a command
 * and wakes the SIP thread through a pipe). The SIP thread owns every nua object and each line's call
 * state; it hands RTP its session with rtp_start/rtp_stop and reports with eng_emit (thread-safe).
 */
#define _GNU_SOURCE
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
static const char *const STATE_NAMES[] = {"idle", "incoming", "outgoing", "connected"};

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

/* ---- causes: RFC 3398 ---------------------------------------------------------------------- */

static int q850_of_status(int status)
{
    switch (status) {
    case 404: case 485: case 604: return 1;
    case 486: case 600: return 17;
    case 408: case 504: return 102;
    case 480: return 18;
    case 410: return 22;
    case 484: return 28;
    case 401: case 402: case 403: case 407: case 603: return 21;
    case 502: return 38;
    case 405: return 63;
    case 406: case 415: case 501: return 79;
    case 487: return 16;
    case 500: case 503: case 400: case 481: return 41;
    case 606: return 58;
    default: return status >= 500 ? 41 : 127;
    }
}

static int status_of_q850(int cause, const char **phrase)
{
    int s;
    switch (cause) {
    case 1: case 2: case 3: case 26: s = 404; break;
    case 17: s = 486; break;
    case 18: s = 408; break;
    case 19: case 20: case 31: case 16: s = 480; break;
    case 21: s = 603; break;
    case 22: s = 410; break;
    case 27: s = 502; break;
    case 28: s = 484; break;
    case 34: case 38: case 41: case 42: case 47: case 58: s = 503; break;
    case 102: s = 504; break;
    default: s = 500; break;
    }
    *phrase = sip_status_phrase(s);
    return s;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static void set_state(sip_line_t *l, int state)
{
    (void) STATE_NAMES;
    l->state = state;
}

static void emit(sip_line_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(sip_line_t *l, const char *fmt, ...)
{
    char text[ENG_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    eng_emit(l->sp->e, EV_SIGMSG, l->chan_id, 0, 0, 0, 0, 0, text);
}

/* A number as a message field: no spaces, no '=' (they would break "key=value"). */
static void field(char *out, size_t cap, const char *in)
{
    size_t j = 0;
    for (; in && *in && j + 1 < cap; in++)
        if ((unsigned char) *in > ' ' && *in != '=' && *in != ';')
            out[j++] = *in;
    out[j] = '\0';
}

static int msg_field(const char *msg, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = msg;
    out[0] = '\0';
    while ((p = strstr(p, key)) != NULL) {
        if ((p == msg || p[-1] == ' ') && p[klen] == '=') {
            size_t n = strcspn(p + klen + 1, " ");
            if (n >= cap)
                n = cap - 1;
            memcpy(out, p + klen + 1, n);
            out[n] = '\0';
            return 1;
        }
        p += klen;
    }
    return 0;
}

/* Q.850 cause from a Reason header, else from the status. */
static int cause_of(const sip_t *sip, int status)
{
    const sip_reason_t *r;
    for (r = sip ? sip->sip_reason : NULL; r; r = r->re_next) {
        if (r->re_protocol && strcasecmp(r->re_protocol, "Q.850") == 0 && r->re_cause)
            return atoi(r->re_cause);
    }
    return status ? q850_of_status(status) : 16;
}

/* Our SDP: an offer lists both G.711 laws (the channel's first) and telephone-event; an answer the
 * agreed ones. */
static void make_sdp(sip_line_t *l, int answer, char *out, size_t cap)
{
    sip_span_t *sp = l->sp;
    int first = sp->codec == ENG_CODEC_ULAW ? 0 : 8, second = first == 8 ? 0 : 8;
    int port = rtp_port(l->rtp);
    char fmts[32], maps[256];
    long sess = (long) l->chan_id + 1000;
    if (answer) {
        snprintf(fmts, sizeof(fmts), "%d", l->pt);
        snprintf(maps, sizeof(maps), "a=rtpmap:%d %s/8000\r\n", l->pt, l->pt == 0 ? "PCMU" : "PCMA");
        if (l->dtmf_pt >= 0) {
            size_t n = strlen(fmts);
            snprintf(fmts + n, sizeof(fmts) - n, " %d", l->dtmf_pt);
            n = strlen(maps);
            snprintf(maps + n, sizeof(maps) - n, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n",
                     l->dtmf_pt, l->dtmf_pt);
        }
    } else {
        snprintf(fmts, sizeof(fmts), "%d %d 101", first, second);
        snprintf(maps, sizeof(maps), "a=rtpmap:%d %s/8000\r\na=rtpmap:%d %s/8000\r\n"
                 "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n",
                 first, first == 0 ? "PCMU" : "PCMA", second, second == 0 ? "PCMU" : "PCMA");
    }
    snprintf(out, cap, "v=0\r\no=telephonist %ld %ld IN IP4 %s\r\ns=telephonist\r\nc=IN IP4 %s\r\nt=0 0\r\n"
             "m=audio %d RTP/AVP %s\r\n%sa=ptime:%d\r\na=sendrecv\r\n",
             sess, sess, sp->p.rtp_host, sp->p.rtp_host, port, fmts, maps, sp->e->frame_ms);
}

/* The far end's media from its SDP (sofia-sip's parser): address, the first G.711 law it lists,
 * telephone-event. -1 and why if there is nothing we can use. */
static int take_sdp(sip_line_t *l, const sip_t *sip, char *why, size_t cap)
{
    su_home_t home[1] = {SU_HOME_INIT(home)};
    sdp_parser_t *parser;
    sdp_session_t *s;
    sdp_media_t *m;
    sdp_connection_t *c;
    sdp_rtpmap_t *rm;
    int rc = -1;

    if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data) {
        snprintf(why, cap, "no SDP");
        return -1;
    }
    parser = sdp_parse(home, sip->sip_payload->pl_data, (issize_t) sip->sip_payload->pl_len, 0);
    s = sdp_session(parser);
    if (!s) {
        snprintf(why, cap, "bad SDP: %s", sdp_parsing_error(parser));
        goto out;
    }
    for (m = s->sdp_media; m; m = m->m_next)
        if (m->m_type == sdp_media_audio && m->m_port)
            break;
    if (!m) {
        snprintf(why, cap, "no audio in the SDP");
        goto out;
    }
    c = m->m_connections ? m->m_connections : s->sdp_connection;
    memset(&l->remote, 0, sizeof(l->remote));
    l->remote.sin_family = AF_INET;
    l->remote.sin_port = htons((uint16_t) m->m_port);
    if (!c || !c->c_address || inet_pton(AF_INET, c->c_address, &l->remote.sin_addr) != 1) {
        snprintf(why, cap, "the SDP's connection is not an IPv4 address");
        goto out;
    }
    l->pt = l->dtmf_pt = -1;
    for (rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
        if (l->pt < 0 && rm->rm_encoding && rm->rm_rate == 8000
            && (strcasecmp(rm->rm_encoding, "PCMA") == 0 || strcasecmp(rm->rm_encoding, "PCMU") == 0))
            l->pt = (int) rm->rm_pt;
        else if (l->dtmf_pt < 0 && rm->rm_encoding && strcasecmp(rm->rm_encoding, "telephone-event") == 0)
            l->dtmf_pt = (int) rm->rm_pt;
    }
    if (l->pt < 0) {
        sdp_list_t *f;
        for (f = m->m_format; f && l->pt < 0; f = f->l_next)
            if (strcmp(f->l_text, "0") == 0 || strcmp(f->l_text, "8") == 0)
                l->pt = atoi(f->l_text);
    }
    if (l->pt < 0) {
        snprintf(why, cap, "no G.711 in the SDP");
        goto out;
    }
    rc = 0;
out:
    sdp_parser_free(parser);
    su_home_deinit(home);
    return rc;
}

/* The line lets go of its call: nua finishes the transaction, and the handle is destroyed when nua
 * says the call is over (nua_i_state terminated, handle bound to nothing). */
static void let_go(sip_line_t *l)
{
    rtp_stop(l->rtp);
    if (l->nh)
        nua_handle_bind(l->nh, NULL);
    l->nh = NULL;
    l->alerted = 0;
    l->auth_tries = 0;
    set_state(l, L_IDLE);
}

/* ---- chand's messages ---------------------------------------------------------------------- */

static void do_setup(sip_line_t *l, const char *msg)
{
    sip_span_t *sp = l->sp;
    char calling[64], called[64], to[200], from[200], sdp[700];
    if (l->state != L_IDLE) {
        emit(l, "DISCONNECT cause=17");
        return;
    }
    msg_field(msg, "calling", calling, sizeof(calling));
    msg_field(msg, "called", called, sizeof(called));
    if (!sp->p.peer[0]) {
        emit(l, "DISCONNECT cause=38");
        eng_emit(sp->e, EV_ERROR, l->chan_id, 0, ENG_ESTATE, 0, 0, 0, "sip: this span has no peer to call");
        return;
    }
    snprintf(to, sizeof(to), "<sip:%s@%s>", called, sp->p.peer);
    snprintf(from, sizeof(from), "<sip:%s@%s>", calling[0] ? calling : (sp->p.from_user[0] ? sp->p.from_user
             : "telephonist"), sp->p.rtp_host);
    l->nh = nua_handle(sp->nua, l, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
    if (!l->nh) {
        emit(l, "DISCONNECT cause=47");
        return;
    }
    make_sdp(l, 0, sdp, sizeof(sdp));
    set_state(l, L_OUTGOING);
    nua_invite(l->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

static void do_connect(sip_line_t *l)
{
    char sdp[700];
    if (l->state != L_INCOMING)
        return;
    make_sdp(l, 1, sdp, sizeof(sdp));
    rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt);
    set_state(l, L_CONNECTED);
    nua_respond(l->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

static void do_disconnect(sip_line_t *l, const char *msg)
{
    char c[16], reason[48];
    int cause;
    const char *phrase;
    int status;
    msg_field(msg, "cause", c, sizeof(c));
    cause = c[0] ? atoi(c) : 16;
    snprintf(reason, sizeof(reason), "Q.850;cause=%d", cause);
    switch (l->state) {
    case L_INCOMING:
        status = status_of_q850(cause, &phrase);
        nua_respond(l->nh, status, phrase, SIPTAG_REASON_STR(reason), TAG_END());
        break;
    case L_OUTGOING:
        nua_cancel(l->nh, SIPTAG_REASON_STR(reason), TAG_END());
        break;
    case L_CONNECTED:
        nua_bye(l->nh, SIPTAG_REASON_STR(reason), TAG_END());
        break;
    default:
        return;                     /* the far end cleared first: its DISCONNECT crossed ours */
    }
    let_go(l);
    emit(l, "RELEASE");
}

static void run_cmd(sip_span_t *sp, sip_cmd_t *cmd)
{
    sip_line_t *l = &sp->lines[cmd->line];
    char kind[16];
    size_t n = strcspn(cmd->msg, " ");
    if (n >= sizeof(kind))
        n = sizeof(kind) - 1;
    memcpy(kind, cmd->msg, n);
    kind[n] = '\0';
    if (strcasecmp(kind, "SETUP") == 0)
        do_setup(l, cmd->msg);
    else if (strcasecmp(kind, "ALERTING") == 0 && l->state == L_INCOMING)
        nua_respond(l->nh, SIP_180_RINGING, TAG_END());
    else if (strcasecmp(kind, "CONNECT") == 0)
        do_connect(l);
    else if (strcasecmp(kind, "DISCONNECT") == 0)
        do_disconnect(l, cmd->msg);
    /* RELEASE: nua answered the BYE or CANCEL already */
}

static int on_wake(sip_span_t *sp, su_wait_t *w, sip_span_t *arg)
{
    char buf[64];
    (void) w;
    (void) arg;
    while (read(sp->wake[0], buf, sizeof(buf)) > 0)
        ;
    for (;;) {
        sip_cmd_t *cmd;
        pthread_mutex_lock(&sp->qlock);
        cmd = sp->qhead;
        if (cmd) {
            sp->qhead = cmd->next;
            if (!sp->qhead)
                sp->qtail = NULL;
        }
        pthread_mutex_unlock(&sp->qlock);
        if (!cmd)
            break;
        if (cmd->line < 0) {
            if (!sp->shutting_down) {
                sp->shutting_down = 1;
                nua_shutdown(sp->nua);
            }
        } else if (!sp->shutting_down) {
            run_cmd(sp, cmd);
        }
        free(cmd);
    }
    return 0;
}

static void push(sip_span_t *sp, int line, const char *msg)
{
    sip_cmd_t *cmd = calloc(1, sizeof(*cmd));
    if (!cmd)
        return;
    cmd->line = line;
    if (msg)
        snprintf(cmd->msg, sizeof(cmd->msg), "%s", msg);
    pthread_mutex_lock(&sp->qlock);
    if (sp->qtail)
        sp->qtail->next = cmd;
    else
        sp->qhead = cmd;
    sp->qtail = cmd;
    pthread_mutex_unlock(&sp->qlock);
    if (write(sp->wake[1], "x", 1) < 0) {
        /* the pipe is full: the SIP thread has a wake-up pending anyway */
    }
}

/* ---- nua's events -------------------------------------------------------------------------- */

static int authenticate(sip_span_t *sp, nua_handle_t *nh, const sip_t *sip, int *tries)
{
    const msg_auth_t *au;
    const char *realm;
    char auth[300];
    if (!sp->p.username[0] || !sip || (*tries)++ > 0)
        return 0;
    au = sip->sip_www_authenticate ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
    if (!au || !au->au_scheme)
        return 0;
    realm = msg_params_find(au->au_params, "realm=");
    snprintf(auth, sizeof(auth), "%s:%s:%s:%s", au->au_scheme, realm ? realm : "\"\"", sp->p.username,
             sp->p.password);
    nua_authenticate(nh, NUTAG_AUTH(auth), TAG_END());
    return 1;
}

static void on_invite(sip_span_t *sp, nua_handle_t *nh, const sip_t *sip)
{
    sip_line_t *l = NULL;
    char calling[64] = "", called[64] = "", why[120];
    int i;
    for (i = 0; i < sp->nlines; i++)
        if (sp->lines[i].state == L_IDLE) {
            l = &sp->lines[i];
            break;
        }
    if (!l) {
        nua_respond(nh, SIP_486_BUSY_HERE, SIPTAG_REASON_STR("Q.850;cause=34"), TAG_END());
        return;                     /* the handle goes when nua says terminated */
    }
    if (take_sdp(l, sip, why, sizeof(why)) < 0) {
        nua_respond(nh, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR(why[0] ? "399 telephonist \"media\"" : NULL),
                    TAG_END());
        return;
    }
    l->nh = nh;
    nua_handle_bind(nh, l);
    set_state(l, L_INCOMING);
    if (sip->sip_request && sip->sip_request->rq_url->url_user)
        field(called, sizeof(called), sip->sip_request->rq_url->url_user);
    if (sip->sip_from && sip->sip_from->a_url->url_user)
        field(calling, sizeof(calling), sip->sip_from->a_url->url_user);
    emit(l, "SETUP calling=%s called=%s", calling, called);
}

/* A re-INVITE in a call (a refresh, a hold, a new media address): answered with our media, RTP following
 * the far end's new address or payload. */
static void on_reinvite(sip_line_t *l, const sip_t *sip)
{
    char sdp[700], why[120];
    struct sockaddr_in was = l->remote;
    int pt = l->pt, dtmf_pt = l->dtmf_pt;
    if (l->state != L_CONNECTED) {
        nua_respond(l->nh, SIP_491_REQUEST_PENDING, TAG_END());
        return;
    }
    if (sip && sip->sip_payload && take_sdp(l, sip, why, sizeof(why)) < 0) {
        l->remote = was;
        l->pt = pt;
        l->dtmf_pt = dtmf_pt;
        nua_respond(l->nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
        return;
    }
    if (memcmp(&was, &l->remote, sizeof(was)) != 0 || pt != l->pt || dtmf_pt != l->dtmf_pt)
        rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt);
    make_sdp(l, 1, sdp, sizeof(sdp));
    nua_respond(l->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

static void on_invite_answer(sip_line_t *l, int status, const sip_t *sip, nua_handle_t *nh)
{
    char why[120];
    if (l->state != L_OUTGOING)
        return;
    if (status == 401 || status == 407) {
        if (authenticate(l->sp, nh, sip, &l->auth_tries))
            return;
    }
    if (status >= 180 && status < 200) {
        if (status == 183 && take_sdp(l, sip, why, sizeof(why)) == 0)
            rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt);   /* early media */
        if (!l->alerted) {
            l->alerted = 1;
            emit(l, "ALERTING");
        }
    } else if (status >= 200 && status < 300) {
        if (take_sdp(l, sip, why, sizeof(why)) < 0) {
            nua_bye(nh, SIPTAG_REASON_STR("Q.850;cause=65"), TAG_END());
            let_go(l);
            emit(l, "DISCONNECT cause=65");
            return;
        }
        rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt);
        set_state(l, L_CONNECTED);
        emit(l, "CONNECT");
    } else if (status >= 300) {
        int cause = cause_of(sip, status);
        let_go(l);
        emit(l, "DISCONNECT cause=%d", cause);
    }
}

static void on_register(sip_span_t *sp, int status, const char *phrase, const sip_t *sip, nua_handle_t *nh)
{
    char text[ENG_TEXT_MAX];
    if ((status == 401 || status == 407) && authenticate(sp, nh, sip, &sp->reg_tries))
        return;
    if (status >= 300) {
        snprintf(text, sizeof(text), "sip register to %s: %d %s", sp->p.registrar, status, phrase);
        eng_emit(sp->e, EV_ERROR, sp->lines[0].chan_id, 0, ENG_EIO, status, 0, 0, text);
    }
    if (status >= 200)
        sp->reg_tries = 0;
}

static void on_event(nua_event_t event, int status, char const *phrase, nua_t *nua, sip_span_t *sp,
                     nua_handle_t *nh, sip_line_t *l, sip_t const *sip, tagi_t tags[])
{
    (void) nua;
    switch (event) {
    case nua_i_invite:
        if (!l)
            on_invite(sp, nh, sip);
        else
            on_reinvite(l, sip);
        break;
    case nua_r_invite:
        if (l)
            on_invite_answer(l, status, sip, nh);
        break;
    case nua_i_cancel:
    case nua_i_bye:
        if (l && l->state != L_IDLE) {
            int cause = cause_of(sip, 0);
            let_go(l);
            emit(l, "DISCONNECT cause=%d", cause);
        }
        break;
    case nua_i_state: {
        int cs = -1;
        tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
        if (cs == nua_callstate_terminated) {
            if (l && l->state != L_IDLE) {      /* a timeout, a failed transaction */
                let_go(l);
                emit(l, "DISCONNECT cause=%d", status >= 300 ? q850_of_status(status) : 41);
            }
            if (!nua_handle_magic(nh) && nh != sp->reg)
                nua_handle_destroy(nh);
        }
        break;
    }
    case nua_r_register:
        on_register(sp, status, phrase, sip, nh);
        break;
    case nua_r_shutdown:
        if (status >= 200)
            su_root_break(sp->root);
        break;
    default:
        /* requests we do not take (OPTIONS, MESSAGE ...): nua answers them itself */
        break;
    }
}

/* ---- the SIP thread ------------------------------------------------------------------------ */

static void *sip_thread(void *arg)
{
    sip_span_t *sp = arg;
    char url[120];
    int ok = 0;

    su_init();
    su_home_init(sp->home);
    sp->root = su_root_create(sp);
    snprintf(url, sizeof(url), "sip:%s", sp->p.bind);
    if (sp->root) {
        su_wait_create(sp->wait, sp->wake[0], SU_WAIT_IN);
        su_root_register(sp->root, sp->wait, on_wake, sp, 0);
        sp->nua = nua_create(sp->root, on_event, sp, NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0),
                             NUTAG_AUTOALERT(0), NUTAG_AUTOANSWER(0), NUTAG_ENABLEMESSAGE(0),
                             NUTAG_USER_AGENT("telephonist"), TAG_END());
    }
    if (!sp->nua)
        snprintf(sp->err, sizeof(sp->err), "sip span: cannot listen on %s (%s)", sp->p.bind, strerror(errno));
    else
        ok = 1;
    pthread_mutex_lock(&sp->ready_lock);
    sp->ready = ok ? 1 : -1;
    pthread_cond_signal(&sp->ready_cond);
    pthread_mutex_unlock(&sp->ready_lock);
    if (ok) {
        if (sp->p.registrar[0]) {
            char reg[200], aor[200];
            snprintf(reg, sizeof(reg), "sip:%s", sp->p.registrar);
            snprintf(aor, sizeof(aor), "<sip:%s@%s>", sp->p.username[0] ? sp->p.username : sp->p.from_user,
                     sp->p.registrar);
            sp->reg = nua_handle(sp->nua, NULL, SIPTAG_TO_STR(aor), SIPTAG_FROM_STR(aor), TAG_END());
            nua_register(sp->reg, NUTAG_REGISTRAR(reg), TAG_END());
        }
        su_root_run(sp->root);
        if (sp->reg)
            nua_handle_destroy(sp->reg);
        nua_destroy(sp->nua);
    }
    if (sp->root) {
        su_root_unregister(sp->root, sp->wait, on_wake, sp);
        su_root_destroy(sp->root);
    }
    su_home_deinit(sp->home);
    su_deinit();
    return NULL;
}

/* ---- the driver table ---------------------------------------------------------------------- */

static int sip_read(span_t *s, chan_t *c, uint8_t *buf, int n)
{
    (void) s;
    return rtp_read(((sip_line_t *) c->drv)->rtp, buf, n);
}

static int sip_write(span_t *s, chan_t *c, const uint8_t *buf, int n)
{
    (void) s;
    return rtp_write(((sip_line_t *) c->drv)->rtp, buf, n);
}

static int sip_hook(span_t *s, chan_t *c, int state)
{
    (void) s;
    (void) c;
    (void) state;
    return ENG_EINVAL;              /* calls are set up and cleared by messages */
}

static int sip_cas(span_t *s, chan_t *c, int bits)
{
    (void) s;
    (void) c;
    (void) bits;
    return ENG_EINVAL;
}

static int sip_sigmsg(span_t *s, chan_t *c, const char *msg)
{
    sip_span_t *sp = s->drv;
    push(sp, (int) ((sip_line_t *) c->drv - sp->lines), msg);
    return 0;
}

static int sip_send_dtmf(span_t *s, chan_t *c, int id, const char *digits, int on_ms, int off_ms)
{
    (void) s;
    return rtp_send_dtmf(((sip_line_t *) c->drv)->rtp, id, digits, on_ms, off_ms);
}

/* A line with a call sends and hears RTP every tick, as an off-hook line is worked on: its channel counts
 * as off hook while its RTP session is on. */
static void sip_tick_begin(span_t *s)
{
    sip_span_t *sp = s->drv;
    int i;
    for (i = 0; i < sp->nlines; i++)
        sp->lines[i].chan->hook = rtp_tick(sp->lines[i].rtp) ? ENG_HOOK_OFF : ENG_HOOK_ON;
}

static void sip_free(span_t *s)
{
    sip_span_t *sp = s->drv;
    int i;
    if (sp->started) {
        push(sp, -1, NULL);
        pthread_join(sp->thread, NULL);
    }
    while (sp->qhead) {
        sip_cmd_t *c = sp->qhead;
        sp->qhead = c->next;
        free(c);
    }
    for (i = 0; i < sp->nlines; i++)
        rtp_free(sp->lines[i].rtp);
    close(sp->wake[0]);
    close(sp->wake[1]);
    free(sp->lines);
    free(sp);
}

const driver_ops_t sip_driver_ops = {
    .name = "sip",
    .read = sip_read,
    .write = sip_write,
    .hook = sip_hook,
    .cas = sip_cas,
    .sigmsg = sip_sigmsg,
    .tick_begin = sip_tick_begin,
    .free = sip_free,
    .send_dtmf = sip_send_dtmf,
};

static int bad_text(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) == NULL;
}

int eng_sip_span(engine_t *e, const eng_sip_params_t *p, int nchans, int codec, int zone)
{
    sip_span_t *sp;
    span_t *s;
    char err[200];
    int i, first;

    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "sip span: the engine is running");
    if (!p || nchans < 1 || codec < ENG_CODEC_ALAW || codec > ENG_CODEC_ULAW || zone < 0 || zone >= MAX_ZONES)
        return eng_fail(e, ENG_EINVAL, "sip span: %d channels, codec %d, zone %d: out of range (G.711 only)",
                        nchans, codec, zone);
    if (bad_text(p->bind, sizeof(p->bind)) || bad_text(p->peer, sizeof(p->peer))
        || bad_text(p->rtp_host, sizeof(p->rtp_host)) || bad_text(p->from_user, sizeof(p->from_user))
        || bad_text(p->username, sizeof(p->username)) || bad_text(p->password, sizeof(p->password))
        || bad_text(p->registrar, sizeof(p->registrar)))
        return eng_fail(e, ENG_EINVAL, "sip span: a text setting is not terminated");
    if (p->rtp_port < 1024 || p->rtp_port % 2 || p->rtp_port + 2 * nchans > 65535)
        return eng_fail(e, ENG_EINVAL, "sip span: rtp_port %d: an even port from 1024, with room for %d lines",
                        p->rtp_port, nchans);
    if (p->jitter_min_ms < 0 || p->jitter_max_ms > 900 || (p->jitter_max_ms && p->jitter_max_ms < p->jitter_min_ms))
        return eng_fail(e, ENG_EINVAL, "sip span: jitter buffer %d-%d ms: out of range (0-900)",
                        p->jitter_min_ms, p->jitter_max_ms);
    if (e->nchans + (int64_t) nchans > e->max_channels)
        return eng_fail(e, ENG_ENOMEM, "sip span of %d channels: only %d engine channels left", nchans,
                        e->max_channels - e->nchans);
    if ((sp = calloc(1, sizeof(*sp))) == NULL || (sp->lines = calloc((size_t) nchans, sizeof(sip_line_t))) == NULL) {
        free(sp);
        return ENG_ENOMEM;
    }
    sp->e = e;
    sp->p = *p;
    sp->codec = codec;
    sp->nlines = nchans;
    eng_mutex_init(&sp->qlock);
    pthread_mutex_init(&sp->ready_lock, NULL);
    pthread_cond_init(&sp->ready_cond, NULL);
    if (pipe2(sp->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
        free(sp->lines);
        free(sp);
        return eng_fail(e, ENG_ESYS, "sip span: pipe: %s", strerror(errno));
    }
    for (i = 0; i < nchans; i++) {
        sp->lines[i].sp = sp;
        if ((sp->lines[i].rtp = rtp_new(e, NULL, p->rtp_host, p->rtp_port + 2 * i, err, sizeof(err))) == NULL) {
            while (--i >= 0)
                rtp_free(sp->lines[i].rtp);
            close(sp->wake[0]);
            close(sp->wake[1]);
            free(sp->lines);
            free(sp);
            return eng_fail(e, ENG_ESYS, "sip span: %s", err);
        }
        if (p->jitter_max_ms)
            rtp_set_bounds(sp->lines[i].rtp, p->jitter_min_ms, p->jitter_max_ms);
    }
    if ((s = eng_new_span(e, &sip_driver_ops, sp)) == NULL) {
        for (i = 0; i < nchans; i++)
            rtp_free(sp->lines[i].rtp);
        close(sp->wake[0]);
        close(sp->wake[1]);
        free(sp->lines);
        free(sp);
        return ENG_ENOMEM;
    }
    first = e->nchans;
    for (i = 0; i < nchans; i++) {
        chan_t *c = eng_new_channel(e, s, ENG_KIND_E1, codec, zone);
        c->drv = &sp->lines[i];
        sp->lines[i].chan_id = c->id;
        sp->lines[i].chan = c;
        rtp_set_chan(sp->lines[i].rtp, c);
    }
    if (pthread_create(&sp->thread, NULL, sip_thread, sp) != 0)
        return eng_fail(e, ENG_ESYS, "sip span: cannot start its thread");
    sp->started = 1;
    pthread_mutex_lock(&sp->ready_lock);
    while (!sp->ready)
        pthread_cond_wait(&sp->ready_cond, &sp->ready_lock);
    pthread_mutex_unlock(&sp->ready_lock);
    if (sp->ready < 0) {
        /* the span stays (its channels are made) but can carry no call: say why */
        pthread_join(sp->thread, NULL);
        sp->started = 0;
        return eng_fail(e, ENG_ESYS, "%s", sp->err);
    }
    return first;
}

int eng_sip_rtp_stats(engine_t *e, int chan, eng_rtp_stats_t *out)
{
    chan_t *c;
    eng_clear_error(e);
    if ((c = eng_chan(e, chan)) == NULL)
        return eng_fail(e, ENG_ENOCHAN, "rtp stats: no channel %d", chan);
    if (c->span->ops != &sip_driver_ops)
        return eng_fail(e, ENG_EINVAL, "rtp stats: channel %d is not on a sip span", chan);
    rtp_get_stats(((sip_line_t *) c->drv)->rtp, out);
    return 0;
}
