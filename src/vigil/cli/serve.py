"""`vigil serve`: the web application on this machine."""

import click

from vigil.bootstrap import Settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--offer-demo",
    is_flag=True,
    help="On a new instance, tick 'load the demonstration data' on the set-up page.",
)
def serve_command(host: str, port: int, offer_demo: bool) -> None:
    """Serve the web application over the instance named by the settings."""
    import uvicorn

    from vigil.web import setup
    from vigil.web.app import create_app

    settings = Settings.from_environment()
    app = create_app(settings)
    for line in setup.prepare(app, settings, host, port, offer_demo):
        click.echo(line)
    uvicorn.run(app, host=host, port=port, log_level="info")


COMMANDS = [serve_command]
