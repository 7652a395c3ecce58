/*
 * Call progress tones (dial, busy, ringback, congestion, SIT ...) recognised
 * from the same zone table that plays them, with spandsp's super_tone_rx.
 *
 * A zone's descriptor is built once (eng_zone_commit): each tone becomes a
 * pattern of segments with duration windows. A cadenced tone is repeated in
 * the pattern until it covers at least a second, so that speech or music
 * does not pass for busy tone (Chinese exchanges often signal a hang-up with
 * busy tone only: a false busy would cut a caller off); the pattern's last
 * silent segment needs only part of its length, so ringback is known in
 * about 1.5 s rather than a whole cycle. The zone's hang-up tones (busy,
 * congestion: a call that is up ends on them) need at least two bursts,
 * however long a cycle: one 700 ms burst of 450 Hz and a pause is a note of
 * music (China's congestion tone, 700/700, was heard in plucked strings).
 *
 * A line may have a tone of its own beside its zone's (eng_line_tone): the
 * disconnect tone of the PBX it hangs on, learnt from the line, with the
 * cadence tolerance it was learnt with. It has a detector of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

#define MIN_PATTERN_MS 1000
#define MAX_PATTERN 9               /* super_tone_rx keeps the last 10 segments */
#define CONTINUOUS_MIN_MS 1500      /* longer than any cadence's "on": dial tone is not ringback's start */
#define LAST_SILENCE_MIN_MS 400
#define HANGUP_MIN_BURSTS 2
/* A line's own tone has no zone's standard behind it, and its short cadences (250/250) run at the pace of
 * syllables: it must repeat for longer than a zone's tone, as long as it is still recognised within this. */
#define LINE_MIN_PATTERN_MS 1500
#define LINE_MAX_DETECT_MS 1600

static int seg_min(int ms)
{
    int v = ms * 85 / 100 - 20;
    return v < 40 ? 40 : v;
}

static int seg_max(int ms)
{
    return ms * 115 / 100 + 40;
}

/* super_tone_rx takes 0 for "no frequency" (a silent segment, or a single tone's missing second) */
static int freq_or_none(int f)
{
    return f > 0 ? f : 0;
}

static void add_frequencies(const zone_tone_t *t, int *freqs, int *nfreqs)
{
    int j, k;

    for (j = 0; j < t->nseg; j++) {
        int fs[2] = {t->seg[j].f1, t->seg[j].f2};
        for (k = 0; k < 2; k++) {
            int f = fs[k], m, seen = 0;
            if (f <= 0)
                continue;
            for (m = 0; m < *nfreqs; m++)
                seen |= freqs[m] == f;
            if (!seen && *nfreqs < 64)
                freqs[(*nfreqs)++] = f;
        }
    }
}

/* A segment's shortest and longest accepted durations; the pattern's last silence needs only part of its length. */
static int seg_lo(const tone_seg_t *s, int last)
{
    int min = s->tol_ms ? s->ms - s->tol_ms : seg_min(s->ms);
    if (min < 40)
        min = 40;
    if (last && s->f1 <= 0 && min > LAST_SILENCE_MIN_MS)
        min = LAST_SILENCE_MIN_MS;
    return min;
}

/* How long after its start a tone of cyc cycles is recognised: every segment but the last, and the last's minimum. */
static int detect_ms(const zone_tone_t *t, int cyc)
{
    int total = 0, j;

    for (j = 0; j < t->nseg; j++)
        total += t->seg[j].ms;
    return cyc * total - t->seg[t->nseg - 1].ms + seg_lo(&t->seg[t->nseg - 1], 1);
}

/* min_pattern_ms: the pattern repeats whole cycles until it covers this, and until it has min_bursts bursts of
 * tone; max_detect_ms (0: none): but no more than are recognised within this. */
