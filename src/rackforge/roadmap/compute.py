"""The arithmetic from model size to megawatts, one function per step.

Symbols: N parameters, D training tokens, C model FLOPs, F peak FLOP/s of one GPU (dense, at
the run's precision), MFU model FLOP utilisation, T wall time in seconds, G goodput (share of
wall time spent on useful steps), PUE facility power / IT power.
"""

from __future__ import annotations

import math

SECONDS_PER_DAY = 86_400.0


def training_flops(params: float, tokens: float) -> float:
    """C = 6 N D, the FLOPs of training a dense transformer of N parameters on D tokens.

    Forward pass 2 N FLOPs per token, backward pass twice that.
    Kaplan et al. (2020), "Scaling Laws for Neural Language Models", section 2.1, C ~ 6 N D;
    Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models", section 3.
    """
    return 6.0 * params * tokens


def inference_flops_per_token(params: float) -> float:
    """C_forward = 2 N FLOPs per generated or processed token (attention context term left out).

    Kaplan et al. (2020), "Scaling Laws for Neural Language Models", Table 1:
    C_forward ~ 2 N + 2 n_layer n_ctx d_attn; the second term is small for n_ctx << 12 d_model.
    """
    return 2.0 * params


def gpu_seconds(flops: float, peak_flops: float, mfu: float) -> float:
    """GPU-seconds of useful work: C / (F * MFU).

    MFU as defined by Chowdhery et al. (2022), "PaLM: Scaling Language Modeling with Pathways",
    section 4.1 and appendix B: observed model FLOP/s over the hardware's peak FLOP/s.
    """
    return flops / (peak_flops * mfu)


def training_gpus(
    flops: float, peak_flops: float, mfu: float, days: float, goodput: float = 1.0
) -> float:
    """N_GPU = C / (F * MFU * T * G), the GPUs that finish C FLOPs in T = ``days`` of wall time.

    Goodput G is the share of wall time spent on steps that count (restarts and checkpoint
    reloads excluded); Dubey et al. (2024), "The Llama 3 Herd of Models", section 3.3.4, report
    more than 90% effective training time on 16,384 H100. The result is fractional; round it up
    per rack with :func:`racks_needed`.
    """
    return gpu_seconds(flops, peak_flops, mfu) / (days * SECONDS_PER_DAY * goodput)


def inference_gpus(tokens_per_s: float, params: float, peak_flops: float, mfu: float) -> float:
    """N_GPU = (tokens/s * 2 N) / (F * MFU): GPUs that sustain a token rate (Kaplan et al. 2020,
    Table 1, C_forward ~ 2 N per token; MFU as in Chowdhery et al. 2022)."""
    return tokens_per_s * inference_flops_per_token(params) / (peak_flops * mfu)


def racks_needed(gpus: float, gpus_per_rack: int) -> int:
    """N_racks = ceil(N_GPU / GPUs per rack): a rack is bought whole.

    Whole racks because a rack-scale NVLink domain (72 GPUs in an NVL72) is the unit of
    delivery; see NVIDIA DGX GB200 user guide, hardware overview.
    """
    # Subtract a relative 1e-12 before ceil so that 144.0000000001 GPUs from floating-point
    # noise does not buy a third rack of 72.
    ratio = gpus / gpus_per_rack
    return max(0, math.ceil(ratio - 1e-12 * max(1.0, ratio)))


def it_mw(racks: int, rack_kw: float) -> float:
    """P_IT [MW] = N_racks * P_rack [kW] / 1000.

    Rack power is an input: GB300 NVL72 about 132-140 kW (Supermicro; Microsoft about 136 kW),
    Vera Rubin NVL144 180-230 kW (Tom's Hardware, GTC 2025), as collected in the project's
    research notes ``ai-racks-facts.md`` section 1.
    """
    return racks * rack_kw / 1000.0


def facility_mw(it_power_mw: float, pue: float) -> float:
    """P_facility = P_IT * PUE, with PUE = total facility power / IT power as defined by
    The Green Grid (2007), "The Green Grid Data Center Power Efficiency Metrics: PUE and DCiE"
    (ISO/IEC 30134-2:2016)."""
    return it_power_mw * pue


def rack_cost(racks: int, price: float) -> float:
    """Capital cost of the racks: N_racks * price per rack."""
    return racks * price
