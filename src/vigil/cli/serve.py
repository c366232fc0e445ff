"""`vigil serve`: the web application on this machine."""

import click

from vigil.bootstrap import Settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def serve_command(host: str, port: int) -> None:
    """Serve the web application over the instance named by the settings."""
    import uvicorn

    from vigil.web.app import create_app

    uvicorn.run(create_app(Settings.from_environment()), host=host, port=port, log_level="info")


COMMANDS = [serve_command]
