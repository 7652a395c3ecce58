/*
 * T.38 fax on sip lines: the SDP of m=image udptl t38 (ITU-T T.38 Annex D; RFC 3362's image/t38), the
 * re-INVITE that moves a call's media from audio to T.38 and the answer to the far end's, per the span's t38:
 *
 *   off      a re-INVITE to m=image gets 488; we never ask
 *   accept   the far end's re-INVITE to m=image is answered 200 with ours, and the line carries UDPTL
 *   on       also: when a fax receive starts on the line, we re-INVITE to m=image ourselves
 *
 * Who asks: the receiving side, as Asterisk's ReceiveFax does (res_fax asks for T.38 once it answers with
 * CED; SendFax waits for the far end, asking itself only with its 'z' option) and as T.38 Annex D has the
 * gateway that hears CED or the V.21 preamble from the called machine switch. So two Telephonist lines with
 * t38 = "on" never both ask at once for one fax (no glare), and a sender towards a gateway is switched by
 * the gateway.
 *
 * A refusal (488 or any final error) leaves the call on G.711: the fax goes on as audio (pass-through).
 * UDPTL uses the line's RTP port (rtp.c switches the port's framing; FreeSWITCH does the same), so an
 * answer changes no socket.
 */
#define _GNU_SOURCE
#include "sip_private.h"

#define T38_MAX_DATAGRAM 400        /* as fax.c tells spandsp */
#define T38_MAX_BUFFER 2000

/* Our m=image: an offer proposes redundancy; an answer agrees to the far end's error correction (redundancy
 * for redundancy or FEC, which we do not send; none for none). */
void t38_make_sdp(sip_line_t *l, int answer, char *out, size_t cap)
{
    sip_span_t *sp = l->sp;
    long sess = (long) l->chan_id + 1000;

    snprintf(out, cap, "v=0\r\no=telephonist %ld %ld IN IP4 %s\r\ns=telephonist\r\nc=IN IP4 %s\r\nt=0 0\r\n"
             "m=image %d udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
             "a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:%d\r\na=T38FaxMaxDatagram:%d\r\n"
             "a=T38FaxUdpEC:%s\r\n",
             sess, sess + 1, sp->p.rtp_host, sp->p.rtp_host, rtp_port(l->rtp), T38_MAX_BUFFER, T38_MAX_DATAGRAM,
             answer && !l->t38_redundancy ? "t38UDPNoEC" : "t38UDPRedundancy");
}

static const char *attr(const sdp_attribute_t *a, const char *name)
{
    for (; a; a = a->a_next)
        if (a->a_name && strcasecmp(a->a_name, name) == 0)
            return a->a_value ? a->a_value : "";
    return NULL;
}

/* The far end's SDP: 1 if its first stream with a port is m=image udptl t38 (remote and the line's T.38
 * parameters filled in), 0 if that stream is another (audio), -1 and why if its image stream is one we
 * cannot take. */
int t38_take_sdp(sip_line_t *l, const sip_t *sip, struct sockaddr_in *remote, char *why, size_t cap)
{
    su_home_t home[1] = {SU_HOME_INIT(home)};
    sdp_parser_t *parser;
    sdp_session_t *s;
    sdp_media_t *m;
    sdp_connection_t *c;
    const char *v;
    int rc = 0;

    if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data)
        return 0;
    parser = sdp_parse(home, sip->sip_payload->pl_data, (issize_t) sip->sip_payload->pl_len, 0);
    if ((s = sdp_session(parser)) == NULL)
        goto out;                       /* take_sdp says what is wrong with it */
    for (m = s->sdp_media; m && !m->m_port; m = m->m_next)
        ;
    if (!m || m->m_type != sdp_media_image)
        goto out;
    rc = -1;
    if (m->m_proto != sdp_proto_udptl || !m->m_format || strcasecmp(m->m_format->l_text, "t38") != 0) {
        snprintf(why, cap, "image stream not udptl t38");
        goto out;
    }
    c = m->m_connections ? m->m_connections : s->sdp_connection;
    memset(remote, 0, sizeof(*remote));
    remote->sin_family = AF_INET;
    remote->sin_port = htons((uint16_t) m->m_port);
    if (!c || !c->c_address || inet_pton(AF_INET, c->c_address, &remote->sin_addr) != 1) {
        snprintf(why, cap, "the SDP's connection is not an IPv4 address");
        goto out;
    }
    if ((v = attr(m->m_attributes, "T38FaxRateManagement")) && strcasecmp(v, "transferredTCF") != 0) {
        snprintf(why, cap, "T.38 rate management %s (we take transferredTCF)", v);
        goto out;
    }
    v = attr(m->m_attributes, "T38FaxUdpEC");
    l->t38_redundancy = v && (strcasecmp(v, "t38UDPRedundancy") == 0 || strcasecmp(v, "t38UDPFEC") == 0);
    v = attr(m->m_attributes, "T38FaxMaxDatagram");
    l->t38_max_datagram = v && atoi(v) >= 100 ? atoi(v) : 0;   /* 0: UDPTL's own limit */
    rc = 1;
