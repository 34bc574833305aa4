"""The base of every settings section: a pydantic model that refuses unknown keys.

Each layer declares the sections it reads (services/config.py, jobs/config.py); `app/settings.py`
composes them with the edge sections and loads the file and the environment.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
