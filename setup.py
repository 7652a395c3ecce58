"""Build and install Telephonist; the C media engine is compiled by cffi (API mode)."""
from setuptools import find_packages, setup

setup(
    name="telephonist",
    version="0.1.0",
    description="Open-source call-center platform for telephony cards (DAHDI) and simulated spans",
    packages=find_packages(include=["telephonist", "telephonist.*"]),
    package_data={"telephonist": ["data/*", "data/**/*", "migrations/*", "migrations/**/*"]},
    python_requires=">=3.11",
    cffi_modules=["csrc/build_engine.py:ffibuilder"],
    install_requires=[
        "cffi>=1.15",
        "SQLAlchemy>=2.0",
        "alembic>=1.12",
        "uvicorn>=0.30",
        "a2wsgi>=1.10",
    ],
    entry_points={"console_scripts": ["telephonist=telephonist.cli:main"]},
)
