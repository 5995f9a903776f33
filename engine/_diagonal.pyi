"""Types of the optional C extension engine/_diagonal.c (see its header comment)."""

import numpy as np
from numpy.typing import NDArray

def available() -> bool: ...
def blocks(
    q: NDArray[np.float32],
    k: NDArray[np.float32],
    v: NDArray[np.float32],
    acc: NDArray[np.float32],
    count: int,
    size: int,
    d: int,
    dv: int,
    /,
) -> None: ...
