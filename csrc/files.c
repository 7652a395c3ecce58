/*
 * Opening the files the engine is named (prompts, recordings, fax documents) without ever blocking
 * on what a name turns out to be: a FIFO blocks open() until someone opens its other end, a device
 * may do anything on open, a directory is no audio. Only regular files are taken; the rest are
 * refused with a text that says what the name is. The name is looked at first (stat follows
 * links, and never blocks on a FIFO), then opened with O_NONBLOCK and looked at again through the
 * descriptor, so a name changed in between is caught too. A regular file is truncated only once
 * it is known to be one.
 *
 * These may still wait on a stalled disk; they run on the engine's loader, writer and fax threads,
 * never on the caller's (chand's event loop), and in real time never on the media thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_private.h"

static const char *what_it_is(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a file";
}

static int refuse(const char *path, mode_t mode, char *err, int errlen)
{
    snprintf(err, (size_t) errlen, "%s: not a regular file (%s)", path, what_it_is(mode));
    return -1;
}

int file_check_regular(const char *path, int may_be_absent, char *err, int errlen)
{
    struct stat st;

    if (stat(path, &st) == 0)
        return S_ISREG(st.st_mode) ? 0 : refuse(path, st.st_mode, err, errlen);
    if (may_be_absent && errno == ENOENT)
        return 0;
    snprintf(err, (size_t) errlen, "%s: %s", path, strerror(errno));
    return -1;
}

int file_open_regular(const char *path, int write, char *err, int errlen)
{
    struct stat st = {0};
    int fd;

    if (file_check_regular(path, write, err, errlen) < 0)
        return -1;
    fd = open(path, (write ? O_WRONLY | O_CREAT : O_RDONLY) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, (size_t) errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        return refuse(path, st.st_mode, err, errlen);
    }
    /* a regular file ignores O_NONBLOCK; cleared all the same, so a read never reports EAGAIN */
    if (!S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, 0) < 0 || (write && ftruncate(fd, 0) < 0)) {
        snprintf(err, (size_t) errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}
