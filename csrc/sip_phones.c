/*
 * A sip span of phones: SIP phones register as extensions (line i is the phone of extension user i).
 *
 * The server side is sofia-sip's: nua hands us each REGISTER (nua_i_register, NUTAG_APPL_METHOD) and INVITE,
 * and its digest server (iptsec's auth_module, "Digest" with qop=auth, passwords added with auth_mod_addpass,
 * nonces signed with a random key) checks the credentials and makes the challenges. What is ours: which
 * extension a request is for, the contact each phone registered and until when, and the bans.
 *
 * Security: a failed authentication (wrong password, an unknown user, a user that is not the extension it
 * registers, a bad nonce) counts against its source address; ban_failures of them within ban_window_s and
 * the address is refused (403) for ban_s. Every refusal is an EV_SIGMSG "REFUSED source= user= why=" on the
 * span's first line, so chand logs it.
 *
 * Messages to chand (EV_SIGMSG on the extension's line): REGISTERED contact= expires=, UNREGISTERED.
 * Everything here runs on the span's SIP thread, except phones_parse (eng_sip_span, before the thread).
 */
#define _GNU_SOURCE
#include <sys/random.h>
#include <time.h>

#include "sip_private.h"

#include <sofia-sip/auth_plugin.h>

#define MAX_BANS 256
#define MIN_EXPIRES 60
#define MAX_EXPIRES 3600
#define MIN_PASSWORD 12             /* the config asks for more (telephonist/config/sip.py) */

typedef struct sip_ban_s {
    struct in_addr addr;
    int failures;                   /* within the window that began at since */
    double since;
    double until;                   /* banned until then */
} sip_ban_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the phones' users (eng_sip_span) -------------------------------------------------------- */

int phones_parse(sip_span_t *sp, const char *text, char *err, size_t cap)
{
    int i = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n'), *sp1;
        size_t n = end ? (size_t) (end - p) : strlen(p);
        sip_line_t *l;
        if (n == 0) {
            p += end ? 1 : 0;
            continue;
        }
        if (i >= sp->nlines) {
            snprintf(err, cap, "sip span: more phones than its %d lines", sp->nlines);
            return -1;
        }
        l = &sp->lines[i];
        sp1 = memchr(p, ' ', n);
        if (!sp1 || sp1 == p || (size_t) (sp1 - p) >= sizeof(l->user) || n - (size_t) (sp1 - p) - 1 >= sizeof(l->password)
            || n - (size_t) (sp1 - p) - 1 < 1) {
            snprintf(err, cap, "sip span: phone %d: \"user password\" with a user of up to %zu bytes and a "
                     "password of up to %zu", i + 1, sizeof(l->user) - 1, sizeof(l->password) - 1);
            return -1;
        }
        if (n - (size_t) (sp1 - p) - 1 < MIN_PASSWORD) {
            snprintf(err, cap, "sip span: phone %d: no phone without a strong password (%d characters at least)",
                     i + 1, MIN_PASSWORD);
            return -1;
        }
        memcpy(l->user, p, (size_t) (sp1 - p));
        memcpy(l->password, sp1 + 1, n - (size_t) (sp1 - p) - 1);
        i++;
        p += n + (end ? 1 : 0);
    }
    sp->phones = i > 0;
    return 0;
}

/* ---- bans ------------------------------------------------------------------------------------ */

static sip_ban_t *ban_of(sip_span_t *sp, struct in_addr a, int make)
{
    int i, oldest = 0;
    for (i = 0; i < sp->nbans; i++)
        if (sp->bans[i].addr.s_addr == a.s_addr)
            return &sp->bans[i];
    if (!make)
        return NULL;
    if (sp->nbans < MAX_BANS) {
        i = sp->nbans++;
    } else {                        /* full: reuse the entry that is not banned and began longest ago */
        for (i = 1; i < MAX_BANS; i++)
            if (sp->bans[i].until < sp->bans[oldest].until
                || (sp->bans[i].until == sp->bans[oldest].until && sp->bans[i].since < sp->bans[oldest].since))
                oldest = i;
        i = oldest;
    }
    memset(&sp->bans[i], 0, sizeof(sp->bans[i]));
    sp->bans[i].addr = a;
    return &sp->bans[i];
}

void sip_refused(sip_span_t *sp, const char *source, const char *user, const char *why, int failures)
{
    char u[40];
    size_t j = 0;
    for (; user && *user && j + 1 < sizeof(u); user++)   /* a user is the far end's text: keep it a field */
        if ((unsigned char) *user > ' ' && *user != '=' && (unsigned char) *user < 0x7f)
            u[j++] = *user;
    u[j] = '\0';
    sip_emit(&sp->lines[0], "REFUSED source=%s user=%s why=%s failures=%d", source, j ? u : "-", why, failures);
}

