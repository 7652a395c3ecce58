"""The packaging tests skip when Debian's mirror or the package index cannot be reached, and fail for
anything else: a missing dependency is the package's fault, not the network's."""
from __future__ import annotations

import pytest

from tests.packaging.builds import skip_if_unreachable

# what apt, debootstrap and pip print when the network fails (as they print it)
UNREACHABLE = [
    "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving "
    "'deb.debian.org'\nE: Some index files failed to download. They have been ignored, or old ones used instead.",
    "E: Failed to fetch http://deb.debian.org/debian/pool/main/s/sox/sox_14.4.2+git20190427-3.5_amd64.deb  "
    "Could not connect to deb.debian.org:80 (151.101.2.132), connection timed out\n"
    "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?",
    "I: Retrieving InRelease \nE: Couldn't download http://deb.debian.org/debian/dists/bookworm/InRelease",
    "I: Retrieving Release \nE: Failed getting release file http://deb.debian.org/debian/dists/bookworm/Release",
    "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
    "broken by 'NewConnectionError(...: Failed to establish a new connection: [Errno 101] Network is "
    "unreachable')': /simple/flask/\nERROR: No matching distribution found for flask>=3.0",
]

NOT_THE_NETWORK = [
    "The following packages have unmet dependencies:\n telephonist : Depends: libspandsp3 but it is not "
    "installable\nE: Unable to correct problems, you have held broken packages.",
    "dpkg: error processing archive /tmp/telephonist_0.1.0_amd64.deb (--unpack):\n trying to overwrite "
    "'/usr/bin/telephonist', which is also in package other 1.0",
    "error: command '/usr/bin/gcc' failed with exit code 1\nERROR: Failed building wheel for telephonist",
    # a dependency that does not exist (a typo in pyproject.toml), the index reached
    "ERROR: Could not find a version that satisfies the requirement flaskk>=3.0 (from telephonist) (from "
    "versions: none)\nERROR: No matching distribution found for flaskk>=3.0",
]


@pytest.mark.parametrize("output", UNREACHABLE)
def test_an_unreachable_mirror_or_index_skips_saying_so(output):
    with pytest.raises(pytest.skip.Exception) as skipped:
        skip_if_unreachable(output, "installing the package with apt")
    assert "installing the package with apt: the network failed" in str(skipped.value)


@pytest.mark.parametrize("output", NOT_THE_NETWORK)
def test_any_other_failure_is_left_to_fail(output):
    skip_if_unreachable(output, "installing the package with apt")      # returns: the caller asserts