static void add_pattern(super_tone_rx_descriptor_t *d, int code, const zone_tone_t *t, int min_pattern_ms,
                        int min_bursts, int max_detect_ms)
{
    int total = 0, bursts = 0, n = 0, cyc, j, k;

    if (t->nseg == 1 && t->seg[0].ms == 0) {
        super_tone_rx_add_element(d, code, t->seg[0].f1, freq_or_none(t->seg[0].f2), CONTINUOUS_MIN_MS, 0);
        return;
    }
    /* whole cycles (the detector follows the cadence cycle by cycle), as
     * many as cover min_pattern_ms */
    for (j = 0; j < t->nseg; j++) {
        total += t->seg[j].ms;
        bursts += t->seg[j].f1 > 0;
    }
    cyc = total > 0 ? (min_pattern_ms + total - 1) / total : 1;
    if (bursts > 0 && cyc * bursts < min_bursts)
        cyc = (min_bursts + bursts - 1) / bursts;
    while (cyc > 1 && (cyc * t->nseg > MAX_PATTERN || (max_detect_ms && detect_ms(t, cyc) > max_detect_ms)))
        cyc--;
    for (k = 0; k < cyc; k++) {
        for (j = 0; j < t->nseg && n < MAX_PATTERN; j++, n++) {
            const tone_seg_t *s = &t->seg[j];
            int lo = s->f1 > 0 && s->f2 > 0 && s->f2 < s->f1 ? s->f2 : s->f1;
            int hi = s->f1 > 0 && s->f2 > 0 && s->f2 < s->f1 ? s->f1 : s->f2;
            int max = s->tol_ms ? s->ms + s->tol_ms : seg_max(s->ms);
            super_tone_rx_add_element(d, code, freq_or_none(lo), freq_or_none(hi),
                                      seg_lo(s, k == cyc - 1 && j == t->nseg - 1), max);
        }
    }
}

/* A detector's descriptor for the detected ones of ntones tones; index[code] is the tone (its index
 * in tones) each pattern stands for, -1 for none. */
static super_tone_rx_descriptor_t *build_descriptor(const zone_tone_t *tones, int ntones, int *index, int nindex,
                                                    int min_pattern_ms, int hangup_min_bursts, int max_detect_ms)
{
    super_tone_rx_descriptor_t *d;
    int freqs[64], nfreqs = 0, i, j;

    if ((d = super_tone_rx_make_descriptor(NULL)) == NULL)
        return NULL;

    /* super_tone_rx reports a frequency pair lowest index first; registering
     * every frequency in ascending order first makes index order frequency
     * order, so each element can name its pair (low, high). Pattern 0 is
     * that registration and is never reported. */
    for (i = 0; i < ntones; i++)
        add_frequencies(&tones[i], freqs, &nfreqs);
    for (i = 1; i < nfreqs; i++)
        for (j = i; j > 0 && freqs[j - 1] > freqs[j]; j--) {
            int t = freqs[j];
            freqs[j] = freqs[j - 1];
            freqs[j - 1] = t;
        }
    for (i = 0; i < nindex; i++)
        index[i] = -1;
    for (i = 0; i < nfreqs; i += MAX_PATTERN) {
        /* at most MAX_PATTERN elements a pattern: the detector looks back 10 segments */
        int code = super_tone_rx_add_tone(d);
        for (j = i; j < nfreqs && j < i + MAX_PATTERN; j++)
            super_tone_rx_add_element(d, code, freqs[j], 0, 60000, 60001);
    }
    for (i = 0; i < ntones; i++) {
        const zone_tone_t *t = &tones[i];
        int code;

        if (!t->detect)
            continue;       /* played only (call waiting, stutter): too like a burst of another tone */
        code = super_tone_rx_add_tone(d);
        if (code >= 0 && code < nindex)
            index[code] = i;
        add_pattern(d, code, t, min_pattern_ms,
                    strcmp(t->name, "busy") == 0 || strcmp(t->name, "congestion") == 0 ? hangup_min_bursts : 1,
                    max_detect_ms);
    }
    return d;
}

int zone_commit(engine_t *e, int zone)
{
    zone_t *z = &e->zones[zone];
    int n = (int) (sizeof(z->rx_tone_index) / sizeof(z->rx_tone_index[0]));

    if (z->rx_desc) {
        super_tone_rx_free_descriptor(z->rx_desc);
        z->rx_desc = NULL;
    }
    if ((z->rx_desc = build_descriptor(z->tones, z->ntones, z->rx_tone_index, n, MIN_PATTERN_MS, HANGUP_MIN_BURSTS, 0)) == NULL)
        return ENG_ENOMEM;
    z->committed = 1;
    return 0;
}

