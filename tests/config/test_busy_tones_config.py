"""[busy_tones."SPAN"] and [busy_tones."SPAN/N"]: checked with file:line, a line's own over its span's,
and the conf.d file `learn-busy` owns: written only when the whole configuration still loads."""
import os

import pytest

from telephonist.busytone.conf_file import OWNED_FILE, read_owned, write_tone
from telephonist.config import ConfigError, load_config
from telephonist.config.busy_tones import BusyTone, line_tones
from tests.config.test_config import MINIMAL, problems, write

PHONES = """
[[spans]]
name = "phones"
driver = "sim"
type = "fxs"
channels = 2
"""


def test_span_and_line_tones_reach_each_analog_line(tmp_path):
    path = write(tmp_path, MINIMAL + PHONES + """
[busy_tones.pstn]
frequencies = [450]
cadence_ms = [350, 350]

[busy_tones."pstn/3"]
frequencies = [400, 450]
cadence_ms = [250, 250]
tolerance_ms = 40
level_dbm0 = -18
learnt = "by hand"
""")
    cfg = load_config(path)
    tones = line_tones(cfg)
    assert sorted(tones) == ["pstn/1", "pstn/2", "pstn/3", "pstn/4"]
    assert tones["pstn/1"].segments() == [(450, 0, 350, 92), (0, 0, 350, 92)]
    assert tones["pstn/3"].segments() == [(400, 450, 250, 40), (0, 0, 250, 40)]
    assert tones["pstn/3"].describe() == "400 Hz+450 Hz at -18 dBm0, 250/250 ms"


def test_every_mistake_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, MINIMAL + PHONES + """
[busy_tones.nowhere]
frequencies = [450]

[busy_tones.phones]
frequencies = [450]

[busy_tones."pstn/9"]
frequencies = [450, 450, 500]
cadence_ms = [350]
tolerance_ms = 400
level_dbm0 = 10

[busy_tones."pstn/2"]
frequencies = [5000]
cadence_ms = [10, 350]
""")
    found = problems(path)
    assert any("nowhere" in m and "names no configured span" in m for _, _, m in found)
    assert any("is fxs" in m for _, _, m in found)
    assert any('"pstn" or "pstn/N"' in m for _, _, m in found)
    assert any("one or two frequencies" in m for _, _, m in found)
    assert any("on/off pairs" in m for _, _, m in found)
    assert any("tolerance_ms" in m for _, _, m in found)
    assert any("level_dbm0" in m for _, _, m in found)
    assert any("frequency 5000" in m for _, _, m in found)
    assert any("10 ms must be from 40" in m for _, _, m in found)
    assert all(line > 1 for _, line, _ in found), found


def test_learn_busy_and_the_sim_exchange_tone_are_checked(tmp_path):
    path = write(tmp_path, MINIMAL + PHONES.replace('channels = 2', 'channels = 2\nlearn_busy = true\n'
                                                    'far_busy_tone = { frequencies = [500], cadence_ms = [250] }'))
    found = [msg for _, _, msg in problems(path)]
    assert any("learn_busy is for analog lines" in m for m in found), found
    assert any("far_busy_tone is the simulated exchange's" in m for m in found), found
    assert any("on/off pairs" in m for m in found), found


def test_the_owned_file_is_written_only_when_the_configuration_still_loads(tmp_path):
    path = write(tmp_path, MINIMAL)
    tone = BusyTone((500,), (250, 250), tolerance_ms=57, level_dbm0=-15.0, learnt='learn-busy pstn/1 "test"')
    owned = write_tone(path, "pstn", tone)
    assert owned == os.path.join(tmp_path, "conf.d", OWNED_FILE)
    write_tone(path, "pstn/2", BusyTone((425,), (700, 700), level_dbm0=-20.0))
    assert read_owned(owned) == {"pstn": tone, "pstn/2": BusyTone((425,), (700, 700), level_dbm0=-20.0)}
    assert load_config(path).busy_tones["pstn"] == tone
    before = open(owned).read()
    with pytest.raises(ConfigError, match="names no configured span"):
        write_tone(path, "elsewhere", tone)
    with pytest.raises(ConfigError, match="frequency 9000"):
        write_tone(path, "pstn", BusyTone((9000,), (250, 250)))
    assert open(owned).read() == before
    assert [f for f in os.listdir(tmp_path / "conf.d")] == [OWNED_FILE]


def test_learning_spans_keep_what_they_learn_where_learn_busy_writes(tmp_path):
    from types import SimpleNamespace

    from telephonist.chand.busy_learning import BusyLearning
    from telephonist.chand.from_config import configure_busy_learning
    path = write(tmp_path, MINIMAL.replace("channels = 4", "channels = 4\nlearn_busy = true"))
    board = SimpleNamespace(busy_learning=BusyLearning(None, set()))
    configure_busy_learning(board, load_config(path))
    learning = board.busy_learning
    assert learning.spans == {"pstn"}
    learning.keep("pstn", BusyTone((500,), (250, 250), tolerance_ms=57, level_dbm0=-15.0))
    assert load_config(path).busy_tones["pstn"].frequencies == (500,)
    configure_busy_learning(board, load_config(write(tmp_path, MINIMAL)))      # a reload without learn_busy
    assert learning.spans == set() and learning.keep is None and board.busy_learning is learning
