"""SSTrack's scheduling maths and the interval sampler."""

import numpy as np
import pytest

from edgetrack.datasets import Sequence
from edgetrack.train.pairs import DatasetIndex, RandomPairSampler
from edgetrack.train.sstrack import (
    IMAGE_BIN,
    IntervalBins,
    IntervalPairSampler,
    IntervalScheduler,
    bin_of,
    expected_success,
    gradient_scale,
    random_bin_distribution,
    sampling_distribution,
    schedule_d,
    success_statistics,
)


def test_schedule_d():
    assert schedule_d(0, 300) == 0.0
    assert schedule_d(75, 300) == pytest.approx(0.5)  # (1/4) ** (1/2)
    assert schedule_d(300, 300) == 1.0
    assert schedule_d(27, 216, order=3) == pytest.approx(0.5)
    assert schedule_d(150, 300, order=1) == pytest.approx(0.5)


@pytest.mark.parametrize("d", [0.0, 0.3, 0.77, 1.0])
def test_sampling_distribution_matches_finite_differences(d):
    rng = np.random.default_rng(0)
    p = rng.uniform(0.1, 0.95, size=8)
    eps = 1e-6
    grad = np.empty_like(p)
    for i in range(len(p)):
        up, down = p.copy(), p.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (expected_success(up, d) - expected_success(down, d)) / (2 * eps)
    np.testing.assert_allclose(sampling_distribution(p, d), grad / grad.sum(), rtol=1e-6, atol=1e-9)


def test_sampling_distribution_limits():
    c, r = 0.6, 6
    q0 = sampling_distribution(np.full(r, c), 0.0)
    expected = np.array([sum(c**m for m in range(i - 1, r)) for i in range(1, r + 1)])
    np.testing.assert_allclose(q0, expected / expected.sum(), rtol=1e-12)
    assert np.all(np.diff(q0) < 0)  # d = 0 favours short intervals
    np.testing.assert_allclose(sampling_distribution(np.array([0.9, 0.2, 0.5, 0.7]), 1.0), np.full(4, 0.25))


def test_gradient_scale():
    q_r = np.array([0.25, 0.25, 0.25, 0.25])
    q_i = np.array([0.5, 0.25, 0.2, 0.05])
    # pruned bins: P = (qR - qI)/qR -> Gamma = 1/(1-P); enhanced and equal bins keep 1
    np.testing.assert_allclose(gradient_scale(q_r, q_i), [1.0, 1.0, 1 / (1 - 0.2), 1 / (1 - 0.8)])
    # the weighted expected share of each pruned bin equals its random share
    gamma = gradient_scale(q_r, q_i)
    np.testing.assert_allclose((q_i * gamma)[2:], q_r[2:])


def _video(name, visible):
    n = len(visible)
    gt = np.tile([10.0, 10.0, 20.0, 20.0], (n, 1))
    gt[~np.asarray(visible)] = np.nan
    return Sequence(name, [None] * n, gt)


def _index():
    rng = np.random.default_rng(1)
    long = [_video(f"v{i}", rng.random(260) > 0.1) for i in range(3)]
    short = [_video("s", np.ones(45, bool))]  # serves only bins [0,30) and [30,60)
    images = [_video(f"im{i}", np.ones(1, bool)) for i in range(4)]
    return [
        DatasetIndex.from_sequences("vid", long + short, 1.0, True),
        DatasetIndex.from_sequences("img", images, 1.0, False),
    ]


def test_bins():
    bins = IntervalBins(200, 30)
    assert bins.video_edges[-1] == (180, 200) and bins.num_bins == 8
    assert bins.video_bin(0) == 1 and bins.video_bin(29) == 1 and bins.video_bin(30) == 2
    assert bins.video_bin(199) == 7
    with pytest.raises(ValueError):
        bins.video_bin(200)


def test_interval_sampler_frequencies_match_q():
    datasets, bins = _index(), IntervalBins(200, 30)
    sampler = IntervalPairSampler(datasets, bins)
    assert sampler.available.all()
    q = np.array([0.1, 0.3, 0.2, 0.1, 0.05, 0.1, 0.05, 0.1])
    sampler.set_distribution(q)
    rng = np.random.default_rng(7)
    counts = np.zeros(bins.num_bins)
    for _ in range(20000):
        draw = sampler.draw(rng)
        visible = datasets[draw.dataset].visible[draw.sequence]
        assert draw.template_frame in visible and draw.search_frame in visible
        counts[bin_of(draw, datasets, bins)] += 1
        if draw.dataset == 0 and draw.interval >= 60:
            assert draw.sequence != 3  # the short video is skipped for long bins
    assert np.abs(counts / counts.sum() - q).max() < 0.01


def test_interval_sampler_draws_both_directions():
    datasets, bins = _index(), IntervalBins(200, 30)
    sampler = IntervalPairSampler(datasets, bins)
    rng = np.random.default_rng(3)
    signs = {np.sign(d.search_frame - d.template_frame) for d in (sampler.draw(rng, 4) for _ in range(200))}
    assert signs == {-1, 1}


def test_random_bin_distribution_is_the_random_samplers_law():
    datasets, bins = _index(), IntervalBins(200, 30)
    sampler = RandomPairSampler(datasets, 200)
    q_random = random_bin_distribution(sampler, bins)
    assert q_random[IMAGE_BIN] == pytest.approx(0.5)
    rng = np.random.default_rng(5)
    counts = np.zeros(bins.num_bins)
    for _ in range(20000):
        draw = sampler.draw(rng)
        assert 0 < draw.interval < 200 or not datasets[draw.dataset].is_video
        assert draw.search_frame >= draw.template_frame
        counts[bin_of(draw, datasets, bins)] += 1
    assert np.abs(counts / counts.sum() - q_random).max() < 0.01


def test_scheduler_uses_q_random_first_then_success():
    q_random = np.array([0.0, 0.4, 0.3, 0.2, 0.1])
    sched = IntervalScheduler(q_random, [False, True, True, True, True], total_epochs=4)
    np.testing.assert_allclose(sched.q, q_random)
    successes, counts, tau = success_statistics([1, 1, 2, 2, 3, 4], [0.9, 0.8, 0.2, 0.7, 0.1, 0.6], 5)
    assert tau == pytest.approx(3.3 / 6)
    np.testing.assert_allclose(successes, [0, 2, 1, 0, 1])
    q = sched.update(successes, counts, epoch=1)
    assert q[0] == 0
    np.testing.assert_allclose(q[1:], sampling_distribution([1.0, 0.5, 0.0, 1.0], schedule_d(1, 4)))
    weights = sched.weights()
    assert weights[0] == 1.0 and np.all(weights >= 1.0)
