/*
 * SDP offer/answer for sip lines (sofia-sip parses; we choose G.711, telephone-event and SRTP by SDES) and
 * the mapping between SIP statuses and Q.850 causes (RFC 3398), so that a call record's cause is the same on
 * SIP as on an E1.
 *
 * SRTP (RFC 4568), as the span's srtp says and only on calls whose signalling is TLS (unless
 * srtp_without_tls): "optional" offers RTP/AVP with a=crypto for both suites (best effort: a far end that does
 * not know SRTP ignores them) and takes SRTP when offered; "mandatory" offers RTP/SAVP and refuses an offer
 * without a suite we take; "off" answers plain RTP and refuses RTP/SAVP. An answer carries one a=crypto with
 * the tag of the far end's line we chose and a key of our own.
 */
#define _GNU_SOURCE
#include "sip_private.h"

/* ---- causes: RFC 3398 ---------------------------------------------------------------------- */

int q850_of_status(int status)
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

int status_of_q850(int cause, const char **phrase)
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

/* Q.850 cause from a Reason header, else from the status. */
int cause_of(const sip_t *sip, int status)
{
    const sip_reason_t *r;
    for (r = sip ? sip->sip_reason : NULL; r; r = r->re_next) {
        if (r->re_protocol && strcasecmp(r->re_protocol, "Q.850") == 0 && r->re_cause)
            return atoi(r->re_cause);
    }
    return status ? q850_of_status(status) : 16;
}

int srtp_allowed(const sip_line_t *l)
{
    const eng_sip_params_t *p = &l->sp->p;
    return p->srtp != ENG_SIP_SRTP_OFF && (l->secure || p->srtp_without_tls);
}

void forget_crypto(sip_line_t *l)
{
    rtp_crypto_wipe(&l->crypto);
    explicit_bzero(l->offer_keys, sizeof(l->offer_keys));
    l->crypto_tag = l->savp = l->offered_srtp = 0;
}

static void crypto_line(char *out, size_t cap, int tag, int suite, const uint8_t *key)
{
    char text[41];
    size_t n = strlen(out);
    rtp_crypto_key_text(key, text);
    snprintf(out + n, cap - n, "a=crypto:%d %s inline:%s\r\n", tag, rtp_crypto_suite_name(suite), text);
    explicit_bzero(text, sizeof(text));
}

/* Our SDP: an offer lists both G.711 laws (the channel's first), telephone-event (dtmf = rfc2833) and our
 * a=crypto lines (srtp); an answer the agreed ones. */
void make_sdp(sip_line_t *l, int answer, char *out, size_t cap)
{
    sip_span_t *sp = l->sp;
    int first = sp->codec == ENG_CODEC_ULAW ? 0 : 8, second = first == 8 ? 0 : 8;
    int port = rtp_port(l->rtp);
    int events = sp->p.dtmf == ENG_SIP_DTMF_RFC2833;
    char fmts[32], maps[512];
    long sess = (long) l->chan_id + 1000;
    const char *dir = "sendrecv", *proto = "RTP/AVP";
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
        if (l->crypto.suite != RTP_SRTP_NONE) {
            crypto_line(maps, sizeof(maps), l->crypto_tag, l->crypto.suite, l->crypto.tx_key);
            proto = l->savp ? "RTP/SAVP" : "RTP/AVP";
        }
    } else {
        snprintf(fmts, sizeof(fmts), events ? "%d %d 101" : "%d %d", first, second);
        snprintf(maps, sizeof(maps), "a=rtpmap:%d %s/8000\r\na=rtpmap:%d %s/8000\r\n%s",
                 first, first == 0 ? "PCMU" : "PCMA", second, second == 0 ? "PCMU" : "PCMA",
                 events ? "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n" : "");
        l->offered_srtp = 0;
        if (srtp_allowed(l) && rtp_crypto_random_key(l->offer_keys[0]) == 0
            && rtp_crypto_random_key(l->offer_keys[1]) == 0) {
            crypto_line(maps, sizeof(maps), 1, RTP_SRTP_AES_CM_80, l->offer_keys[0]);
            crypto_line(maps, sizeof(maps), 2, RTP_SRTP_AES_CM_32, l->offer_keys[1]);
            l->offered_srtp = 1;
            proto = sp->p.srtp == ENG_SIP_SRTP_MANDATORY ? "RTP/SAVP" : "RTP/AVP";
        }
    }
    /* an answer mirrors the far end's direction: its sendonly (a hold) is our recvonly, and so on */
    if (answer)
        dir = l->mode == sdp_sendonly ? "recvonly" : l->mode == sdp_recvonly ? "sendonly"
            : l->mode == sdp_inactive ? "inactive" : "sendrecv";
    snprintf(out, cap, "v=0\r\no=telephonist %ld %ld IN IP4 %s\r\ns=telephonist\r\nc=IN IP4 %s\r\nt=0 0\r\n"
             "m=audio %d %s %s\r\n%sa=ptime:%d\r\na=%s\r\n",
             sess, sess, sp->p.rtp_host, sp->p.rtp_host, port, proto, fmts, maps, sp->e->frame_ms, dir);
    explicit_bzero(maps, sizeof(maps));
}

