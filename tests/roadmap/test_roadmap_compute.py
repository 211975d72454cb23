"""The arithmetic against published figures nobody here computed.

Sources: Dubey et al. (2024), "The Llama 3 Herd of Models" (405B parameters, 15.6T tokens,
16,384 H100, BF16 MFU 38-43%, Table 4); NVIDIA H100 datasheet (989 TFLOP/s dense BF16, SXM);
Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models", abstract and Table 3
(Chinchilla, 70B on 1.4T tokens, used Gopher's budget of 5.76e23 FLOPs); Brown et al. (2020),
"Language Models are Few-Shot Learners", Table D.1 (GPT-3 175B: 3.14e23 FLOPs); the project's
research notes, section 4 (worked example: 1e27 FLOPs at FP8 on a GB300-class rack).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rackforge.roadmap import (
    facility_mw,
    gpu_seconds,
    inference_gpus,
    it_mw,
    racks_needed,
    training_flops,
    training_gpus,
)

H100_BF16_DENSE = 989e12  # FLOP/s, NVIDIA H100 SXM datasheet
GB300_FP8_DENSE = 5e15  # FLOP/s per GPU, research notes section 1.1


def test_llama3_405b_compute_and_gpu_hours() -> None:
    flops = training_flops(405e9, 15.6e12)
    assert flops == pytest.approx(3.79e25, rel=0.01)  # paper: 3.8e25 FLOPs
    hours = gpu_seconds(flops, H100_BF16_DENSE, 0.40) / 3600
    assert 26e6 <= hours <= 28e6  # research notes: 26-28 M H100-hours at 38-41% MFU
    assert hours == pytest.approx(26.6e6, rel=0.01)
    # the same work on 16,384 GPUs takes 66-71 days at 38-41% MFU (research notes, section 4)
    for mfu, days in ((0.41, 66), (0.38, 71)):
        on_cluster = gpu_seconds(flops, H100_BF16_DENSE, mfu) / 16_384 / 86_400
        assert on_cluster == pytest.approx(days, abs=1.0)


def test_published_training_compute() -> None:
    # Chinchilla (70B on 1.4T tokens) used Gopher's budget, 5.76e23 FLOPs ("1 Gopher unit" in
    # Table 3); the paper counts FLOPs layer by layer (its appendix F), 6 N D is 2.1% above
    assert training_flops(70e9, 1.4e12) == pytest.approx(5.76e23, rel=0.03)
    assert training_flops(175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)  # GPT-3


def test_worked_example_1e27_flops_on_gb300_racks() -> None:
    gpus = training_gpus(1e27, GB300_FP8_DENSE, mfu=0.40, days=90, goodput=0.9)
    assert gpus == pytest.approx(71_445, abs=1)  # research notes: about 71,400 GPUs
    racks = racks_needed(gpus, 72)
    assert racks == 993  # notes: "about 992" = 71,445 / 72 = 992.3, whole racks round up
    assert it_mw(racks, 132) == pytest.approx(131.1, abs=0.1)  # notes: about 131 MW
    assert facility_mw(it_mw(racks, 132), 1.2) == pytest.approx(157.3, abs=0.1)  # ~157 MW


def test_racks_per_gw_from_the_research_notes() -> None:
    # 1 GW of facility power at PUE 1.2 holds about 6,300 racks of 132 kW (455k GPUs)
    racks = 1000 / 1.2 / 0.132
    assert racks == pytest.approx(6_300, rel=0.01)
    assert racks * 72 == pytest.approx(455_000, rel=0.01)


def test_inference_gpus_two_n_flops_per_token() -> None:
    # 1e6 tokens/s of a 1e11-parameter model = 2e17 FLOP/s; at 5e15 x 0.2 per GPU: 200 GPUs
    assert inference_gpus(1e6, 1e11, 5e15, 0.2) == pytest.approx(200)


def test_racks_round_up_but_ignore_float_noise() -> None:
    assert racks_needed(144.0, 72) == 2
    assert racks_needed(144.0 * (1 + 1e-15), 72) == 2
    assert racks_needed(144.5, 72) == 3
    assert racks_needed(1, 72) == 1
    assert racks_needed(0, 72) == 0


@given(
    flops=st.floats(1e20, 1e30),
    mfu=st.floats(0.05, 1.0),
    days=st.floats(1.0, 365.0),
    goodput=st.floats(0.5, 1.0),
    per_rack=st.integers(1, 576),
)
def test_racks_hold_enough_gpus(
    flops: float, mfu: float, days: float, goodput: float, per_rack: int
) -> None:
    gpus = training_gpus(flops, GB300_FP8_DENSE, mfu, days, goodput)
    racks = racks_needed(gpus, per_rack)
    assert racks * per_rack >= gpus * (1 - 1e-9)
    assert (racks - 1) * per_rack < gpus
    # twice the time needs half the GPUs (C / (F MFU T G) is inversely proportional to T)
    assert training_gpus(flops, GB300_FP8_DENSE, mfu, 2 * days, goodput) == pytest.approx(gpus / 2)
    assert math.isfinite(facility_mw(it_mw(racks, 132.0), 1.2))