/* A failed authentication from a: counted, and a ban when there were too many. */
static void failed(sip_span_t *sp, struct in_addr a, const char *source, const char *user, const char *why)
{
    sip_ban_t *b = ban_of(sp, a, 1);
    double t = now_s();
    if (t - b->since > sp->p.ban_window_s) {
        b->since = t;
        b->failures = 0;
    }
    b->failures++;
    if (b->failures >= sp->p.ban_failures) {
        b->until = t + sp->p.ban_s;
        sip_refused(sp, source, user, why, b->failures);
        sip_emit(&sp->lines[0], "BANNED source=%s for_s=%d failures=%d", source, sp->p.ban_s, b->failures);
        b->failures = 0;
        b->since = t;
        return;
    }
    sip_refused(sp, source, user, why, b->failures);
}

static int banned(sip_span_t *sp, struct in_addr a)
{
    sip_ban_t *b = ban_of(sp, a, 0);
    return b && b->until > now_s();
}

/* ---- the digest server --------------------------------------------------------------------- */

/* The phone's registration is gone (why: expired, asked, no_answer); its keep-alive with it. */
static void forget_contact(sip_line_t *l, const char *why)
{
    int was = l->contact[0] != '\0';
    l->contact[0] = '\0';
    l->via_nat[0] = '\0';
    if (l->ka_nh)
        nua_handle_destroy(l->ka_nh);
    l->ka_nh = NULL;
    if (was && why)
        sip_emit(l, "UNREGISTERED why=%s", why);
}

/* NAT keep-alive: OPTIONS to a phone behind NAT every nat_keepalive_s, to the address its REGISTER came from
 * (the NAT's binding stays open, and we learn that the phone is gone). Any answer keeps it; none before the next
 * is due (or nua's own 408/503: nothing there) unregisters it. */
static void keepalive(sip_span_t *sp, sip_line_t *l, double n)
{
    char to[240];
    if (!l->contact[0] || !l->via_nat[0] || sp->p.nat_keepalive_s <= 0 || n < l->ka_next || sp->shutting_down)
        return;
    if (l->ka_nh) {
        forget_contact(l, "no_answer");
        return;
    }
    l->ka_next = n + sp->p.nat_keepalive_s;
    snprintf(to, sizeof(to), "<%s>", l->contact);
    l->ka_nh = nua_handle(sp->nua, NULL, NUTAG_URL(l->contact), SIPTAG_TO_STR(to), TAG_END());
    if (l->ka_nh) {
        nua_set_hparams(l->ka_nh, NUTAG_PROXY(l->via_nat), TAG_END());
        nua_options(l->ka_nh, TAG_END());
    }
}

void phones_keepalive_answered(sip_span_t *sp, nua_handle_t *nh, int status)
{
    int i;
    if (status < 200)
        return;
    for (i = 0; i < sp->nlines; i++) {
        sip_line_t *l = &sp->lines[i];
        if (l->ka_nh != nh)
            continue;
        if (status == 408 || status == 503) {       /* nua's own: nobody answered, or nothing listens there */
            forget_contact(l, "no_answer");
        } else {
            l->ka_nh = NULL;
            nua_handle_destroy(nh);
        }
        return;
    }
    nua_handle_destroy(nh);                         /* the phone went meanwhile */
}

static void on_expiry(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
    sip_span_t *sp = (sip_span_t *) arg;
    double n = now_s();
    int i;
    (void) magic;
    (void) t;
    for (i = 0; i < sp->nlines; i++) {
        sip_line_t *l = &sp->lines[i];
        if (l->contact[0] && l->expires <= n)
            forget_contact(l, "expired");
        else
            keepalive(sp, l, n);
    }
}