/* One a=crypto value, "TAG SUITE inline:KEY[|lifetime][|MKI:len] [session params]": its tag and suite, the
 * key into key; 0 for a line we cannot take (another suite, an MKI, session parameters). */
static int parse_crypto(const char *v, int *tag, uint8_t key[RTP_SRTP_KEY_LEN])
{
    const char *suite, *k, *rest;
    size_t slen, klen;
    int s;
    char *end;
    long t = strtol(v, &end, 10);
    if (end == v || t < 0 || t > 999999999 || *end != ' ')
        return 0;
    suite = end + strspn(end, " ");
    slen = strcspn(suite, " ");
    if ((s = rtp_crypto_suite_of(suite, slen)) == RTP_SRTP_NONE)
        return 0;
    k = suite + slen + strspn(suite + slen, " ");
    if (strncasecmp(k, "inline:", 7) != 0)
        return 0;
    k += 7;
    klen = strcspn(k, "| ;");
    rest = k + klen;
    if (*rest == '|') {                 /* a lifetime is fine */
        size_t n = strcspn(++rest, "| ;");
        if (memchr(rest, ':', n))
            return 0;                   /* an MKI in its place */
        rest += n;
    }
    if (*rest != '\0')
        return 0;                       /* an MKI, more keys, or session parameters (UNENCRYPTED_SRTP, KDR ...) */
    if (rtp_crypto_key_of_text(k, klen, key) < 0)
        return 0;
    *tag = (int) t;
    return s;
}

/* SRTP from the far end's media line, as the span's srtp says. */
static int take_crypto(sip_line_t *l, const sdp_media_t *m, int answer, char *why, size_t cap)
{
    const sdp_attribute_t *a;
    int savp = m->m_proto_name && strncasecmp(m->m_proto_name, "RTP/SAVP", 8) == 0;
    int mandatory = l->sp->p.srtp == ENG_SIP_SRTP_MANDATORY;
    uint8_t key[RTP_SRTP_KEY_LEN];
    int tag = 0, suite = RTP_SRTP_NONE, s;

    for (a = m->m_attributes; a; a = a->a_next) {
        if (!a->a_name || strcasecmp(a->a_name, "crypto") != 0 || !a->a_value)
            continue;
        if ((s = parse_crypto(a->a_value, &tag, key)) == RTP_SRTP_NONE)
            continue;
        if (answer && !(l->offered_srtp && tag == s))   /* ours: tag 1 is _80, tag 2 is _32 */
            continue;
        suite = s;
        break;
    }
    if (suite != RTP_SRTP_NONE && srtp_allowed(l)) {
        if (answer) {
            memcpy(l->crypto.tx_key, l->offer_keys[tag - 1], RTP_SRTP_KEY_LEN);
        } else if (!(l->state == L_CONNECTED && l->crypto.suite == suite)) {
            /* a new offer of the suite we use keeps our key (a re-INVITE); else a new one */
            if (rtp_crypto_random_key(l->crypto.tx_key) < 0) {
                snprintf(why, cap, "no random key");
                return -1;
            }
        }
        l->crypto.suite = suite;
        memcpy(l->crypto.rx_key, key, RTP_SRTP_KEY_LEN);
        l->crypto_tag = tag;
        l->savp = savp;
        explicit_bzero(key, sizeof(key));
        return 0;
    }
    explicit_bzero(key, sizeof(key));
    if (savp || mandatory) {
        snprintf(why, cap, "%s", !srtp_allowed(l) && (savp || suite != RTP_SRTP_NONE)
                 ? (l->sp->p.srtp == ENG_SIP_SRTP_OFF ? "SRTP is off" : "SRTP needs TLS signalling")
                 : mandatory ? "SRTP required" : "no crypto suite we take");
        return -1;
    }
    rtp_crypto_wipe(&l->crypto);
    return 0;
}

/* The far end's media from its SDP (sofia-sip's parser): address, the first G.711 law it lists,
 * telephone-event. -1 and why if there is nothing we can use. */
int take_sdp(sip_line_t *l, const sip_t *sip, int answer, char *why, size_t cap)
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
    /* its direction: the stream's, else the session's; c=0.0.0.0 is the old way (RFC 2543) to hold */
    l->mode = m->m_mode;
    if (l->mode == sdp_sendrecv && s->sdp_attributes)
        l->mode = sdp_attribute_mode(s->sdp_attributes, sdp_sendrecv);
    if (l->remote.sin_addr.s_addr == htonl(INADDR_ANY))
        l->mode = sdp_inactive;
    if (take_crypto(l, m, answer, why, cap) < 0)
        goto out;
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
    if (l->sp->p.dtmf != ENG_SIP_DTMF_RFC2833)
        l->dtmf_pt = -1;                /* digits go by INFO or in the audio: no telephone-event agreed */
    rc = 0;
out:
    sdp_parser_free(parser);
    su_home_deinit(home);
    return rc;
}
