/*
 * Fax over a voice channel: spandsp's T.30 terminal (V.17, V.29, V.27ter,
 * ECM), sending or receiving TIFF-F, with an event per page and one at the end.
 *
 * A document to send is checked page by page before the terminal starts (1
 * bit per pixel, G3/G4 or uncompressed, fax widths, 204 x 98/196 dpi), so a
 * file that is not fax-ready is refused with a clear reason instead of
 * failing in phase B; the check, like every touch of the disk, is the fax
 * worker's, never eng_fax's caller's, and takes regular files only (a FIFO
 * named as a document would block its open for ever). spandsp reads and writes the
 * TIFF inside fax_rx/fax_tx (a page boundary costs 1-4 ms of one frame), so
 * a session is stepped by the fax worker (fax_worker.c), never by the media
 * thread; what the T.30 handlers report is kept as notes the worker hands
 * to the media thread, which emits them as events in its tick.
 *
 * The session (settings and notes) is made by the media thread; spandsp's
 * terminal is made at the first frame and freed by the worker itself, so
 * the worker never frees or grows memory another thread allocated (glibc
 * would lock that thread's arena, and a thread of lower priority holding
 * it stalled the worker for hundreds of milliseconds).
 *
 * On a line that switched to T.38 (a sip line whose call went to m=image, udptl.c) the frames the worker
 * steps carry IFP packets instead of audio: the audio terminal gives way to spandsp's T.38 terminal (and
 * back, if the call returns to audio), with the same document and settings. T.30 starts again in the new
 * terminal, as Asterisk and FreeSWITCH do on the switch: it happens in phase A or B, before any page.
 *
 * A session may also be a T.38 gateway (t38_gw.c engages it on a bridge of a sip line carrying T.38 and a card's
 * audio line): spandsp's t38_gateway between the audio line's frames (rx, tx) and the sip line's IFP packets
 * (rxb, txb), every frame both; no document, no T.30 of its own, so no page or end notes: its figures (pages,
 * rate, ECM) are kept for the media thread to read when the gateway ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "engine_private.h"

struct fax_session_s {
    int id;
    int send, calling, ecm;
    int gateway;                /* a T.38 gateway (no document): gw below, never fax or t38 */
    t38_gateway_state_t *gw;
    int gw_pages, gw_rate, gw_ecm;  /* its figures, written by the worker after each step (relaxed atomics) */
    fax_state_t *fax;           /* made and freed by the worker: the audio terminal ... */
    t38_terminal_state_t *t38;  /* ... or the T.38 one (at most one of them at a time) */
    t30_state_t *t30;
    int checked;                /* the document passed its check (once, before the first terminal) */
    int switching;              /* the terminal goes for the other kind: what it says of the call is not the end */
    t38_batch_t *txb;           /* during a T.38 step: where the terminal's packets go */
    int finished;               /* phase E seen, or the terminal could not be made */
    int pages;
    int nnotes;                 /* made during the current step */
    fax_note_t notes[FAX_NOTES_PER_STEP];
    char path[FAX_PATH_MAX];
    char ident[24];             /* T.30 allows 20 characters */
    char header[64];            /* spandsp takes 50 */
};

/* ---- checking a document before sending it -------------------------------------------- */

static int close_to(float v, float want, float tol)
{
    return fabsf(v - want) <= tol;
}

