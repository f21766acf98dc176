from trend_builders import by_rule, walk

from diary.entries import Relief, Sensation, Terrain


def painful(days_ago: float, relief: Relief = Relief.stood_still, **fields):
    return walk(days_ago, 400, relief=relief, **fields)


def test_relief_mostly_by_sitting_or_bending_forward_is_reported_as_info():
    walks = [painful(20, Relief.sat_down), painful(15, Relief.bent_forward), painful(10, Relief.lay_down),
             painful(5, Relief.stood_still)]
    finding = by_rule(walks)["neurogenic_pattern"]
    assert finding.severity == "info"
    assert "3 of 4 painful walks" in finding.message
    assert "neurogenic claudication" in finding.message
    assert "spinal assessment" in finding.message
    assert "Nadeau" in finding.message and "TASC II" in finding.message
    assert len(finding.entries) == 3


def test_exactly_half_is_not_most():
    walks = [painful(20, Relief.sat_down), painful(15, Relief.sat_down), painful(10), painful(5)]
    assert "neurogenic_pattern" not in by_rule(walks)


def test_two_painful_walks_are_not_enough():
    assert "neurogenic_pattern" not in by_rule([painful(10, Relief.sat_down), painful(5, Relief.sat_down)])
    walks = [painful(15, Relief.sat_down), painful(10, Relief.sat_down), painful(5, Relief.sat_down)]
    assert "neurogenic_pattern" in by_rule(walks)


def test_numbness_or_tingling_on_most_painful_walks_is_reported():
    walks = [painful(d, sensations=[Sensation.numbness if d % 2 else Sensation.tingling]) for d in (9, 6, 3)]
    finding = by_rule(walks + [painful(12, sensations=[Sensation.cramping])])["neurogenic_pattern"]
    assert "numbness, tingling or weakness was reported on 3 of 4 painful walks" in finding.message


def test_pain_sooner_downhill_than_on_the_flat_is_reported():
    walks = []
    for day in (30, 24, 18, 12, 6):
        walks += [walk(day, 400, onset=300, terrain=Terrain.flat), walk(day - 0.5, 400, onset=300, terrain=Terrain.flat),
                  walk(day - 1, 400, onset=120, terrain=Terrain.downhill)]
    finding = by_rule(walks)["neurogenic_pattern"]
    assert finding.data["features"] == ["worse_downhill"]
    assert "40% of the pain-free distance of flat walks" in finding.message


def test_a_fall_in_distance_is_not_mistaken_for_a_downhill_effect():
    # Flat walks before a fall, downhill walks after it: no flat walks nearby
    # to compare with, so no terrain claim.
    walks = [walk(d, 400, onset=300, terrain=Terrain.flat) for d in (50, 45, 40, 35)]
    walks += [walk(d, 200, onset=120, terrain=Terrain.downhill) for d in (15, 10, 5)]
    assert "neurogenic_pattern" not in by_rule(walks)


def test_a_vascular_pattern_gives_nothing():
    walks = [walk(d, 300, sensations=[Sensation.cramping], terrain=Terrain.downhill if d % 3 == 0 else Terrain.flat)
             for d in range(1, 50, 2)]
    assert "neurogenic_pattern" not in by_rule(walks)


def test_painful_walks_older_than_60_days_are_not_counted():
    walks = [painful(d, Relief.sat_down) for d in (70, 65, 61)] + [painful(5), painful(3)]
    assert "neurogenic_pattern" not in by_rule(walks)


def test_walks_without_pain_are_not_counted():
    walks = [walk(d, 300, onset=None, relief=Relief.no_pain) for d in (9, 6, 3)]
    assert "neurogenic_pattern" not in by_rule(walks)
