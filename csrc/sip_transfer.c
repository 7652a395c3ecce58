/*
 * Transfers on sip lines, all through sofia-sip (nua's REFER, NOTIFY and Replaces; its parsers):
 *
 *   the far end's REFER (RFC 3515) in a call:  nua answers 202 itself; we NOTIFY "100 Trying" at once and
 *       tell chand           REFER to=<Refer-To user> [replaces=<chan>]
 *       (replaces: an attended transfer whose Replaces names another call of this span, by its channel;
 *       replaces=0 ... never: a Replaces naming a dialog we do not have is refused with 603 here).
 *       chand dials or routes the target and reports with  NOTIFY status=N  (message/sipfrag "SIP/2.0 N ...",
 *       the subscription ends with the first final status).
 *   our REFER (chand's transfer on a trunk that takes them):  chand's  REFER to=<number>  sends REFER with
 *       Refer-To <sip:number@peer>; its outcome comes back as  REFER_DONE status=N  (the REFER refused, or the
 *       final sipfrag of the far end's NOTIFYs); chand clears the call on a 2xx.
 *   an INVITE with Replaces (RFC 3891) naming a connected call of this trunk: the new dialog takes over
 *       that line's call (its media too) and the old one gets BYE; chand hears  REPLACED calling=<From user>.
 *
 * Everything here runs on the span's SIP thread.
 */
#define _GNU_SOURCE
#include "sip_private.h"

#include <sofia-sip/url.h>

static void notify(sip_line_t *l, nua_handle_t *nh, int status)
{
    char frag[80];
    const char *phrase = sip_status_phrase(status);
    snprintf(frag, sizeof(frag), "SIP/2.0 %d %s\r\n", status, phrase ? phrase : "");
    nua_notify(nh, NUTAG_NEWSUB(1), SIPTAG_EVENT_STR(l && l->refer_event[0] ? l->refer_event : "refer"),
               NUTAG_SUBSTATE(status >= 200 ? nua_substate_terminated : nua_substate_active),
               TAG_IF(status >= 200, SIPTAG_SUBSCRIPTION_STATE_STR("terminated;reason=noresource")),
               SIPTAG_CONTENT_TYPE_STR("message/sipfrag;version=2.0"), SIPTAG_PAYLOAD_STR(frag), TAG_END());
    if (l && status >= 200)
        l->refer_event[0] = '\0';
}

/* The call a Replaces header names (sofia-sip parses it from the Refer-To URI's headers and finds the dialog):
 * a line of this span, or NULL. */
static sip_line_t *replaced_line(nua_t *nua, const url_t *url, int *named)
{
    su_home_t home[1] = {SU_HOME_INIT(home)};
    char *headers, *at, *end, *text;
    sip_replaces_t *rp;
    sip_line_t *r = NULL;
    *named = 0;
    if (!url || !url->url_headers)
        return NULL;
    headers = su_strdup(home, url->url_headers);
    if ((at = strcasestr(headers, "replaces=")) != NULL) {
        *named = 1;
        at += strlen("replaces=");
        if ((end = strchr(at, '&')) != NULL)
            *end = '\0';
        text = su_strdup(home, at);
        url_unescape(text, text);
        if ((rp = sip_replaces_make(home, text)) != NULL) {
            nua_handle_t *h = nua_handle_by_replaces(nua, rp);
            if (h) {
                r = nua_handle_magic(h);
                nua_handle_unref(h);
            }
        }
    }
    su_home_deinit(home);
    return r;
}

void transfer_refer_in(sip_line_t *l, nua_t *nua, nua_handle_t *nh, const sip_t *sip, tagi_t tags[])
{
    sip_event_t const *ev = NULL;
    char to[64] = "";
    sip_line_t *r;
    int named;
    tl_gets(tags, NUTAG_REFER_EVENT_REF(ev), TAG_END());
    if (l) {
        l->refer_event[0] = '\0';
        if (ev) {
            su_home_t home[1] = {SU_HOME_INIT(home)};
            char *text = sip_header_as_string(home, (sip_header_t const *) ev);
            snprintf(l->refer_event, sizeof(l->refer_event), "%s", text ? text : "refer");
            su_home_deinit(home);
        }
    }
    if (!l || l->state != L_CONNECTED || !sip || !sip->sip_refer_to || !sip->sip_refer_to->r_url->url_user) {
        notify(l, nh, 603);         /* no call of ours to transfer, or nowhere to go */
        return;
    }
    sip_field(to, sizeof(to), sip->sip_refer_to->r_url->url_user);
    r = replaced_line(nua, sip->sip_refer_to->r_url, &named);
    if (named && (!r || r->sp != l->sp || r == l || r->state != L_CONNECTED)) {
        notify(l, nh, 603);         /* an attended transfer to a call that is not one of this span's */
        return;
    }
    notify(l, nh, 100);
    if (r)
        sip_emit(l, "REFER to=%s replaces=%d", to, r->chan_id);
    else
        sip_emit(l, "REFER to=%s", to);
}

void transfer_notify(sip_line_t *l, const char *msg)
{
    char st[16];
    int status;
    sip_msg_field(msg, "status", st, sizeof(st));
    status = atoi(st);
    if (!l->nh || !l->refer_event[0] || status < 100 || status > 699)
        return;
    notify(l, l->nh, status);
}

void transfer_refer_out(sip_line_t *l, const char *msg)
{
    sip_span_t *sp = l->sp;
    char to[64], url[200];
    sip_msg_field(msg, "to", to, sizeof(to));
    if (l->state != L_CONNECTED || !to[0] || l->refer_out) {
        sip_emit(l, "REFER_DONE status=%d", l->refer_out ? 491 : 481);
        return;
    }
    snprintf(url, sizeof(url), "<sip:%s@%s>", to, sp->phones || !sp->p.peer[0] ? sp->p.bind : sp->p.peer);
    l->refer_out = 1;
    nua_refer(l->nh, SIPTAG_REFER_TO_STR(url), TAG_END());
}

void transfer_refer_answer(sip_line_t *l, int status)
{
    if (!l->refer_out || status < 300)
        return;
    l->refer_out = 0;               /* refused: the call stays ours */
    sip_emit(l, "REFER_DONE status=%d", status);
}

/* A NOTIFY about our REFER: its sipfrag's status line (sofia-sip's parser); the first final one ends it. */
void transfer_notified(sip_line_t *l, const sip_t *sip, tagi_t tags[])
{
    su_home_t home[1] = {SU_HOME_INIT(home)};
    int substate = -1, status = 0;
    (void) tags;
    if (!l->refer_out || !sip)
        return;
    tl_gets(tags, NUTAG_SUBSTATE_REF(substate), TAG_END());
    if (sip->sip_payload && sip->sip_payload->pl_data) {
        char line[120];
        sip_status_t *st;
        size_t n = strcspn(sip->sip_payload->pl_data, "\r\n");
        if (n > sip->sip_payload->pl_len)
            n = sip->sip_payload->pl_len;
        if (n >= sizeof(line))
            n = sizeof(line) - 1;
        memcpy(line, sip->sip_payload->pl_data, n);
        line[n] = '\0';
        if ((st = sip_status_make(home, line)) != NULL)
            status = st->st_status;
    }
    su_home_deinit(home);
    if (status >= 200 || (substate == nua_substate_terminated && status == 0)) {
        l->refer_out = 0;
        sip_emit(l, "REFER_DONE status=%d", status ? status : 487);
    }
}

/* An INVITE with Replaces: the connected call it names takes the new dialog (and its media); the old dialog
 * gets BYE. 1: taken (answered here); 0: not an INVITE with Replaces. */
int transfer_replaces(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
    nua_handle_t *old;
    sip_line_t *r = NULL, keep;
    char why[120], sdp[1200], calling[64] = "";
    if (!sip || !sip->sip_replaces)
        return 0;
    if ((old = nua_handle_by_replaces(nua, sip->sip_replaces)) != NULL) {
        r = nua_handle_magic(old);
        nua_handle_unref(old);
    }
    if (!r || r->sp != sp || r->state != L_CONNECTED || sp->phones) {
        nua_respond(nh, SIP_481_NO_TRANSACTION, TAG_END());
        return 1;
    }
    keep = *r;
    r->secure = sip_over_tls(nua, sip);
    if (take_sdp(r, sip, 0, why, sizeof(why)) < 0) {
        r->remote = keep.remote;
        r->pt = keep.pt;
        r->dtmf_pt = keep.dtmf_pt;
        r->mode = keep.mode;
        r->secure = keep.secure;
        r->crypto = keep.crypto;
        r->crypto_tag = keep.crypto_tag;
        r->savp = keep.savp;
        explicit_bzero(&keep, sizeof(keep));
        nua_respond(nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
        return 1;
    }
    explicit_bzero(&keep, sizeof(keep));
    old = r->nh;
    nua_handle_bind(old, NULL);     /* the old dialog ends; nua destroys it when it says terminated */
    nua_bye(old, SIPTAG_REASON_STR("SIP;cause=200;text=\"Call completed elsewhere\""), TAG_END());
    r->nh = nh;
    nua_handle_bind(nh, r);
    r->refer_event[0] = '\0';
    r->refer_out = 0;
    rtp_start(r->rtp, &r->remote, r->pt, r->dtmf_pt, &r->crypto);
    make_sdp(r, 1, sdp, sizeof(sdp));
    nua_respond(nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
    if (sip->sip_from && sip->sip_from->a_url->url_user)
        sip_field(calling, sizeof(calling), sip->sip_from->a_url->url_user);
    sip_emit(r, "REPLACED calling=%s", calling);
    return 1;
}