static void progress_report(void *user_data, int code, int level, int delay)
{
    chan_t *c = user_data;
    engine_t *e = c->span->eng;
    const zone_t *z = &e->zones[c->progress_zone];

    (void) level;
    (void) delay;
    if (code >= 0) {
        int idx = z->rx_tone_index[code];
        if (idx < 0)
            return;         /* a registration pattern; cannot really match */
        c->progress_tone = idx;
        eng_emit(e, EV_TONE, c->id, 0, 1, 0, 0, 0, z->tones[idx].name);
    } else if (code < 0 && c->progress_tone >= 0) {
        eng_emit(e, EV_TONE, c->id, 0, 0, 0, 0, 0, z->tones[c->progress_tone].name);
        c->progress_tone = -1;
    }
}

/* The line's own tone has a detector of its own, watching only its frequencies: a frequency within a
 * Goertzel bin's width of a zone's (425 Hz beside 450 Hz) would light both bins of a shared detector
 * and match neither pattern. */
static void line_report(void *user_data, int code, int level, int delay)
{
    chan_t *c = user_data;
    engine_t *e = c->span->eng;

    (void) level;
    (void) delay;
    if (code >= 0 && code < (int) (sizeof(c->line_index) / sizeof(c->line_index[0])) && c->line_index[code] >= 0
        && !c->line_tone_on) {
        c->line_tone_on = 1;
        eng_emit(e, EV_TONE, c->id, 0, 1, 0, 0, 0, c->line_tone->name);
    } else if (code < 0 && c->line_tone_on) {
        c->line_tone_on = 0;
        eng_emit(e, EV_TONE, c->id, 0, 0, 0, 0, 0, c->line_tone->name);
    }
}

static void line_stop(chan_t *c)
{
    if (c->line_rx)
        super_tone_rx_free(c->line_rx);
    c->line_rx = NULL;
    c->line_tone_on = 0;
}

int progress_enable(engine_t *e, chan_t *c, int on)
{
    zone_t *z = &e->zones[c->zone];

    if (c->progress && (!on || c->progress_zone != c->zone)) {
        super_tone_rx_free(c->progress);
        c->progress = NULL;
        c->progress_tone = -1;
    }
    if (on && !c->progress && z->rx_desc) {
        c->progress = super_tone_rx_init(NULL, z->rx_desc, progress_report, c);
        c->progress_zone = c->zone;
        c->progress_tone = -1;
    }
    if (!on)
        line_stop(c);
    else if (c->line_desc && !c->line_rx)
        c->line_rx = super_tone_rx_init(NULL, c->line_desc, line_report, c);
    return 0;
}

/* the line's tone, its descriptor and its detector gone */
static void line_forget(chan_t *c)
{
    line_stop(c);
    if (c->line_desc)
        super_tone_rx_free_descriptor(c->line_desc);
    c->line_desc = NULL;
    free(c->line_tone);
    c->line_tone = NULL;
}

void progress_set_line_tone(engine_t *e, chan_t *c, zone_tone_t *t)
{
    int n = (int) (sizeof(c->line_index) / sizeof(c->line_index[0]));

    line_forget(c);
    c->line_tone = t;
    if (t && (c->line_desc = build_descriptor(t, 1, c->line_index, n, LINE_MIN_PATTERN_MS, 1, LINE_MAX_DETECT_MS)) == NULL)
        eng_emit(e, EV_ERROR, c->id, 0, ENG_ENOMEM, 0, 0, 0, "line tone: out of memory");
    if (c->progress)
        progress_enable(e, c, 1);
}

void progress_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    (void) e;
    super_tone_rx(c->progress, amp, n);
    if (c->line_rx)
        super_tone_rx(c->line_rx, amp, n);
}

void progress_free(chan_t *c)
{
    if (c->progress)
        super_tone_rx_free(c->progress);
    c->progress = NULL;
    line_forget(c);
}