out:
    sdp_parser_free(parser);
    su_home_deinit(home);
    return rc;
}

/* chand hears MEDIA kind=t38 by=us|far (and MEDIA kind=audio when a re-INVITE takes the call back). */
static void switch_to_t38(sip_line_t *l, const struct sockaddr_in *remote, const char *by)
{
    l->t38 = 1;
    l->remote = *remote;
    rtp_set_hold(l->rtp, 0);
    rtp_start_t38(l->rtp, remote, l->t38_redundancy, l->t38_max_datagram);
    sip_emit(l, "MEDIA kind=t38 by=%s", by);
}

/* A re-INVITE: 1 if it asks for T.38, or refreshes a call on T.38 without SDP (answered here: 200 with our
 * m=image, or 488), 0 for anything else (audio: sip_ua.c answers, and takes the call back from T.38). */
int t38_reinvite_in(sip_line_t *l, const sip_t *sip, const char *contact)
{
    struct sockaddr_in remote;
    char sdp[800], why[120] = "", warning[160];
    int was_redundancy = l->t38_redundancy, was_max = l->t38_max_datagram;
    int rc = t38_take_sdp(l, sip, &remote, why, sizeof(why));

    if (rc == 0 && l->t38 && !(sip && sip->sip_payload)) {
        t38_make_sdp(l, 1, sdp, sizeof(sdp));   /* a refresh without SDP: the call stays on T.38 */
        nua_respond(l->nh, SIP_200_OK, TAG_IF(contact, SIPTAG_CONTACT_STR(contact)),
                    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
        return 1;
    }
    if (rc == 0)
        return 0;
    if (rc < 0 || l->sp->p.t38 == ENG_SIP_T38_OFF) {
        l->t38_redundancy = was_redundancy;
        l->t38_max_datagram = was_max;
        snprintf(warning, sizeof(warning), "399 telephonist \"%s\"", rc < 0 ? why : "T.38 is off on this span");
        nua_respond(l->nh, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR(warning), TAG_END());
        return 1;
    }
    switch_to_t38(l, &remote, "far");
    t38_make_sdp(l, 1, sdp, sizeof(sdp));
    nua_respond(l->nh, SIP_200_OK, TAG_IF(contact, SIPTAG_CONTACT_STR(contact)),
                SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
    return 1;
}

/* chand's engine asks (a fax receive started on the line): re-INVITE to m=image when the span's t38 is on. */
void t38_request(sip_line_t *l, const char *contact)
{
    char sdp[800];

    if (l->sp->p.t38 != ENG_SIP_T38_ON || l->state != L_CONNECTED || l->t38 || l->t38_asked || !l->nh)
        return;
    l->t38_asked = 1;
    l->t38_redundancy = 1;
    t38_make_sdp(l, 0, sdp, sizeof(sdp));
    nua_invite(l->nh, TAG_IF(contact, SIPTAG_CONTACT_STR(contact)), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
               SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

/* The answer to our re-INVITE (nua_r_invite in a call): 200 with m=image switches the line; anything else
 * (488, 491, a 200 that keeps audio) leaves it on audio. 1: it was ours. */
int t38_answered(sip_line_t *l, int status, const sip_t *sip)
{
    struct sockaddr_in remote;
    char why[120];

    if (!l->t38_asked || status < 200)
        return l->t38_asked;
    l->t38_asked = 0;
    if (status < 300 && t38_take_sdp(l, sip, &remote, why, sizeof(why)) == 1)
        switch_to_t38(l, &remote, "us");
    else
        eng_emit(l->sp->e, EV_ERROR, l->chan_id, 0, ENG_EIO, status, 0, 0,
                 "sip: the far end did not take T.38; the fax goes on as audio");
    return 1;
}
