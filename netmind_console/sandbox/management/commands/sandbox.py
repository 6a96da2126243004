"""`python manage.py sandbox`: run the local emulator of the NetMind and Apinfer APIs."""

import ipaddress
from pathlib import Path

import imageio_ffmpeg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from netmind_console.sandbox.server import SCHEMAS, Config, Sandbox, serve


class Command(BaseCommand):
    # The emulator shares nothing with the console but settings; its checks (URLs, models) don't apply.
    requires_system_checks = []
    help = "Run the provider sandbox: NetMind Power and Apinfer APIs with real media (see docs/sandbox.md)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--allow-remote", action="store_true",
                            help="allow a non-loopback --host (the /_sandbox/ admin URLs have no auth)")  # fmt: skip
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--speed", type=float, default=1.0, help="divides every job and deploy duration")
        parser.add_argument("--fail-rate", type=float, default=0.0, help="fraction of API calls answered with a fault")
        parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added after a call is processed")
        parser.add_argument("--schema", choices=SCHEMAS, default="new", help="generation result schema")
        parser.add_argument("--url-ttl", type=int, default=3600, help="seconds a result link stays valid")
        parser.add_argument("--data-dir", type=Path, default=None, help="state and media (default VAR_DIR/sandbox)")
        parser.add_argument("--credits", type=float, default=None,
                            help="set the Apinfer balance (a new data dir starts with 1000)")  # fmt: skip

    def handle(self, *args, **options):
        if not options["allow_remote"] and not _is_loopback(options["host"]):
            raise CommandError(
                f"Refusing to listen on {options['host']}: the sandbox's admin URLs (/_sandbox/config, /reset, "
                "/credits) need no authentication, so anyone who can reach it could change it. Use a loopback "
                "address (127.0.0.1, ::1, localhost), or pass --allow-remote if you really mean it."
            )
        data_dir = options["data_dir"] or Path(settings.VAR_DIR) / "sandbox"
        config = Config()
        try:
            config.update({name: options[name] for name in ("fail_rate", "latency_ms", "speed", "schema", "url_ttl")})
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        sandbox = Sandbox(data_dir, settings.SANDBOX_TOKEN, config, imageio_ffmpeg.get_ffmpeg_exe(), options["credits"])

        def ready(server):
            host, port = server.server_address[:2]
            self.stdout.write(f"Sandbox listening on http://{host}:{port} (data in {data_dir})", ending="\n")
            self.stdout.flush()

        try:
            serve(sandbox, options["host"], options["port"], ready)
        except KeyboardInterrupt:
            pass


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere
