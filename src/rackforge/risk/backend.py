"""A small array-backend shim: the operations the stress simulation needs, on numpy, CuPy, JAX
or PyTorch.

The simulation is written against :class:`ArrayOps` only: element-wise arithmetic through
operators, plus ``minimum``, ``maximum``, ``where``, ``full`` and conversion to and from numpy.
It never assigns into an array, so immutable JAX arrays work as well as the others. Every
backend computes in float64, so all give the same numbers; random draws are made with numpy on
the host and copied over, so the same seed gives the same answer on every backend.
"""

from __future__ import annotations

import importlib
import importlib.util
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


class Backend(Enum):
    NUMPY = "numpy"
    CUPY = "cupy"
    JAX = "jax"
    TORCH = "torch"


class BackendUnavailable(RuntimeError):
    """The backend's package is not installed (or has no usable device)."""


_MODULE = {
    Backend.NUMPY: "numpy",
    Backend.CUPY: "cupy",
    Backend.JAX: "jax",
    Backend.TORCH: "torch",
}


def is_installed(backend: Backend) -> bool:
    return importlib.util.find_spec(_MODULE[backend]) is not None


def installed_backends() -> tuple[Backend, ...]:
    return tuple(b for b in Backend if is_installed(b))


class ArrayOps:
    """The numpy-like namespace ``xp`` of a backend (numpy, ``cupy``, ``jax.numpy``)."""

    def __init__(self, backend: Backend, xp: Any) -> None:
        self.backend = backend
        self.xp = xp

    @property
    def name(self) -> str:
        return self.backend.value

    def asarray(self, values: np.ndarray) -> Any:
        return self.xp.asarray(values, dtype=self.xp.float64)

    def full(self, n: int, value: float) -> Any:
        return self.xp.full(n, value, dtype=self.xp.float64)

    def minimum(self, a: Any, b: Any) -> Any:
        return self.xp.minimum(a, b)

    def maximum(self, a: Any, b: Any) -> Any:
        return self.xp.maximum(a, b)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.xp.where(cond, a, b)

    def to_numpy(self, a: Any) -> np.ndarray:
        import numpy as np

        return np.asarray(a, dtype=np.float64)


class _CupyOps(ArrayOps):
    def to_numpy(self, a: Any) -> np.ndarray:
        import numpy as np

        return np.asarray(self.xp.asnumpy(a), dtype=np.float64)


class _TorchOps(ArrayOps):
    """PyTorch: on the GPU when CUDA is available, else the CPU."""

    def __init__(self, torch: Any) -> None:
        super().__init__(Backend.TORCH, torch)
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def _t(self, value: Any, like: Any) -> Any:
        if isinstance(value, self.xp.Tensor):
            return value
        return self.xp.full_like(like, float(value))

    def asarray(self, values: np.ndarray) -> Any:
        import numpy as np

        return self.xp.as_tensor(
            np.asarray(values, dtype=np.float64), dtype=self.xp.float64, device=self.device
        )

    def full(self, n: int, value: float) -> Any:
        return self.xp.full((n,), float(value), dtype=self.xp.float64, device=self.device)

    def minimum(self, a: Any, b: Any) -> Any:
        return self.xp.minimum(a, self._t(b, a))

    def maximum(self, a: Any, b: Any) -> Any:
        return self.xp.maximum(a, self._t(b, a))

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        like = a if isinstance(a, self.xp.Tensor) else b
        return self.xp.where(cond, self._t(a, like), self._t(b, like))

    def to_numpy(self, a: Any) -> np.ndarray:
        import numpy as np

        return np.asarray(a.detach().cpu().numpy(), dtype=np.float64)


def array_ops(backend: Backend) -> ArrayOps:
    """The namespace of ``backend``; :class:`BackendUnavailable` if it is not installed."""
    if not is_installed(backend):
        raise BackendUnavailable(
            f"backend {backend.value!r} needs the {_MODULE[backend]!r} package, not installed"
        )
    if backend is Backend.NUMPY:
        return ArrayOps(backend, importlib.import_module("numpy"))
    if backend is Backend.CUPY:
        return _CupyOps(backend, importlib.import_module("cupy"))
    if backend is Backend.JAX:
        jax = importlib.import_module("jax")
        jax.config.update("jax_enable_x64", True)
        return ArrayOps(backend, importlib.import_module("jax.numpy"))
    return _TorchOps(importlib.import_module("torch"))
