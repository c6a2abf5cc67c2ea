"""Settings: the only module that reads the environment (prefix INTERVIEWER_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from interviewer.domain import Phase
from interviewer.errors import ConfigError


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "mlsd-interviewer"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVIEWER_", extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=_default_data_dir)
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)

    # Hosted mode: a postgresql:// URL selects the Postgres store and forces logins on.
    database_url: SecretStr | None = None
    auth: bool = False
    db_pool_size: int = Field(default=10, ge=1, le=100)
    cookie_secure: bool = False  # set to 1 when the proxy serves HTTPS (it should)
    # Hosted limits, per app process: model calls at once, turns per user per minute (burst 10).
    max_model_calls: int = Field(default=4, ge=1, le=256)
    turns_per_minute: float = Field(default=20.0, gt=0, le=600)

    # Model: a base URL selects any OpenAI-compatible server; without one the bundled model runs.
    base_url: str | None = None
    model: str = "qwen2.5"
    api_key: SecretStr = SecretStr("not-needed")
    local_model: Literal["default", "small", "off"] = "default"
    model_timeout_s: float = Field(default=60.0, gt=0, le=60)
    model_max_retries: int = Field(default=1, ge=0, le=2)
    # The whole reply (acknowledgement + question) must be done by then, or the scripted wording is
    # used: a conversation does not wait half a minute for a pleasantry. 5 s on the server leaves
    # the browser its share of the 6 s budget (DESIGN.md section 9).
    reply_deadline_s: float = Field(default=5.0, gt=0, le=120)
    # A model that has not started by then cannot finish a sentence within the reply deadline; the
    # scripted wording goes out at once instead of at the deadline (capped by reply_deadline_s).
    first_token_deadline_s: float = Field(default=3.0, gt=0, le=120)
    allow_model_requests: bool = True
    model_cache_dir: Path | None = (
        None  # where the assembled GGUF lives; default: <data_dir>/models
    )
    offline: bool = False  # scripted interviewer only, no model at all

    # Interview timing
    budget_scale: float = Field(default=1.0, gt=0, le=4)
    budgets: dict[Phase, float] = Field(default_factory=dict)  # minutes per phase, overrides

    # Retrieval
    retrieval: Literal["hybrid", "dense", "off"] = "hybrid"

    # Voice
    stt_model: Literal["tiny", "base"] = "tiny"
    keep_audio: bool = False
    speak_replies: bool = True  # the initial state of the "Speak replies" box
    # Hands-free: the pause that ends a spoken answer (the slider starts here); a pause after "um"
    # or "let me think" is held longer.
    end_of_turn_seconds: float = Field(default=1.0, ge=0.5, le=3.0)

    @field_validator("budgets")
    @classmethod
    def _positive(cls, value: dict[Phase, float]) -> dict[Phase, float]:
        for phase, minutes in value.items():
            if not 0 < minutes <= 60:
                raise ValueError(f"budget for {phase} must be between 0 and 60 minutes")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must start with postgresql:// (SQLite needs no URL)")
        return value

    @property
    def hosted(self) -> bool:
        """Postgres means a shared server: always with logins."""
        return self.database_url is not None

    @property
    def auth_required(self) -> bool:
        return self.auth or self.hosted

    @property
    def db_path(self) -> Path:
        return self.data_dir / "interviewer.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    def budget_seconds(self, phase: Phase, default_minutes: float) -> float:
        return self.budgets.get(phase, default_minutes) * 60 * self.budget_scale


def load_settings(**overrides: object) -> Settings:
    """Read the environment; a bad value becomes one clear line, not a traceback."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        name = "INTERVIEWER_" + "_".join(str(p) for p in first["loc"][:1]).upper()
        raise ConfigError(
            f"{name}: {first['msg']}", user_message=f"{name}: {first['msg']}"
        ) from err