int phones_start(sip_span_t *sp)
{
    unsigned char raw[24];
    char key[64];
    int i;
    if (!sp->phones)
        return 0;
    if (!sp->p.realm[0])
        snprintf(sp->p.realm, sizeof(sp->p.realm), "telephonist");
    if (sp->p.ban_failures <= 0)
        sp->p.ban_failures = 5;
    if (sp->p.ban_window_s <= 0)
        sp->p.ban_window_s = 60;
    if (sp->p.ban_s <= 0)
        sp->p.ban_s = 600;
    /* the key that signs our nonces: random, so nobody can make one that we would take */
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t) sizeof(raw))
        return -1;
    for (i = 0; i < (int) sizeof(raw); i++)
        snprintf(key + 2 * i, 3, "%02x", raw[i]);
    sp->am = auth_mod_create(sp->root, AUTHTAG_METHOD("Digest"), AUTHTAG_REALM(sp->p.realm),
                             AUTHTAG_QOP("auth"), AUTHTAG_ALGORITHM("MD5"), AUTHTAG_MASTER_KEY(key),
                             AUTHTAG_BLACKLIST(1), AUTHTAG_ALLOW("ACK, BYE, CANCEL"), TAG_END());
    if (!sp->am)
        return -1;
    for (i = 0; i < sp->nlines; i++) {
        sip_line_t *l = &sp->lines[i];
        auth_passwd_t *apw;
        if (!l->user[0])
            continue;
        if ((apw = auth_mod_addpass(sp->am, l->user, sp->p.realm)) == NULL)
            return -1;
        apw->apw_pass = su_strdup(sp->am->am_home, l->password);
    }
    if ((sp->bans = calloc(MAX_BANS, sizeof(sip_ban_t))) == NULL)
        return -1;
    sp->expiry_timer = su_timer_create(su_root_task(sp->root), 1000);
    if (sp->expiry_timer)
        su_timer_run(sp->expiry_timer, on_expiry, (su_timer_arg_t *) sp);      /* every second */
    return 0;
}

void phones_stop(sip_span_t *sp)
{
    int i;
    for (i = 0; i < sp->nlines; i++)
        sp->lines[i].ka_nh = NULL;      /* nua_destroy (before) destroyed its handles */
    if (sp->expiry_timer)
        su_timer_destroy(sp->expiry_timer);
    sp->expiry_timer = NULL;
    if (sp->am)
        auth_mod_unref(sp->am);
    sp->am = NULL;
    free(sp->bans);
    sp->bans = NULL;
}

static sip_line_t *line_of_user(sip_span_t *sp, const char *user)
{
    int i;
    for (i = 0; user && i < sp->nlines; i++)
        if (sp->lines[i].user[0] && strcmp(sp->lines[i].user, user) == 0)
            return &sp->lines[i];
    return NULL;
}

enum { AUTH_OK, AUTH_CHALLENGED, AUTH_REFUSED };

/* Checks the request's credentials for user (its To user for REGISTER, any phone for INVITE); answers a
 * challenge, a refusal or a ban itself. AUTH_OK: *who is the phone. */
static int check(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip, const char *method,
                 const char *to_user, sip_line_t **who)
{
    static const auth_challenger_t ach = {401, "Unauthorized", sip_www_authenticate_class, NULL};
    auth_status_t *as;
    struct in_addr a;
    char source[48];
    const char *user = NULL;
    int rc = AUTH_REFUSED;
    msg_auth_t *cred = sip->sip_authorization;
    char named[64] = "";

    sip_source(nua, &a, NULL, source, sizeof(source));
    if (cred && (user = msg_params_find(cred->au_params, "username=")) != NULL) {
        size_t n = strlen(user);        /* a quoted string: the name without its quotes */
        if (n >= 2 && user[0] == '"' && user[n - 1] == '"')
            user++, n -= 2;
        snprintf(named, sizeof(named), "%.*s", (int) (n < sizeof(named) ? n : sizeof(named) - 1), user);
        user = named;
    }
    if (banned(sp, a)) {
        sip_refused(sp, source, user ? user : to_user, "banned", 0);
        nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua), TAG_END());
        return AUTH_REFUSED;
    }
    if (sp->p.tls_only && !sip_over_tls(nua, sip)) {
        sip_refused(sp, source, user ? user : to_user, "not_tls", 0);
        nua_respond(nh, 403, "TLS Required", NUTAG_WITH_THIS(nua), TAG_END());
        return AUTH_REFUSED;
    }
    if ((as = auth_status_new(sp->home)) == NULL) {
        nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, NUTAG_WITH_THIS(nua), TAG_END());
        return AUTH_REFUSED;
    }
    as->as_method = method;
    as->as_realm = sp->p.realm;
    as->as_body = sip->sip_payload ? sip->sip_payload->pl_data : NULL;
    as->as_bodylen = sip->sip_payload ? sip->sip_payload->pl_len : 0;
    auth_mod_verify(sp->am, as, cred, &ach);
    if (as->as_status == 0) {
        sip_line_t *l = line_of_user(sp, as->as_user);
        if (!l || (to_user && strcmp(to_user, l->user) != 0)) {
            /* good credentials for another extension than the one it registers */
            failed(sp, a, source, to_user, "not_this_extension");
            nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua), TAG_END());
        } else {
            *who = l;
            rc = AUTH_OK;
        }
    } else if (as->as_status == 401 && as->as_response) {
        if (cred && as->as_blacklist)   /* credentials that did not match (else: none yet, or a stale nonce) */
            failed(sp, a, source, user ? user : to_user, line_of_user(sp, user) ? "wrong_password" : "unknown_user");
        if (banned(sp, a))
            nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua), TAG_END());
        else
            nua_respond(nh, as->as_status, as->as_phrase, SIPTAG_HEADER((sip_header_t *) as->as_response),
                        NUTAG_WITH_THIS(nua), TAG_END());
        rc = AUTH_CHALLENGED;
    } else {
        failed(sp, a, source, user ? user : to_user, "bad_credentials");
        nua_respond(nh, as->as_status >= 400 ? as->as_status : 400,
                    as->as_phrase ? as->as_phrase : "Bad Request", NUTAG_WITH_THIS(nua), TAG_END());
    }
    auth_status_unref(as);
    return rc;
}

