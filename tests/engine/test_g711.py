"""The engine encodes G.711 through tables (csrc/codec.c); every 16-bit sample must code exactly as
spandsp's own A-law and mu-law coders do."""
import pytest

from telephonist.engine import Codec, Engine, EngineError


@pytest.mark.parametrize("codec", [Codec.ALAW, Codec.ULAW])
def test_the_encoding_tables_code_every_sample_as_spandsp_does(codec):
    assert Engine.g711_check(codec) == 0


def test_the_check_refuses_linear():
    with pytest.raises(EngineError):
        Engine.g711_check(Codec.LINEAR)