static int check_tiff(const char *path, char *err, int errlen)
{
    TIFF *tif;
    int page = 0;

    int fd;

    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
    if ((fd = file_open_regular(path, 0, err, errlen)) < 0)
        return -1;
    if ((tif = TIFFFdOpen(fd, path, "r")) == NULL) {
        close(fd);
        snprintf(err, (size_t) errlen, "%s: not a TIFF file", path);
        return -1;
    }
    do {
        uint16_t bps = 1, spp = 1, comp = COMPRESSION_NONE, unit = RESUNIT_INCH;
        uint32_t width = 0;
        float xres = 0, yres = 0;

        page++;
        TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
        TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
        TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
        TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
        TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres);
        TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres);
        if (unit == RESUNIT_CENTIMETER) {
            xres *= 2.54f;
            yres *= 2.54f;
        }
        if (bps != 1 || spp != 1) {
            snprintf(err, (size_t) errlen, "%s: page %d has %d bit(s) x %d sample(s) per pixel; a fax page is "
                     "black and white (1 bit)", path, page, bps, spp);
            break;
        }
        if (comp != COMPRESSION_CCITTFAX3 && comp != COMPRESSION_CCITTFAX4 && comp != COMPRESSION_NONE) {
            snprintf(err, (size_t) errlen, "%s: page %d uses compression %d; fax pages are G3, G4 or "
                     "uncompressed", path, page, comp);
            break;
        }
        if (width != 1728 && width != 2048 && width != 2432) {
            snprintf(err, (size_t) errlen, "%s: page %d is %u pixels wide; fax pages are 1728 (A4), 2048 (B4) "
                     "or 2432 (A3)", path, page, width);
            break;
        }
        if (!close_to(xres, 204.0f, 6.0f) || !(close_to(yres, 98.0f, 4.0f) || close_to(yres, 196.0f, 6.0f))) {
            snprintf(err, (size_t) errlen, "%s: page %d is %.0f x %.0f dpi; fax pages are 204 x 98 or "
                     "204 x 196 dpi", path, page, xres, yres);
            break;
        }
        err[0] = '\0';
    } while (TIFFReadDirectory(tif));
    TIFFClose(tif);
    return err[0] ? -1 : page;
}

/* ---- T.30 handlers (called from inside fax_rx/fax_tx, on the fax worker) -------------------- */

static fax_note_t *new_note(fax_session_t *f, int type)
{
    fax_note_t *n;

    /* A step ends at most one page and the call: the last slot is kept for the end. */
    if (f->nnotes >= FAX_NOTES_PER_STEP - (type == EV_FAX_DONE ? 0 : 1))
        return NULL;
    n = &f->notes[f->nnotes++];
    memset(n, 0, sizeof(*n));
    n->type = type;
    return n;
}

static int phase_d(t30_state_t *t30, void *user_data, int result)
{
    fax_session_t *f = user_data;
    fax_note_t *n;
    t30_stats_t st;

    (void) result;
    t30_get_transfer_statistics(t30, &st);
    f->pages = f->send ? st.pages_tx : st.pages_rx;
    if ((n = new_note(f, EV_FAX_PAGE)) != NULL) {
        n->a = f->pages;
        n->b = st.bit_rate;
    }
    return T30_ERR_OK;
}

static void phase_e(t30_state_t *t30, void *user_data, int completion)
{
    fax_session_t *f = user_data;
    fax_note_t *n;
    t30_stats_t st;
    const char *remote = t30_get_rx_ident(t30);

    if (f->switching)
        return;
    t30_get_transfer_statistics(t30, &st);
    f->finished = 1;
    if ((n = new_note(f, EV_FAX_DONE)) == NULL)
        return;
    n->a = completion;
    n->b = f->send ? st.pages_tx : st.pages_rx;
    n->c = st.bit_rate;
    n->d = st.error_correcting_mode;
    snprintf(n->text, sizeof(n->text), "%s;%s", t30_completion_code_to_str(completion), remote ? remote : "");
}

/* ---- life ------------------------------------------------------------------------------------ */