/* ---- REGISTER -------------------------------------------------------------------------------- */

void phones_register(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
    sip_line_t *l = NULL;
    const char *to_user = sip && sip->sip_to ? sip->sip_to->a_url->url_user : NULL;
    const sip_contact_t *m;
    char contact[300], url[200];
    long expires;

    if (!sp->phones || !sip) {
        nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua), TAG_END());
    } else if (check(sp, nua, nh, sip, "REGISTER", to_user ? to_user : "", &l) == AUTH_OK) {
        m = sip->sip_contact;
        expires = sip->sip_expires ? (long) sip->sip_expires->ex_delta : MAX_EXPIRES;
        if (m && m->m_expires)
            expires = strtol(m->m_expires, NULL, 10);
        if (!m) {                   /* a query: where is it registered */
            if (l->contact[0]) {
                snprintf(contact, sizeof(contact), "<%s>;expires=%ld", l->contact, (long) (l->expires - now_s()));
                nua_respond(nh, SIP_200_OK, SIPTAG_CONTACT_STR(contact), NUTAG_WITH_THIS(nua), TAG_END());
            } else {
                nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
            }
        } else if (expires == 0 || m->m_url->url_type == url_any) {
            nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
            forget_contact(l, "asked");
        } else {
            if (expires < MIN_EXPIRES)
                expires = MIN_EXPIRES;  /* RFC 3261 10.3: we could say 423; shorter is only more traffic */
            if (expires > MAX_EXPIRES)
                expires = MAX_EXPIRES;
            url_e(url, (isize_t) sizeof(url), m->m_url);
            snprintf(l->contact, sizeof(l->contact), "%s", url);
            l->expires = now_s() + (double) expires;
            /* behind NAT: called (and kept alive) where the REGISTER came from, not at its private Contact */
            sip_nat_source(nua, m->m_url, l->via_nat, sizeof(l->via_nat));
            if (!l->ka_nh)
                l->ka_next = now_s() + sp->p.nat_keepalive_s;
            snprintf(contact, sizeof(contact), "<%s>;expires=%ld", url, expires);
            nua_respond(nh, SIP_200_OK, SIPTAG_CONTACT_STR(contact), NUTAG_WITH_THIS(nua), TAG_END());
            sip_emit(l, "REGISTERED contact=%s expires=%ld%s%s", url, expires, l->via_nat[0] ? " via=" : "",
                     l->via_nat[0] ? l->via_nat + 4 : "");
        }
    }
    nua_handle_destroy(nh);
}

/* ---- calls ----------------------------------------------------------------------------------- */

sip_line_t *phones_invite(sip_span_t *sp, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
    sip_line_t *l = NULL;
    if (check(sp, nua, nh, sip, "INVITE", NULL, &l) != AUTH_OK)
        return NULL;
    if (l->state != L_IDLE) {
        nua_respond(nh, SIP_486_BUSY_HERE, SIPTAG_REASON_STR("Q.850;cause=17"), TAG_END());
        return NULL;
    }
    return l;
}

int phones_target(sip_line_t *l, char *url, size_t cap, const char **via)
{
    if (!l->contact[0] || l->expires <= now_s())
        return -1;
    snprintf(url, cap, "%s", l->contact);
    *via = l->via_nat[0] ? l->via_nat : NULL;
    return 0;
}
