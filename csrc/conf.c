/*
 * Conferences (a bridge is a conference of two). Each tick every speaking
 * member's received audio is summed once; a member hears the sum less its
 * own voice. Listeners are heard by nobody; a whisperer is heard only by the
 * member it whispers to, and hears the whole conference.
 *
 * A bridge of a sip line and an audio line may become a T.38 gateway (t38_gw.c) while it lasts.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

static conf_t *conf_find(engine_t *e, int id, int create)
{
    conf_t *f;
    for (f = e->confs; f; f = f->next)
        if (f->id == id)
            return f;
    if (!create || (f = calloc(1, sizeof(*f))) == NULL)
        return NULL;
    f->id = id;
    f->cap = 4;
    f->members = calloc((size_t) f->cap, sizeof(chan_t *));
    f->mix = calloc(MAX_FRAME, sizeof(int32_t));
    if (!f->members || !f->mix) {
        free(f->members);
        free(f->mix);
        free(f);
        return NULL;
    }
    f->next = e->confs;
    e->confs = f;
    return f;
}

static void conf_destroy(engine_t *e, conf_t *f)
{
    conf_t **pp;
    for (pp = &e->confs; *pp; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    }
    free(f->members);
    free(f->mix);
    free(f);
}

int conf_join(engine_t *e, chan_t *c, int conf_id, int role, int whisper_to)
{
    conf_t *f;

    if (c->conf)
        conf_leave(e, c);
    if ((f = conf_find(e, conf_id, 1)) == NULL)
        return -1;
    if (f->nmembers == f->cap) {
        chan_t **m = realloc(f->members, sizeof(chan_t *) * (size_t) f->cap * 2);
        if (!m)
            return -1;
        f->members = m;
        f->cap *= 2;
    }
    f->members[f->nmembers++] = c;
    c->conf = f;
    c->conf_role = role;
    c->whisper_to = whisper_to;
    c->conf_out_valid = 0;
    return 0;
}

void conf_leave(engine_t *e, chan_t *c)
{
    conf_t *f = c->conf;
    int i;

    if (!f)
        return;
    gw_leave(e, c);             /* a T.38 gateway lasts as long as its bridge */
    for (i = 0; i < f->nmembers; i++) {
        if (f->members[i] == c) {
            f->members[i] = f->members[--f->nmembers];
            break;
        }
    }
    c->conf = NULL;
    c->conf_out_valid = 0;
    if (f->nmembers == 0)
        conf_destroy(e, f);
}

void conf_mix(engine_t *e)
{
    conf_t *f;
    int n = e->frame, i, j, k;

    for (f = e->confs; f; f = f->next) {
        memset(f->mix, 0, sizeof(int32_t) * (size_t) n);
        for (j = 0; j < f->nmembers; j++) {
            chan_t *m = f->members[j];
            if (m->conf_role == ENG_CONF_SPEAK) {
                const int16_t *rx = chan_rx_lin(e, m);
                for (i = 0; i < n; i++)
                    f->mix[i] += rx[i];
            }
        }
        for (j = 0; j < f->nmembers; j++) {
            chan_t *m = f->members[j];
            int32_t out[MAX_FRAME];
            for (i = 0; i < n; i++)
                out[i] = f->mix[i];
            if (m->conf_role == ENG_CONF_SPEAK) {
                const int16_t *rx = chan_rx_lin(e, m);
                for (i = 0; i < n; i++)
                    out[i] -= rx[i];
            }
            for (k = 0; k < f->nmembers; k++) {
                chan_t *w = f->members[k];
                if (w->conf_role == ENG_CONF_WHISPER && w->whisper_to == m->id) {
                    const int16_t *rx = chan_rx_lin(e, w);
                    for (i = 0; i < n; i++)
                        out[i] += rx[i];
                }
            }
            for (i = 0; i < n; i++)
                m->conf_out[i] = (int16_t) (out[i] > 32767 ? 32767 : out[i] < -32768 ? -32768 : out[i]);
            m->conf_out_valid = 1;
        }
    }
}

void conf_free_all(engine_t *e)
{
    while (e->confs)
        conf_destroy(e, e->confs);
}
