"""The one build step pyproject.toml cannot declare stably: the optional C extension.

engine/_diagonal.c fuses the diagonal blocks of causal flash attention (see its header).
`optional=True`: where no C compiler is found the build goes on without it, and
engine.kernels computes those blocks with numpy. It uses only the stable ABI, so one build
serves every CPython from 3.11 on.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "engine._diagonal",
            sources=["engine/_diagonal.c"],
            optional=True,
            py_limited_api=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
