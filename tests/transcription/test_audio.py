import numpy as np
import pytest

from pantau.errors import UserError
from pantau.records import AudioChunk
from transcription.audio import StreamAudio, decode_file, pcm_to_float, replay_chunks


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_buffer_is_bounded_and_says_how_much_it_dropped():
    buf = StreamAudio(max_seconds=5)
    assert buf.append(0.0, 100.0, tone(4)) == 0.0
    dropped = buf.append(4.0, 104.0, tone(3))
    assert dropped == pytest.approx(2.0)
    assert buf.duration == pytest.approx(5.0) and buf.t0 == pytest.approx(2.0) and buf.end == pytest.approx(7.0)


def test_wall_time_follows_each_chunk_even_when_the_clock_jumps():
    buf = StreamAudio(max_seconds=30)
    buf.append(0.0, 1000.0, tone(2))
    buf.append(2.0, 1010.0, tone(2))  # the collector reconnected: later wall clock, same stream time
    assert buf.wall_at(1.5) == pytest.approx(1001.5)
    assert buf.wall_at(3.0) == pytest.approx(1011.0)
    buf.trim(2.5)
    assert buf.wall_at(3.0) == pytest.approx(1011.0)


def test_overlapping_audio_is_cut_not_doubled():
    buf = StreamAudio(max_seconds=30)
    buf.append(0.0, 0.0, tone(2))
    buf.append(1.5, 1.5, tone(2))
    assert buf.end == pytest.approx(3.5) and buf.duration == pytest.approx(3.5)


def test_decode_rendered_opus_to_16k_mono(audio_dir):
    audio = decode_file(audio_dir / "kaos-clean.ogg")
    assert audio.dtype == np.float32 and 5 < len(audio) / 16000 < 20
    assert 0.01 < float(np.abs(audio).max()) <= 1.0


def test_decode_missing_or_not_audio_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        decode_file(tmp_path / "nope.ogg")
    bad = tmp_path / "bad.ogg"
    bad.write_text("not audio")
    with pytest.raises(UserError):
        decode_file(bad)


def test_replay_cuts_contiguous_chunks_that_round_trip():
    audio = tone(5)
    chunks = list(replay_chunks("s", audio, 2.0, wall_start=50.0))
    assert [c.seq for c in chunks] == [0, 1, 2]
    assert [c.t0 for c in chunks] == [0.0, 2.0, 4.0] and chunks[-1].t1 == pytest.approx(5.0)
    assert chunks[1].wall_time == pytest.approx(52.0)
    back = np.concatenate([pcm_to_float(AudioChunk.loads(c.dumps()).pcm) for c in chunks])
    assert np.abs(back - audio).max() < 1e-3
