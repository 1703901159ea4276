"""The ASGI application uvicorn loads (configured from the environment)."""

from rcep_origin.api.app import create_app
from rcep_origin.api.settings import Settings

app = create_app(Settings.from_environment())
