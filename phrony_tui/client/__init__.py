"""The async Phrony API client. No textual import: usable as a library on its own."""

from phrony_tui.client.models import *  # noqa: F403
from phrony_tui.client.models import __all__ as _models_all

__all__ = [*_models_all]
