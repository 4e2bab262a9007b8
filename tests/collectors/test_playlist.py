"""The HLS playlist parser on recorded playlists (``tests/resources/hls``), good and broken."""
from pathlib import Path

import pytest

from collectors.playlist import PlaylistError, parse_playlist

HLS = Path(__file__).parents[1] / "resources" / "hls"
BASE = "https://cdn.example.id/live/room/index.m3u8"


def load(name: str):
    return parse_playlist((HLS / name).read_text(), BASE)


def test_a_live_ffmpeg_playlist_numbers_its_segments_from_the_media_sequence():
    playlist = load("live_ffmpeg.m3u8")
    assert [s.sequence for s in playlist.segments] == [41, 42, 43]
    assert playlist.segments[0].url == "https://cdn.example.id/live/room/seg_041.ts"
    assert playlist.target_duration == 2 and not playlist.ended
    assert playlist.segments[2].duration == pytest.approx(1.984)


def test_discontinuities_and_program_date_times_are_kept_per_segment():
    playlist = load("live_discontinuity.m3u8")
    assert [s.discontinuity for s in playlist.segments] == [False, False, True]
    times = [s.program_date_time for s in playlist.segments]
    assert times[1] - times[0] == pytest.approx(2.048)


def test_endlist_marks_the_end():
    assert load("event_ended.m3u8").ended


def test_a_master_playlist_lists_its_variants():
    playlist = load("master.m3u8")
    assert sorted(playlist.variants)[0] == (290000, "https://cdn.example.id/live/room/144p/index.m3u8")


def test_a_body_cut_mid_line_drops_only_the_cut_line():
    playlist = load("truncated.m3u8")
    assert [s.sequence for s in playlist.segments] == [7]


@pytest.mark.parametrize(
    "name, message",
    [
        ("malformed_no_header.m3u8", "#EXTM3U"),
        ("malformed_bad_numbers.m3u8", "non-numeric"),
        ("malformed_dangling_extinf.m3u8", "truncated"),
        ("malformed_no_target.m3u8", "TARGETDURATION"),
        ("malformed_uri_without_extinf.m3u8", "no #EXTINF"),
    ],
)
def test_malformed_playlists_are_refused_with_a_reason(name, message):
    with pytest.raises(PlaylistError, match=message):
        load(name)


def test_binary_garbage_is_refused():
    with pytest.raises(PlaylistError):
        parse_playlist("\x00\xff\xfe<html>502 Bad Gateway</html>", BASE)
