/*
 * The SIP thread of a sip span: sofia-sip's user agent (nua) in its own event loop (su_root). It takes
 * chand's messages for the lines from a queue (woken through a pipe), turns them into SIP, and turns
 * nua's events into the lines' messages (eng_emit). See drv_sip.c for the messages.
 */
#define _GNU_SOURCE
#include "sip_private.h"

#include <pthread.h>
#include <stdio.h>
#include <sofia-sip/su_log.h>

extern su_log_t tport_log[];        /* sofia-sip's transport log (exported, not in its headers) */

static const char *const STATE_NAMES[] = {"idle", "incoming", "outgoing", "connected"};

/* ---- helpers ------------------------------------------------------------------------------- */

static void set_state(sip_line_t *l, int state)
{
    (void) STATE_NAMES;
    l->state = state;
}

void sip_emit(sip_line_t *l, const char *fmt, ...)
{
    char text[ENG_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    eng_emit(l->sp->e, EV_SIGMSG, l->chan_id, 0, 0, 0, 0, 0, text);
}

/* A number as a message field: no spaces, no '=' (they would break "key=value"). */
void sip_field(char *out, size_t cap, const char *in)
{
    size_t j = 0;
    for (; in && *in && j + 1 < cap; in++)
        if ((unsigned char) *in > ' ' && *in != '=' && *in != ';')
            out[j++] = *in;
    out[j] = '\0';
}

int sip_msg_field(const char *msg, const char *key, char *out, size_t cap)
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

/* The request came over TLS: its top Via says so (sofia-sip's parser) and it came on a stream (a datagram
 * saying TLS is not). */
int sip_over_tls(nua_t *nua, const sip_t *sip)
{
    msg_t *m = nua_current_request(nua);
    su_addrinfo_t *ai = m ? msg_addrinfo(m) : NULL;
    return sip && sip->sip_via && sip->sip_via->v_protocol && strcasecmp(sip->sip_via->v_protocol, "SIP/2.0/TLS") == 0
        && ai && ai->ai_protocol != IPPROTO_UDP && ai->ai_socktype != SOCK_DGRAM;
}

/* Where the request being handled came from (the packet's source, not what its headers say). */
int sip_source(nua_t *nua, struct in_addr *a, int *port, char *text, size_t cap)
{
    msg_t *m = nua_current_request(nua);
    su_addrinfo_t *ai = m ? msg_addrinfo(m) : NULL;
    snprintf(text, cap, "?");
    a->s_addr = 0;
    if (port)
        *port = 0;
    if (!ai || !ai->ai_addr || ai->ai_addr->sa_family != AF_INET)
        return -1;
    *a = ((struct sockaddr_in *) ai->ai_addr)->sin_addr;
    if (port)
        *port = ntohs(((struct sockaddr_in *) ai->ai_addr)->sin_port);
    inet_ntop(AF_INET, a, text, (socklen_t) cap);
    return 0;
}

int sip_nat_source(nua_t *nua, const url_t *contact, char *out, size_t cap)
{
    msg_t *m = nua_current_request(nua);
    su_addrinfo_t *ai = m ? msg_addrinfo(m) : NULL;
    struct in_addr a;
    char host[48];
    int port;
    out[0] = '\0';
    if (!contact || !ai || !(ai->ai_protocol == IPPROTO_UDP || ai->ai_socktype == SOCK_DGRAM)
        || sip_source(nua, &a, &port, host, sizeof(host)) < 0)
        return 0;
    if (contact->url_host && strcmp(contact->url_host, host) == 0)
        return 0;                   /* the same host (a port of its own for calls is no NAT: no NAT keeps the IP) */
    snprintf(out, cap, "sip:%s:%d", host, port);
    return 1;
}

/* A trunk with trusted sources: the request came from one of them (or the trunk trusts any source). */
static int trusted_source(sip_span_t *sp, nua_t *nua, char *source, size_t cap)
{
    struct in_addr a;
    int i;
    if (sp->ntrusted == 0)
        return 1;
    if (sip_source(nua, &a, NULL, source, cap) < 0)
        return 0;
    for (i = 0; i < sp->ntrusted; i++)
        if ((a.s_addr & sp->trusted[i].mask) == sp->trusted[i].net)
            return 1;
    return 0;
}

/* Our Contact in a dialog over TLS: sip:...;transport=tls rather than the sips: URI sofia-sip would give, which
 * phones that do not take sips: (baresip's libre answers ENOSYS) cannot send their ACK or BYE to. */
static const char *tls_contact(const sip_line_t *l)
{
    return l->secure && l->sp->tls_contact[0] ? l->sp->tls_contact : NULL;
}

/* The trunk's peer and registrar: ";transport=tls" (or tcp) after host:port, "" for UDP. */
static const char *transport_param(const sip_span_t *sp)
{
    return sp->p.transport == ENG_SIP_TRANSPORT_TLS ? ";transport=tls"
        : sp->p.transport == ENG_SIP_TRANSPORT_TCP ? ";transport=tcp" : "";
}

/* The line lets go of its call: nua finishes the transaction, and the handle is destroyed when nua
 * says the call is over (nua_i_state terminated, handle bound to nothing). */
static void let_go(sip_line_t *l)
{
    rtp_stop(l->rtp);
    if (l->nh)
        nua_handle_bind(l->nh, NULL);
    l->nh = NULL;
    l->alerted = l->heard = 0;
    l->auth_tries = 0;
    l->held = 0;
    l->t38 = l->t38_asked = 0;
    l->refer_event[0] = '\0';
    l->refer_out = 0;
    forget_crypto(l);
    l->secure = 0;
    if (l->info_id)
        eng_emit(l->sp->e, EV_DTMF_SENT, l->chan_id, l->info_id > 0 ? l->info_id : 0, ENG_END_STOPPED, 0, 0, 0, NULL);
    l->info_out[0] = '\0';
    l->info_pos = l->info_id = 0;
    set_state(l, L_IDLE);
}

/* ---- chand's messages ---------------------------------------------------------------------- */

static void do_setup_phone(sip_line_t *l, const char *calling);
static void fail_tls_calls(sip_span_t *sp);

/* SRTP is mandatory on the span but cannot be offered on this call (its signalling is not TLS): refused
 * before anything is sent, as a bearer the call cannot have. */
static int refuse_without_srtp(sip_line_t *l)
{
    if (l->sp->p.srtp != ENG_SIP_SRTP_MANDATORY || srtp_allowed(l))
        return 0;
    sip_emit(l, "DISCONNECT cause=58");
    eng_emit(l->sp->e, EV_ERROR, l->chan_id, 0, ENG_ESTATE, 0, 0, 0,
             "sip: srtp is mandatory and this call's signalling is not TLS (its keys would travel in clear)");
    return 1;
}

static void do_setup(sip_line_t *l, const char *msg)
{
    sip_span_t *sp = l->sp;
    char calling[64], called[64], to[200], from[200], sdp[1200];
    if (l->state != L_IDLE) {
        sip_emit(l, "DISCONNECT cause=17");
        return;
    }
    sip_msg_field(msg, "calling", calling, sizeof(calling));
    sip_msg_field(msg, "called", called, sizeof(called));
    if (sp->phones) {
        do_setup_phone(l, calling);
        return;
    }
    if (!sp->p.peer[0]) {
        sip_emit(l, "DISCONNECT cause=38");
        eng_emit(sp->e, EV_ERROR, l->chan_id, 0, ENG_ESTATE, 0, 0, 0, "sip: this span has no peer to call");
        return;
    }
    l->secure = sp->p.transport == ENG_SIP_TRANSPORT_TLS;
    if (refuse_without_srtp(l))
        return;
    snprintf(to, sizeof(to), "<sip:%s@%s%s>", called, sp->p.peer, transport_param(sp));
    snprintf(from, sizeof(from), "<sip:%s@%s>", calling[0] ? calling : (sp->p.from_user[0] ? sp->p.from_user
             : "telephonist"), sp->p.rtp_host);
    l->nh = nua_handle(sp->nua, l, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
    if (!l->nh) {
        sip_emit(l, "DISCONNECT cause=47");
        return;
    }
    make_sdp(l, 0, sdp, sizeof(sdp));
    set_state(l, L_OUTGOING);
    nua_invite(l->nh, TAG_IF(tls_contact(l), SIPTAG_CONTACT_STR(tls_contact(l))),
               SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

/* A call to a phone of the span: INVITE to the contact it registered; not registered: cause 20 (subscriber
 * absent), as an E1 says of a phone that is not there. */
static void do_setup_phone(sip_line_t *l, const char *calling)
{
    sip_span_t *sp = l->sp;
    char url[200], to[200], from[200], sdp[1200];
    const char *via = NULL;
    if (l->user[0] == '\0' || phones_target(l, url, sizeof(url), &via) < 0) {
        sip_emit(l, "DISCONNECT cause=20");
        return;
    }
    l->secure = strncasecmp(url, "sips:", 5) == 0 || strcasestr(url, "transport=tls") != NULL;
    if (refuse_without_srtp(l))
        return;
    snprintf(to, sizeof(to), "<sip:%s@%s>", l->user, sp->p.bind);
    snprintf(from, sizeof(from), "<sip:%s@%s>", calling[0] ? calling : "telephonist", sp->p.bind);
    /* a phone behind NAT: the INVITE (and the dialog's later requests) to where its REGISTER came from */
    l->nh = nua_handle(sp->nua, l, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
    if (!l->nh) {
        sip_emit(l, "DISCONNECT cause=47");
        return;
    }
    if (via)
        nua_set_hparams(l->nh, NUTAG_PROXY(via), TAG_END());
    make_sdp(l, 0, sdp, sizeof(sdp));
    set_state(l, L_OUTGOING);
    nua_invite(l->nh, NUTAG_URL(url), TAG_IF(tls_contact(l), SIPTAG_CONTACT_STR(tls_contact(l))),
               SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

static void do_connect(sip_line_t *l)
{
    char sdp[1200];
    if (l->state != L_INCOMING)
        return;
    make_sdp(l, 1, sdp, sizeof(sdp));
    rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt, &l->crypto);
    set_state(l, L_CONNECTED);
    nua_respond(l->nh, SIP_200_OK, TAG_IF(tls_contact(l), SIPTAG_CONTACT_STR(tls_contact(l))),
                SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

static void do_disconnect(sip_line_t *l, const char *msg)
{
    char c[16], reason[48];
    int cause;
    const char *phrase;
    int status;
    sip_msg_field(msg, "cause", c, sizeof(c));
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
    sip_emit(l, "RELEASE");
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
        nua_respond(l->nh, SIP_180_RINGING, TAG_IF(tls_contact(l), SIPTAG_CONTACT_STR(tls_contact(l))), TAG_END());
    else if (strcasecmp(kind, "CONNECT") == 0)
        do_connect(l);
    else if (strcasecmp(kind, "DISCONNECT") == 0)
        do_disconnect(l, cmd->msg);
    else if (strcasecmp(kind, "REFER") == 0)
        transfer_refer_out(l, cmd->msg);
    else if (strcasecmp(kind, "NOTIFY") == 0)
        transfer_notify(l, cmd->msg);
    else if (strcasecmp(kind, "INFO") == 0)
        info_send(l, cmd->msg);
    else if (strcasecmp(kind, "T38") == 0)
        t38_request(l, tls_contact(l));
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
        if (cmd->line == SIP_CMD_TLS_FAILED) {
            snprintf(sp->tls_error, sizeof(sp->tls_error), "%.159s", cmd->msg);
            if (!sp->shutting_down)
                fail_tls_calls(sp);
        } else if (cmd->line < 0) {
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

void sip_push(sip_span_t *sp, int line, const char *msg)
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

/* Session refreshes (sofia-sip sends them when we are the refresher) go as UPDATE when the far end allows it:
 * a refresh needs no SDP then. Otherwise they are re-INVITEs without SDP (soa is off: we add none). */
static void refresh_by_update(nua_handle_t *nh, const sip_t *sip)
{
    if (sip && sip->sip_allow && sip_is_allowed(sip->sip_allow, sip_method_update, NULL))
        nua_set_hparams(nh, NUTAG_UPDATE_REFRESH(1), TAG_END());
}

/* An INVITE: a trunk takes it on a free line; a span of phones on the line of the phone that authenticated
 * (phones_invite answers a challenge, a refusal or a busy phone itself). */
static void on_invite(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
    sip_line_t *l = NULL;
    char calling[64] = "", called[64] = "", why[120] = "", warning[160], source[48], via[80];
    int i;
    if (!sp->phones && !trusted_source(sp, nua, source, sizeof(source))) {
        sip_refused(sp, source, sip->sip_from ? sip->sip_from->a_url->url_user : NULL, "untrusted", 0);
        nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
        return;                     /* the handle goes when nua says terminated */
    }
    if (!sp->phones && transfer_replaces(sp, nua, nh, sip))
        return;                     /* an INVITE with Replaces: answered there */
    if (sp->phones) {
        if ((l = phones_invite(sp, nua, nh, sip)) == NULL)
            return;                 /* the handle goes when nua says terminated */
    }
    for (i = 0; !sp->phones && i < sp->nlines; i++)
        if (sp->lines[i].state == L_IDLE) {
            l = &sp->lines[i];
            break;
        }
    if (!l) {
        nua_respond(nh, SIP_486_BUSY_HERE, SIPTAG_REASON_STR("Q.850;cause=34"), TAG_END());
        return;                     /* the handle goes when nua says terminated */
    }
    l->secure = sip_over_tls(nua, sip);
    if (take_sdp(l, sip, 0, why, sizeof(why)) < 0) {
        forget_crypto(l);
        l->secure = 0;
        snprintf(warning, sizeof(warning), "399 telephonist \"%s\"", why[0] ? why : "media");
        nua_respond(nh, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR(warning), TAG_END());
        return;
    }
    l->nh = nh;
    nua_handle_bind(nh, l);
    refresh_by_update(nh, sip);
    /* a caller behind NAT (its Contact is not where the INVITE came from): our requests in the dialog go there */
    if (sip->sip_contact && sip_nat_source(nua, sip->sip_contact->m_url, via, sizeof(via)))
        nua_set_hparams(nh, NUTAG_PROXY(via), TAG_END());
    set_state(l, L_INCOMING);
    if (sip->sip_request && sip->sip_request->rq_url->url_user)
        sip_field(called, sizeof(called), sip->sip_request->rq_url->url_user);
    if (sp->phones)
        sip_field(calling, sizeof(calling), l->user);        /* the extension's call, whatever its From says */
    else if (sip->sip_from && sip->sip_from->a_url->url_user)
        sip_field(calling, sizeof(calling), sip->sip_from->a_url->url_user);
    sip_emit(l, "SETUP calling=%s called=%s", calling, called);
}

/* A hold is the far end's sendonly or inactive (it wants no audio from us: we send none, and chand hears
 * HOLD); sendrecv or recvonly resumes (RESUME). */
static void held_as_sdp_says(sip_line_t *l)
{
    int held = l->mode == sdp_sendonly || l->mode == sdp_inactive;
    if (held == l->held)
        return;
    l->held = held;
    rtp_set_hold(l->rtp, held);
    sip_emit(l, held ? "HOLD mode=%s" : "RESUME mode=%s",
             l->mode == sdp_sendonly ? "sendonly" : l->mode == sdp_inactive ? "inactive"
             : l->mode == sdp_recvonly ? "recvonly" : "sendrecv");
}

/* A re-INVITE in a call (a refresh, a hold, a new media address): answered with our media, RTP following
 * the far end's new address or payload. */
static void on_reinvite(sip_line_t *l, const sip_t *sip)
{
    char sdp[1200], why[120];
    struct sockaddr_in was = l->remote;
    int pt = l->pt, dtmf_pt = l->dtmf_pt, tag = l->crypto_tag, savp = l->savp;
    rtp_crypto_t keys = l->crypto;
    if (l->state != L_CONNECTED) {
        nua_respond(l->nh, SIP_491_REQUEST_PENDING, TAG_END());
        return;
    }
    if (t38_reinvite_in(l, sip, tls_contact(l)))
        return;                     /* to T.38 (sip_t38.c) */
    if (sip && sip->sip_payload && take_sdp(l, sip, 0, why, sizeof(why)) < 0) {
        l->remote = was;
        l->pt = pt;
        l->dtmf_pt = dtmf_pt;
        l->crypto = keys;
        l->crypto_tag = tag;
        l->savp = savp;
        rtp_crypto_wipe(&keys);
        nua_respond(l->nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
        return;
    }
    if (memcmp(&was, &l->remote, sizeof(was)) != 0 || pt != l->pt || dtmf_pt != l->dtmf_pt
        || memcmp(&keys, &l->crypto, sizeof(keys)) != 0 || l->t38)
        rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt, &l->crypto);     /* back from T.38 too */
    if (l->t38)
        sip_emit(l, "MEDIA kind=audio by=far");
    l->t38 = 0;
    rtp_crypto_wipe(&keys);
    make_sdp(l, 1, sdp, sizeof(sdp));
    nua_respond(l->nh, SIP_200_OK, TAG_IF(tls_contact(l), SIPTAG_CONTACT_STR(tls_contact(l))),
                SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
    held_as_sdp_says(l);
}

static void on_invite_answer(sip_line_t *l, int status, const sip_t *sip, nua_handle_t *nh)
{
    char why[120];
    if (l->state != L_OUTGOING)
        return;
    l->heard = 1;                   /* the far end answered something: its connection works */
    if (status == 401 || status == 407) {
        if (authenticate(l->sp, nh, sip, &l->auth_tries))
            return;
    }
    if (status >= 180 && status < 200) {
        if (status == 183 && take_sdp(l, sip, 1, why, sizeof(why)) == 0)
            rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt, &l->crypto);   /* early media */
        if (!l->alerted) {
            l->alerted = 1;
            sip_emit(l, "ALERTING");
        }
    } else if (status >= 200 && status < 300) {
        if (take_sdp(l, sip, 1, why, sizeof(why)) < 0) {
            nua_bye(nh, SIPTAG_REASON_STR("Q.850;cause=65"), TAG_END());
            let_go(l);
            sip_emit(l, "DISCONNECT cause=65");
            return;
        }
        rtp_start(l->rtp, &l->remote, l->pt, l->dtmf_pt, &l->crypto);
        refresh_by_update(nh, sip);
        set_state(l, L_CONNECTED);
        sip_emit(l, "CONNECT");
    } else if (status >= 300) {
        int cause = cause_of(sip, status);
        let_go(l);
        sip_emit(l, "DISCONNECT cause=%d", cause);
    }
}

#define REG_RETRY_MAX_S 300

static void start_register(sip_span_t *sp)
{
    char reg[200];
    snprintf(reg, sizeof(reg), "sip:%s%s", sp->p.registrar, transport_param(sp));
    nua_register(sp->reg, NUTAG_REGISTRAR(reg), TAG_END());
}

static void on_reg_timer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
    sip_span_t *sp = (sip_span_t *) arg;
    (void) magic;
    (void) t;
    if (!sp->shutting_down)
        start_register(sp);
}

/* A REGISTER refused (after our answer to its challenge) or unanswered (nua's 408, 503 when nothing listens):
 * an engine error naming the status, and a retry after reg_delay_s, doubling up to 300 s; a success starts
 * the back-off again. */
static void on_register(sip_span_t *sp, int status, const char *phrase, const sip_t *sip, nua_handle_t *nh)
{
    char text[ENG_TEXT_MAX];
    if ((status == 401 || status == 407) && authenticate(sp, nh, sip, &sp->reg_tries))
        return;
    if (status >= 300) {
        int delay = sp->reg_delay_s;
        snprintf(text, sizeof(text), "sip register to %s: %d %s; trying again in %d s", sp->p.registrar, status,
                 phrase, delay);
        eng_emit(sp->e, EV_ERROR, sp->lines[0].chan_id, 0, ENG_EIO, status, 0, 0, text);
        if (sp->reg_timer && !sp->shutting_down)
            su_timer_set_interval(sp->reg_timer, on_reg_timer, (su_timer_arg_t *) sp, (su_duration_t) delay * 1000);
        sp->reg_delay_s = delay * 2 > REG_RETRY_MAX_S ? (delay > REG_RETRY_MAX_S ? delay : REG_RETRY_MAX_S) : delay * 2;
    } else if (status >= 200) {
        sp->reg_delay_s = sp->p.register_retry_s;
    }
    if (status >= 200)
        sp->reg_tries = 0;
}

static void on_event(nua_event_t event, int status, char const *phrase, nua_t *nua, sip_span_t *sp,
                     nua_handle_t *nh, sip_line_t *l, sip_t const *sip, tagi_t tags[])
{
    switch (event) {
    case nua_i_invite:
        if (!l)
            on_invite(sp, nua, nh, sip);
        else
            on_reinvite(l, sip);
        break;
    case nua_r_invite:
        if (l && l->state == L_CONNECTED && t38_answered(l, status, sip))
            break;                  /* our re-INVITE to T.38 (sip_t38.c) */
        if (l)
            on_invite_answer(l, status, sip, nh);
        break;
    case nua_i_cancel:
    case nua_i_bye:
        if (l && l->state != L_IDLE) {
            int cause = cause_of(sip, 0);
            let_go(l);
            sip_emit(l, "DISCONNECT cause=%d", cause);
        }
        break;
    case nua_i_state: {
        int cs = -1;
        tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
        if (cs == nua_callstate_terminated) {
            if (l && l->state != L_IDLE) {      /* a timeout, a failed transaction */
                let_go(l);
                sip_emit(l, "DISCONNECT cause=%d", status >= 300 ? q850_of_status(status) : 41);
            }
            if (!nua_handle_magic(nh) && nh != sp->reg)
                nua_handle_destroy(nh);
        }
        break;
    }
    case nua_r_bye:
        if (l && l->state == L_CONNECTED) {     /* nua's own BYE: the session timer ran out */
            let_go(l);
            sip_emit(l, "DISCONNECT cause=102");
        }
        break;
    case nua_i_refer:
        transfer_refer_in(l, nua, nh, sip, tags);
        break;
    case nua_r_refer:
        if (l)
            transfer_refer_answer(l, status);
        break;
    case nua_i_notify:
        if (l)
            transfer_notified(l, sip, tags);
        break;
    case nua_r_notify:
        if (!l && status >= 200 && !nua_handle_has_invite(nh))
            nua_handle_destroy(nh);         /* a REFER outside any call, refused */
        break;
    case nua_i_info:                /* digits by SIP INFO (sip_info.c); nua has answered 200 */
        if (l)
            info_received(l, sip);
        break;
    case nua_r_info:
        if (l)
            info_answered(l, status);
        break;
    case nua_i_register:            /* a phone (sip_phones.c); a trunk refuses */
        phones_register(sp, nua, nh, sip);
        break;
    case nua_r_register:
        on_register(sp, status, phrase, sip, nh);
        break;
    case nua_r_options:             /* a keep-alive to a phone behind NAT (sip_phones.c) */
        if (!l)
            phones_keepalive_answered(sp, nh, status);
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

/* ---- TLS connections that fail ------------------------------------------------------------- */

/* Our TLS calls still waiting for any answer from the far end: failed now, saying why (an engine error), with
 * cause 38 (network out of order), as a card says of a link that will not come up. */
static void fail_tls_calls(sip_span_t *sp)
{
    char text[ENG_TEXT_MAX];
    int i;
    for (i = 0; i < sp->nlines; i++) {
        sip_line_t *l = &sp->lines[i];
        nua_handle_t *nh = l->nh;
        if (l->state != L_OUTGOING || !l->secure || l->alerted || l->heard || !nh)
            continue;
        let_go(l);
        nua_handle_destroy(nh);         /* its INVITE never left: nothing to cancel */
        snprintf(text, sizeof(text), "sip: TLS connection to the far end failed: %s", sp->tls_error);
        eng_emit(sp->e, EV_ERROR, l->chan_id, 0, ENG_EIO, 0, 0, 0, text);
        sip_emit(l, "DISCONNECT cause=38");
    }
}

/* sofia-sip closes a TLS connection whose handshake or certificate check fails (tport_tls_connect) without
 * reporting it to the transactions queued on it, which then fail only at their timeout (32 s). Its log says so
 * at once (the verify callback's "Error with certificate ... err 18:self-signed certificate", or "TLS setup
 * failed" at a higher level): those lines are our transport error callback. They are written on nua's stack
 * thread, which is sofia-sip's, not the span's, and name no connection: every span that checks certificates is
 * told (through its command pipe) and fails its TLS calls that had no answer yet. The log stays as sofia-sip
 * writes it (stderr). Only spans with tls_verify: without it sofia-sip may log a certificate's errors for a
 * connection it keeps. */
#define MAX_TLS_SPANS 64
static pthread_mutex_t tls_spans_lock = PTHREAD_MUTEX_INITIALIZER;
static sip_span_t *tls_spans[MAX_TLS_SPANS];
static pthread_once_t tport_log_once = PTHREAD_ONCE_INIT;
static __thread int cert_failing;              /* the log said "Error with certificate": its "err N:why" next */

static void tport_logger(void *stream, char const *fmt, va_list ap)
{
    char text[300], why[160] = "";
    const char *p;
    int i;
    (void) stream;
    vsnprintf(text, sizeof(text), fmt, ap);
    fputs(text, stderr);
    text[strcspn(text, "\r\n")] = '\0';
    if (strstr(text, "Error with certificate")) {
        cert_failing = 1;
        return;
    }
    if (cert_failing && (p = strstr(text, "err ")) != NULL && (p = strchr(p, ':')) != NULL) {
        cert_failing = 0;
        snprintf(why, sizeof(why), "certificate verify failed (%s)", p + 1);
    } else if ((p = strstr(text, "TLS setup failed")) != NULL) {
        snprintf(why, sizeof(why), "%s", p);
    }
    if (!why[0])
        return;
    pthread_mutex_lock(&tls_spans_lock);
    for (i = 0; i < MAX_TLS_SPANS; i++)
        if (tls_spans[i])
            sip_push(tls_spans[i], SIP_CMD_TLS_FAILED, why);
    pthread_mutex_unlock(&tls_spans_lock);
}

static void redirect_tport_log(void)
{
    su_log_redirect(tport_log, tport_logger, NULL);
    su_log_redirect(su_log_default, tport_logger, NULL);   /* modules without a log of their own */
}

static void watch_tls(sip_span_t *sp, int on)
{
    int i;
    pthread_mutex_lock(&tls_spans_lock);
    for (i = 0; i < MAX_TLS_SPANS; i++)
        if (on ? tls_spans[i] == NULL : tls_spans[i] == sp) {
            tls_spans[i] = on ? sp : NULL;
            break;
        }
    pthread_mutex_unlock(&tls_spans_lock);
}

/* ---- the SIP thread ------------------------------------------------------------------------ */

void *sip_thread(void *arg)
{
    sip_span_t *sp = arg;
    char url[120], sips[120];
    int ok = 0;

    su_init();
    su_home_init(sp->home);
    pthread_once(&tport_log_once, redirect_tport_log);
    sp->root = su_root_create(sp);
    snprintf(url, sizeof(url), "sip:%s", sp->p.bind);
    snprintf(sips, sizeof(sips), "sips:%s", sp->p.tls_bind);
    if (sp->p.tls_bind[0])
        snprintf(sp->tls_contact, sizeof(sp->tls_contact), "<sip:%s;transport=tls>", sp->p.tls_bind);
    if (sp->root && phones_start(sp) < 0) {
        snprintf(sp->err, sizeof(sp->err), "sip span: cannot start its digest server for phones");
    } else if (sp->root) {
        su_wait_create(sp->wait, sp->wake[0], SU_WAIT_IN);
        su_root_register(sp->root, sp->wait, on_wake, sp, 0);
        sp->nua = nua_create(sp->root, on_event, sp, NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0),
                             NUTAG_AUTOALERT(0), NUTAG_AUTOANSWER(0), NUTAG_ENABLEMESSAGE(0),
                             NUTAG_USER_AGENT("telephonist"),
                             /* NAT (RFC 3581): our answers go to the request's source port when its Via asks
                              * (rport), a phone's always (phones behind NAT often do not ask); our requests ask */
                             NTATAG_SERVER_RPORT(sp->phones ? 2 : 1), NTATAG_CLIENT_RPORT(1),
                             TAG_IF(sp->p.outbound_proxy[0], NUTAG_PROXY(sp->p.outbound_proxy)),
                             SIPTAG_SUPPORTED_STR(sp->p.session_expires_s > 0 ? "timer, replaces" : "replaces"),
                             NUTAG_SESSION_TIMER(sp->p.session_expires_s > 0 ? (unsigned) sp->p.session_expires_s : 0),
                             NUTAG_MIN_SE(sp->p.min_se_s > 0 ? (unsigned) sp->p.min_se_s : 90),
                             NUTAG_SESSION_REFRESHER(sp->p.refresher == ENG_SIP_REFRESHER_LOCAL ? nua_local_refresher
                                                     : sp->p.refresher == ENG_SIP_REFRESHER_REMOTE
                                                     ? nua_remote_refresher : nua_any_refresher),
                             TAG_IF(sp->p.tls_bind[0], NUTAG_SIPS_URL(sips)),
                             TAG_IF(sp->p.tls_bind[0], TPTAG_CERTIFICATE(sp->p.tls_cert_dir)),
                             TAG_IF(sp->p.tls_bind[0], TPTAG_TLS_VERIFY_POLICY(sp->p.tls_verify
                                                                               ? TPTLS_VERIFY_SUBJECTS_OUT : TPTLS_VERIFY_NONE)),
                             TAG_IF(sp->phones, NUTAG_APPL_METHOD("REGISTER")),
                             NUTAG_ALLOW("INFO"),    /* digits by SIP INFO (sip_info.c) */
                             TAG_IF(sp->phones, NUTAG_ALLOW("REGISTER")), TAG_END());
    }
    if (!sp->nua && !sp->err[0])
        snprintf(sp->err, sizeof(sp->err), "sip span: cannot listen on %s%s%s (%s)", sp->p.bind,
                 sp->p.tls_bind[0] ? " and TLS on " : "", sp->p.tls_bind, strerror(errno));
    else if (sp->nua)
        ok = 1;
    pthread_mutex_lock(&sp->ready_lock);
    sp->ready = ok ? 1 : -1;
    pthread_cond_signal(&sp->ready_cond);
    pthread_mutex_unlock(&sp->ready_lock);
    if (ok) {
        if (sp->p.registrar[0]) {
            char aor[200];
            snprintf(aor, sizeof(aor), "<sip:%s@%s>", sp->p.username[0] ? sp->p.username : sp->p.from_user,
                     sp->p.registrar);
            sp->reg_delay_s = sp->p.register_retry_s > 0 ? sp->p.register_retry_s : 30;
            sp->p.register_retry_s = sp->reg_delay_s;
            sp->reg_timer = su_timer_create(su_root_task(sp->root), 1000);
            sp->reg = nua_handle(sp->nua, NULL, SIPTAG_TO_STR(aor), SIPTAG_FROM_STR(aor), TAG_END());
            start_register(sp);
        }
        if (sp->p.tls_bind[0] && sp->p.tls_verify)
            watch_tls(sp, 1);
        su_root_run(sp->root);
        watch_tls(sp, 0);
        if (sp->reg_timer)
            su_timer_destroy(sp->reg_timer);
        if (sp->reg)
            nua_handle_destroy(sp->reg);
        nua_destroy(sp->nua);
    }
    phones_stop(sp);
    if (sp->root) {
        su_root_unregister(sp->root, sp->wait, on_wake, sp);
        su_root_destroy(sp->root);
    }
    su_home_deinit(sp->home);
    su_deinit();
    return NULL;
}
