"""ground_truth(): the script's offers placed on the timeline of the client's capture."""
from __future__ import annotations

import pytest

SEGMENT = 2.048
ROOM = "grosir-impor-murah"


def test_before_any_capture_the_truth_is_one_loop_on_the_room_timeline(simulator):
    truth = simulator.ground_truth()
    room = simulator.live[ROOM].room
    assert [(o.offer_id, o.start, o.end) for o in truth[ROOM]] == [
        (o.offer_id, o.start, o.end) for o in room.truth_offers()
    ]
    assert set(truth) == {r.room_id for r in simulator.rooms}


async def test_truth_times_count_from_the_first_segment_a_reader_fetched(simulator, clock, http):
    for seq in (4, 3, 5):  # a reader fetching its first window in parallel
        async with http.get(simulator.room_url(ROOM, f"segments/{seq}.ts")) as response:
            assert response.status == 200
    origin = 3 * SEGMENT
    script = {o.offer_id: o for o in simulator.live[ROOM].room.truth_offers()}
    first = simulator.ground_truth()[ROOM]
    for offer in first:
        assert offer.loop == 0
        assert offer.start == pytest.approx(script[offer.offer_id].start - origin)
    # Two loops later, every offer spoken since the capture began is listed, each loop again.
    live = simulator.live[ROOM]
    clock.advance(2 * live.loop_seconds + 40.0)
    later = simulator.ground_truth()[ROOM]
    assert {o.loop for o in later} == {0, 1, 2}
    for offer in later:
        expected = script[offer.offer_id].start + offer.loop * live.loop_seconds - origin
        assert offer.start == pytest.approx(expected)
        assert offer.end > 0 and offer.start <= live.room_time() - origin
    assert {o.offer_id for o in later} == set(script)


def test_origins_can_be_given_per_stream(simulator):
    live = simulator.live[ROOM]
    offers = simulator.ground_truth(origins={ROOM: live.loop_seconds - 1.0})[ROOM]
    # The first loop's offers were all spoken before that origin: only the next loop's remain.
    assert {o.loop for o in offers} == {1}
    assert offers[0].start == pytest.approx(live.room.truth_offers()[0].start + 1.0)
