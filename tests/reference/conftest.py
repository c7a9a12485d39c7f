"""A tmp landing folder and warehouse for the reference-file tests: the ingestion tests' own
`landing` fixture, imported so pytest offers it here too."""

from __future__ import annotations

from tests.ingest.conftest import landing  # noqa: F401
