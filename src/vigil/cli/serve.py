"""`vigil serve`: the web application on this machine.

One process serves every browser: signed-in sessions, with the keys their users unwrapped, live
in that process's memory only, so several worker processes would not know each other's sessions
(and sharing them would mean handing keys between processes). Requests run on the process's
thread pool; uvloop and httptools, when installed, take the place of the pure-Python event loop
and HTTP parser.
"""

import click

from vigil.bootstrap import Settings

# Seconds given to open requests at Ctrl-C before the sessions (and their keys) are dropped.
GRACEFUL_SECONDS = 10


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--offer-demo",
    is_flag=True,
    help="On a new instance, tick 'load the demonstration data' on the set-up page.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log one line per request (address, method, path with its filters, status).",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Reverse proxies (comma-separated addresses, or *) whose X-Forwarded-For and "
    "X-Forwarded-Proto headers are believed.",
)
def serve_command(
    host: str, port: int, offer_demo: bool, access_log: bool, forwarded_allow_ips: str
) -> None:
    """Serve the web application over the instance named by the settings."""
    import uvicorn

    from vigil.web import setup
    from vigil.web.app import create_app

    settings = Settings.from_environment()
    app = create_app(settings)
    for line in setup.prepare(app, settings, host, port, offer_demo):
        click.echo(line)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )


COMMANDS = [serve_command]