/* In the caller's thread: refuse what cannot work, with a reason, before a session exists. */
/* On the worker, before the terminal starts. */
static int fax_check(const char *path, int send, char *err, int errlen)
{
    char dir[FAX_PATH_MAX];

    if (send)
        return check_tiff(path, err, errlen) < 0 ? -1 : 0;
    if (file_check_regular(path, 1, err, errlen) < 0)
        return -1;              /* spandsp would open what is there for writing */
    snprintf(dir, sizeof(dir), "%s", path);
    if (access(dirname(dir), W_OK) != 0) {
        snprintf(err, (size_t) errlen, "%s: cannot write there: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

fax_session_t *fax_session_new(int id, int send, const char *path, int calling, int ecm, const char *ident,
                               const char *header)
{
    fax_session_t *f;

    if (!path || (f = calloc(1, sizeof(*f))) == NULL)
        return NULL;
    f->id = id;
    f->send = send;
    f->calling = calling;
    f->ecm = ecm;
    snprintf(f->path, sizeof(f->path), "%s", path);
    snprintf(f->ident, sizeof(f->ident), "%s", ident ? ident : "");
    snprintf(f->header, sizeof(f->header), "%s", header ? header : "");
    return f;
}

fax_session_t *fax_session_new_gateway(int id, int ecm)
{
    fax_session_t *f;

    if ((f = calloc(1, sizeof(*f))) == NULL)
        return NULL;
    f->id = id;
    f->gateway = 1;
    f->ecm = ecm;
    return f;
}

void fax_session_gateway_stats(const fax_session_t *f, int *pages, int *rate, int *ecm)
{
    *pages = __atomic_load_n(&f->gw_pages, __ATOMIC_RELAXED);
    *rate = __atomic_load_n(&f->gw_rate, __ATOMIC_RELAXED);
    *ecm = __atomic_load_n(&f->gw_ecm, __ATOMIC_RELAXED);
}

/* T.30 as we run it, in either terminal. */
static void setup_t30(fax_session_t *f)
{
    if (f->ident[0])
        t30_set_tx_ident(f->t30, f->ident);
    if (f->header[0])
        t30_set_tx_page_header_info(f->t30, f->header);
    t30_set_supported_modems(f->t30, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
    t30_set_ecm_capability(f->t30, f->ecm);
    t30_set_supported_compressions(f->t30, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION
                                           | (f->ecm ? T30_SUPPORT_T6_COMPRESSION : 0));
    t30_set_phase_d_handler(f->t30, phase_d, f);
    t30_set_phase_e_handler(f->t30, phase_e, f);
    if (f->send)
        t30_set_tx_file(f->t30, f->path, -1, -1);
    else
        t30_set_rx_file(f->t30, f->path, -1);
}

/* spandsp's T.38 terminal hands its IFP packets here, from inside a step. */
static int t38_out(t38_core_state_t *core, void *user_data, const uint8_t *buf, int len, int count)
{
    fax_session_t *f = user_data;

    (void) core;
    if (!f->txb || t38_batch_add(f->txb, buf, len, 0, count) < 0)
        return -1;
    return 0;
}

#define T38_MAX_DATAGRAM 400        /* what we offer and answer (as Asterisk and FreeSWITCH do) */

/* On the worker, at the first frame and at a switch between audio and T.38; -1 and err says why not. */
static int start(fax_session_t *f, int t38, char *err, int errlen)
{
    if (!f->checked && fax_check(f->path, f->send, err, errlen) < 0)
        return -1;
    f->checked = 1;
    if (t38) {
        t38_core_state_t *core;
        if ((f->t38 = t38_terminal_init(NULL, f->calling, t38_out, f)) == NULL) {
            snprintf(err, (size_t) errlen, "fax: out of memory for the T.38 terminal");
            return -1;
        }
        core = t38_terminal_get_t38_core_state(f->t38);
        t38_set_t38_version(core, 0);
        t38_set_data_rate_management_method(core, T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF);
        t38_set_max_datagram_size(core, T38_MAX_DATAGRAM);
        t38_set_fastest_image_data_rate(core, 14400);
        t38_terminal_set_config(f->t38, 0);
        t38_terminal_set_tep_mode(f->t38, 0);
        f->t30 = t38_terminal_get_t30_state(f->t38);
    } else {
        if ((f->fax = fax_init(NULL, f->calling)) == NULL) {
            snprintf(err, (size_t) errlen, "fax: out of memory for the T.30 terminal");
            return -1;
        }
        f->t30 = fax_get_t30_state(f->fax);
        fax_set_transmit_on_idle(f->fax, 1);
        fax_set_tep_mode(f->fax, 0);
    }
    setup_t30(f);
    return 0;
}

/* A gateway's frame: the audio line's samples in and out, the sip line's IFP packets in (rxb, when the frame
 * carried any) and out (txb). spandsp's gateway sends its packets from inside rx/tx, through t38_out. */
static int gateway_step(fax_session_t *f, const int16_t *rx, int16_t *tx, int n, const t38_batch_t *rxb,
                        t38_batch_t *txb)
{
    int got = 0, i;
    t38_stats_t st;

    if (!f->gw) {
        t38_core_state_t *core;
        if ((f->gw = t38_gateway_init(NULL, t38_out, f)) == NULL) {
            memset(tx, 0, sizeof(int16_t) * (size_t) n);
            return 0;               /* out of memory: the line hears silence until the gateway ends */
        }
        core = t38_gateway_get_t38_core_state(f->gw);
        t38_set_t38_version(core, 0);
        t38_set_data_rate_management_method(core, T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF);
        t38_set_max_datagram_size(core, T38_MAX_DATAGRAM);
        t38_set_fastest_image_data_rate(core, 14400);
        t38_gateway_set_transmit_on_idle(f->gw, 1);
        t38_gateway_set_supported_modems(f->gw, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
        t38_gateway_set_ecm_capability(f->gw, f->ecm);
        t38_gateway_set_tep_mode(f->gw, 0);
    }
    f->txb = txb;
    for (i = 0; rxb && i < rxb->n; i++)
        t38_core_rx_ifp_packet(t38_gateway_get_t38_core_state(f->gw), rxb->data + rxb->off[i], rxb->len[i],
                               rxb->seq[i]);
    t38_gateway_rx(f->gw, (int16_t *) rx, n);
    got = t38_gateway_tx(f->gw, tx, n);
    f->txb = NULL;
    if (got < n)
        memset(tx + got, 0, sizeof(int16_t) * (size_t) (n - got));
    t38_gateway_get_transfer_statistics(f->gw, &st);
    __atomic_store_n(&f->gw_pages, st.pages_transferred, __ATOMIC_RELAXED);
    __atomic_store_n(&f->gw_rate, st.bit_rate, __ATOMIC_RELAXED);
    __atomic_store_n(&f->gw_ecm, st.error_correcting_mode, __ATOMIC_RELAXED);
    return 0;
}

/* One frame: what the line brought in, then what goes out: audio (silence once T.30 has ended), or on a
 * line carrying T.38 the IFP packets that came (rxb) and those to send (txb). */
int fax_session_step(fax_session_t *f, int t38, const int16_t *rx, int16_t *tx, int n, const t38_batch_t *rxb,
                     t38_batch_t *txb)
{
    int got = 0, i;

    f->nnotes = 0;
    if (txb)
        t38_batch_clear(txb);
    if (f->gateway)
        return gateway_step(f, rx, tx, n, t38 ? rxb : NULL, txb);
    if ((t38 && f->fax) || (!t38 && f->t38)) {
        f->switching = 1;                   /* the line switched: T.30 starts again in the other terminal */
        fax_session_release(f);
        f->switching = 0;
    }
    if (!f->fax && !f->t38 && !f->finished) {
        char err[FAX_PATH_MAX + 200];       /* the texts name the path; the event keeps what fits */
        if (start(f, t38 && txb, err, sizeof(err)) < 0) {
            fax_note_t *note = new_note(f, EV_FAX_DONE);
            f->finished = 1;
            if (note) {
                note->a = -1;
                snprintf(note->text, sizeof(note->text), "%.*s", (int) sizeof(note->text) - 1, err);
            }
        }
    }
    if (f->t38) {
        t38_core_state_t *core = t38_terminal_get_t38_core_state(f->t38);
        f->txb = txb;
        for (i = 0; rxb && i < rxb->n && !f->finished; i++)
            t38_core_rx_ifp_packet(core, rxb->data + rxb->off[i], rxb->len[i], rxb->seq[i]);
        if (!f->finished)
            t38_terminal_send_timeout(f->t38, n);
        f->txb = NULL;
    } else {
        if (!f->finished)
            fax_rx(f->fax, (int16_t *) rx, n);
        if (!f->finished)
            got = fax_tx(f->fax, tx, n);
    }
    if (got < n)
        memset(tx + got, 0, sizeof(int16_t) * (size_t) (n - got));
    if (f->finished)
        fax_session_release(f);  /* spandsp has closed the TIFF before phase E */
    return f->finished;
}

int fax_session_take_notes(fax_session_t *f, fax_note_t *out)
{
    int n = f->nnotes;
    memcpy(out, f->notes, sizeof(fax_note_t) * (size_t) n);
    f->nnotes = 0;
    return n;
}

/* On the worker: the terminal goes (a TIFF being received is closed); the session stays. */
void fax_session_release(fax_session_t *f)
{
    if (f && f->gw) {
        t38_gateway_free(f->gw);
        f->gw = NULL;
    }
    if (f && f->fax) {
        fax_free(f->fax);
        f->fax = NULL;
        f->t30 = NULL;
    }
    if (f && f->t38) {
        t38_terminal_free(f->t38);
        f->t38 = NULL;
        f->t30 = NULL;
    }
}

void fax_session_free(fax_session_t *f)
{
    if (!f)
        return;
    fax_session_release(f);
    free(f);
}
