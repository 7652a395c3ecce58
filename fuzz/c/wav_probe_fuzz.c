/*
 * libFuzzer harness: wav_probe (csrc/wav.c) on any bytes, as a prompt file handed to eng_play_file.
 * The bytes go into a memfd so the probe reads them with pread/fstat as it reads a file. Besides
 * the sanitizers' checks: an accepted file's data must lie inside the file.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wav_info_t info = {0};
    char err[400];
    int fd = memfd_create("prompt.wav", MFD_CLOEXEC);

    if (fd < 0 || write(fd, data, size) != (ssize_t) size)
        abort();
    if (wav_probe(fd, "prompt.wav", &info, err, sizeof(err)) == 0) {
        if (info.data_offset < 12 || info.data_len < 0 || info.data_offset + info.data_len > (int64_t) size)
            abort();
        if (info.rate != 8000 || info.channels != 1)
            abort();
    }
    close(fd);
    return 0;
}
